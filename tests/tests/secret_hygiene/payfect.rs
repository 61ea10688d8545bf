//! The Payfect leg of the tour, with its Fernet-signed callbacks.

use super::*;

pub(super) async fn payfect_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
) {
    use payfect_client::webhook::Verifier as CallbackVerifier;
    use payfect_client::{Client, types};
    let creds = sandbox.creds();
    let builder = Client::builder(creds.payfect_api_key.clone())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(policy());
    seen.debug("payfect builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("payfect client", &client);

    let request = || -> types::CreateCheckoutRequest {
        let mut request: types::CreateCheckoutRequest = serde_json::from_str(include_str!(
            "../../../payfect-client/tests/fixtures/create_checkout_request.json"
        ))
        .expect("fixture parses");
        // The callback goes to the loopback receiver, not to the fixture's example.com.
        request.callback_url = None;
        request
    };
    // Rate-limited first: a 429 is retried even without an idempotency key.
    sandbox.faults().add(once(
        "/payfect/api/v1/checkouts/",
        Method::POST,
        FaultKind::RateLimit {
            retry_after_secs: 1,
        },
    ));
    let builder = client.create_checkout().body(request());
    seen.debug("payfect request builder", &builder);
    let checkout = builder.send().await;
    seen.result("payfect create_checkout", &checkout);
    let checkout = checkout.expect("created after the 429");

    let settled = sandbox.settle(Api::Payfect, &checkout.id, Outcome::Complete);
    seen.returned("payfect settle", &settled);
    let verifier = CallbackVerifier::new(creds.payfect_fernet_key.clone()).expect("a Fernet key");
    seen.debug("payfect verifier", &verifier);
    let (headers, body) = delivered(got, Api::Payfect, 1).await.remove(0);
    let callback = verifier.construct_event(&body, &headers);
    seen.result("payfect callback", &callback);
    callback.expect("the callback verifies");

    let read = client
        .retrieve_checkout()
        .id(checkout.id.clone())
        .send()
        .await;
    seen.result("payfect retrieve_checkout", &read);
    read.expect("read back");

    // A lost reply: outcome unknown, never re-sent (no idempotency key).
    sandbox.faults().add(once(
        "/payfect/api/v1/checkouts/",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let lost = client.create_checkout().body(request()).send().await;
    seen.result("payfect create_checkout (dropped)", &lost);
    assert!(lost.expect_err("dropped").outcome_unknown());
    let missing = client
        .retrieve_checkout()
        .id("00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    seen.result("payfect retrieve_checkout (missing)", &missing);
    assert!(missing.is_err());
    let wrong_key = "Hygiene1.wrongPayfectApiKey00000000001".to_string();
    secrets.push(wrong_key.clone());
    let wrong = Client::builder(wrong_key)
        .base_url(sandbox.base_url(Api::Payfect))
        .build()
        .expect("valid configuration");
    seen.debug("payfect client (wrong key)", &wrong);
    let denied = wrong.create_checkout().body(request()).send().await;
    seen.result("payfect create_checkout (wrong key)", &denied);
    assert_eq!(
        denied.expect_err("401").status(),
        Some(StatusCode::UNAUTHORIZED)
    );
}
