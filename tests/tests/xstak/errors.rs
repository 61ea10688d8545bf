//! XStak: auth and validation failures, typed with XStak's envelope and message.

use super::*;

#[tokio::test]
async fn auth_failures_are_typed_with_xstaks_message() {
    let (sandbox, _client) = start().await;
    let base = sandbox.base_url(Api::Xstak).to_owned();
    let creds = sandbox.creds().clone();
    let with = |key: &str, account: &str, hmac: &str| {
        Client::staging(Credentials::new(
            key.to_owned(),
            account.to_owned(),
            hmac.to_owned(),
        ))
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .expect("valid XStak settings")
    };
    let key = creds.xstak_api_key.expose_secret().to_owned();
    let hmac = creds.xstak_api_hmac_secret.expose_secret().to_owned();
    for (client, reason) in [
        (
            with("sk_wrong", &creds.xstak_account_id, &hmac),
            "Invalid credentials.",
        ),
        (with(&key, "wrong-account", &hmac), "Invalid credentials."),
        (
            with(&creds.xstak_public_key, &creds.xstak_account_id, &hmac),
            "The publishable key cannot be used for server calls; use the secret key.",
        ),
        (
            with(&key, &creds.xstak_account_id, "wrong-hmac"),
            "Invalid signature.",
        ),
    ] {
        let err = client
            .create_checkout_link()
            .body(seed_request())
            .send()
            .await
            .data()
            .expect_err("refused");
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(api_reason(&err), Some(reason));
    }
    // A GET needs no signature, so the wrong HMAC secret does not matter there…
    let err = with(&key, &creds.xstak_account_id, "wrong-hmac")
        .retrieve_payment_intent()
        .pi_id("xpay_pi_missing")
        .send()
        .await
        .data()
        .expect_err("unknown id");
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(api_reason(&err), Some("Payment intent not found."));
    // … but a signed call without any signature is refused.
    paygate_runtime::tls::install_default_provider();
    let reply = reqwest::Client::new()
        .post(format!("{base}/public/v1/payment/checkout"))
        .header("x-api-key", key)
        .header("x-account-id", creds.xstak_account_id.as_str())
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&seed_request()).expect("serializes"))
        .send()
        .await
        .expect("answer");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let body: Value = reply.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"success": false, "responseStatus": "UNAUTHORIZED", "message": "x-signature header is required."})
    );
}

#[tokio::test]
async fn validation_failures_name_the_problem() {
    let (_sandbox, client) = start().await;
    type Change = Box<dyn Fn(&mut types::CheckoutRequest)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|r| r.amount = JsonDecimal(dec("0"))),
            "amount: value is less than the minimum",
        ),
        (
            Box::new(|r| r.amount = JsonDecimal(dec("-5"))),
            "amount: value is less than the minimum",
        ),
        (
            Box::new(|r| r.currency = "pkr".into()),
            "currency: value does not match",
        ),
        (
            Box::new(|r| r.customer.name = " ".into()),
            "customer.name: value does not match",
        ),
        (
            Box::new(|r| {
                r.customer.email = None;
                r.customer.phone = Some(String::new());
            }),
            "customer.phone: value does not match",
        ),
        (
            Box::new(|r| r.success_url = "webhook.site/x".into()),
            "success_url: value does not match",
        ),
        (
            Box::new(|r| {
                r.payment_methods
                    .push(types::PaymentMethod::from("bitcoin"))
            }),
            // The spec's enum, checked before the handler runs.
            "payment_methods[2]",
        ),
    ];
    for (change, reason) in cases {
        let mut request = seed_request();
        change(&mut request);
        let err = client
            .create_checkout_link()
            .body(request)
            .send()
            .await
            .data()
            .expect_err("invalid");
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err:?}");
        assert!(
            api_reason(&err).is_some_and(|m| m.contains(reason)),
            "{err}"
        );
    }
    // Phone alone is enough.
    let mut request = seed_request();
    request.customer.email = None;
    client
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data()
        .expect("phone only");
}
