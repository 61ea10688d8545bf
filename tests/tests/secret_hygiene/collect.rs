//! The Collect leg of the tour, with its JWT access tokens.

use super::*;

pub(super) async fn collect_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
) {
    use collect_client::webhook::Verifier as WebhookVerifier;
    use collect_client::{CollectClient, NewCollection, NewRefund, ResponseExt, types};
    use rust_decimal::Decimal;
    let creds = sandbox.creds();
    let builder = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(policy());
    seen.debug("collect builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("collect client", &client);

    // A token of our own, to look for in the output (the client's cached one is caught by
    // the JWT pattern).
    let own = client
        .raw()
        .create_token()
        .body(types::TokenRequest {
            app_id: types::AppId::try_from(creds.collect_app_id.as_str()).expect("app id"),
            secret_key: creds.collect_secret_key.expose_secret().into(),
            grant_type: types::GrantType::ClientCredentials,
        })
        .send()
        .await
        .data();
    seen.result("collect create_token", &own);
    let token = own
        .expect("a token")
        .access_token
        .expose_secret()
        .to_string();
    assert!(
        contains_jwt(&token),
        "the JWT pattern must match a real token"
    );
    secrets.push(token);

    // A collection whose first reply is lost: resolved through its orderId.
    sandbox.faults().add(once(
        "/collect/api/v3/collections",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let created = client
        .create_collection(&NewCollection::new(
            Decimal::new(2500, 2),
            "HYGIENE-1",
            "Hygiene",
        ))
        .await;
    seen.result("collect create_collection", &created);
    let created = created.expect("created");
    assert!(created.is_existing(), "resolved through the orderId");

    let settled = sandbox.settle(Api::Collect, created.collection_id(), Outcome::Complete);
    seen.returned("collect settle", &settled);
    let verifier = WebhookVerifier::new(creds.collect_webhook_secret.clone()).expect("a secret");
    seen.debug("collect verifier", &verifier);
    let hooks = delivered(got, Api::Collect, 2).await;
    for (_, body) in &hooks {
        let event = verifier.construct_event(body, &Default::default());
        seen.result("collect webhook", &event);
        let event = event.expect("the webhook verifies");
        let confirmed = client.confirm_webhook(&event).await;
        seen.result("collect confirm_webhook", &confirmed);
        confirmed.expect("confirmed");
    }

    // Tokens revoked behind the client's back: it re-authenticates on its own.
    sandbox.collect().revoke_all_tokens();
    let read = client.get_collection(created.collection_id()).await;
    seen.result("collect get_collection", &read);
    read.expect("read after re-authentication");
    let refund = client
        .refund(
            created.collection_id(),
            &NewRefund::partial(Decimal::new(500, 2)),
        )
        .await;
    seen.result("collect refund", &refund);
    refund.expect("refund");

    let missing = client.get_collection("SCI_MISSING_0001").await;
    seen.result("collect get_collection (missing)", &missing);
    assert!(missing.is_err());
    let wrong_secret = "sk_test_wrong_collect_secret_hygiene".to_string();
    secrets.push(wrong_secret.clone());
    let wrong = CollectClient::builder(creds.collect_app_id.clone(), wrong_secret.as_str())
        .base_url(sandbox.base_url(Api::Collect))
        .build()
        .expect("valid configuration");
    seen.debug("collect client (wrong secret)", &wrong);
    let denied = wrong.authenticate().await;
    seen.result("collect authenticate (wrong secret)", &denied);
    assert!(denied.is_err());
}
