//! The XStak leg of the tour, with the `pi_client_secret`s that travel in URLs.

use super::*;

/// `url_secrets`: values that travel in URLs (XStak's `pi_client_secret` in the capture and
/// void query) and must stay out of traces and errors, though the intent object carries them.
pub(super) async fn xstak_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
    url_secrets: &mut Vec<String>,
) {
    use xpay_client::xstak::webhook::Verifier as WebhookVerifier;
    use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};
    let creds = sandbox.creds();
    let credentials = Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    );
    seen.debug("xstak credentials", &credentials);
    let builder = Client::staging(credentials)
        .base_url(sandbox.base_url(Api::Xstak))
        .retry(policy())
        .retry_writes_with_idempotency_key(true);
    seen.debug("xstak builder", &builder);
    let client = builder.build().expect("valid XStak settings");
    seen.debug("xstak client", &client);

    // A checkout link whose first attempt meets a 502, retried with the same key.
    sandbox.faults().add(once(
        "/xstak/public/v1/payment/checkout",
        Method::POST,
        FaultKind::Status { status: 502 },
    ));
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 2500,
        "currency": "PKR",
        "customer": {"name": "Ali", "email": "ali@example.pk"},
        "metadata": {"order_reference": "hygiene-1"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let builder = client.create_checkout_link().body(request);
    seen.debug("xstak request builder", &builder);
    let link = builder.send().await.data();
    seen.result("xstak create_checkout_link", &link);
    let link = link.expect("created");
    if let Some(s) = &link.pi_client_secret {
        url_secrets.push(s.expose_secret().to_owned());
    }

    let settled = sandbox.settle(Api::Xstak, &link.id, Outcome::Complete);
    seen.returned("xstak settle", &settled);
    let verifier = WebhookVerifier::new(creds.xstak_webhook_hmac_secret.clone()).expect("a secret");
    seen.debug("xstak verifier", &verifier);
    let (headers, body) = delivered(got, Api::Xstak, 1).await.remove(0);
    let event = verifier.construct_event(&body, &headers);
    seen.result("xstak webhook", &event);
    event.expect("the webhook verifies");

    let read = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data();
    seen.result("xstak retrieve_payment_intent", &read);
    read.expect("read back");
    let refund = client
        .create_refund()
        .body(types::RefundRequest {
            payment_intent_id: link.id.clone(),
            refunded_amount: paygate_runtime::JsonDecimal(rust_decimal::Decimal::new(500, 0)),
            reason: Some("hygiene".into()),
        })
        .send()
        .await
        .data();
    seen.result("xstak create_refund", &refund);
    refund.expect("refund");

    // Failing calls carrying a pi_client_secret in the URL: capturing an intent that is not
    // authorized, and voiding a paid one.
    for (what, result) in [
        (
            "xstak capture (not authorized)",
            client
                .capture_payment_intent()
                .pi_client_secret(
                    link.pi_client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                )
                .body(types::CaptureRequest { amount: None })
                .send()
                .await
                .data(),
        ),
        (
            "xstak void (paid)",
            client
                .void_payment_intent()
                .pi_client_secret(
                    link.pi_client_secret
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                )
                .body(types::VoidRequest::default())
                .send()
                .await
                .data(),
        ),
    ] {
        seen.result(what, &result);
        assert!(result.is_err(), "{what} should fail");
    }
    // A lost reply with the key not trusted: outcome unknown, not repeated.
    sandbox.faults().add(once(
        "/xstak/public/v1/payment/checkout",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let cautious = Client::staging(Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .retry(policy())
    .build()
    .expect("valid XStak settings");
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 10,
        "currency": "PKR",
        "customer": {"name": "Ali"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let unknown = cautious
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data();
    seen.result("xstak create_checkout_link (dropped)", &unknown);
    assert!(unknown.expect_err("dropped").outcome_unknown());
    let missing = client
        .retrieve_payment_intent()
        .pi_id("xpay_pi_missing")
        .send()
        .await
        .data();
    seen.result("xstak retrieve (missing)", &missing);
    assert!(missing.is_err());
    let wrong_hmac = "xstak_wrong_hmac_secret_for_hygiene_01".to_string();
    secrets.push(wrong_hmac.clone());
    let forged = Client::staging(Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        wrong_hmac,
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .build()
    .expect("valid XStak settings");
    let request: types::CheckoutRequest = serde_json::from_value(json!({
        "amount": 10,
        "currency": "PKR",
        "customer": {"name": "Ali"},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid request");
    let refused = forged
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data();
    seen.result("xstak create_checkout_link (wrong HMAC secret)", &refused);
    assert!(refused.is_err());
}
