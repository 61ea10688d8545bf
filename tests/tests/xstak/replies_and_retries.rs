//! XStak: hostile replies keep their status; reads are retried, writes replay by idempotency key.

use super::*;

#[tokio::test]
async fn hostile_replies_keep_their_status() {
    let (sandbox, client) = start().await;
    let client = client.with_retry(RetryPolicy::none());
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/details/*",
            FaultKind::Html { status: 502 },
        )
        .times(1),
    );
    let err = client
        .retrieve_payment_intent()
        .pi_id("xpay_pi_x")
        .send()
        .await
        .data()
        .expect_err("HTML");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));

    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/checkout",
            FaultKind::TruncatedJson,
        )
        .method(Method::POST)
        .times(1),
    );
    let err = client
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect_err("truncated");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn reads_are_retried_and_writes_replay_by_idempotency_key() {
    let (sandbox, client) = start().await;
    let link = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("link");
    // Same key, same body: the first reply again, no second intent.
    let again = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("replayed");
    assert_eq!(again.id, link.id);
    // Same key, different body: refused.
    let mut other = seed_request();
    other.amount = JsonDecimal(dec("6"));
    let err = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(other)
        .send()
        .await
        .data()
        .expect_err("key reuse");
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));

    // A flaky read is retried.
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/details/*",
            FaultKind::Status { status: 503 },
        )
        .times(1),
    );
    let fetched = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data()
        .expect("retried");
    assert_eq!(fetched.id, link.id);
}
