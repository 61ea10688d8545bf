//! XPay platform client: what it sends, bearer key, JSON bodies, idempotency keys, retries.

use super::*;

#[tokio::test]
async fn sends_the_key_as_bearer_and_json_bodies() {
    let stub = Stub::start(|_, _| json_reply(200, session_json("cs_test_1"))).await;
    let session = stub
        .client()
        .create_checkout_session()
        .body(create_body())
        .send()
        .await
        .expect("created");
    assert_eq!(session.id, "cs_test_1");
    assert_eq!(session.status, Some(types::CheckoutSessionStatus::Open));
    let seen = stub.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/xpay/checkout/sessions");
    assert_eq!(
        header(&seen[0], "authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let sent: Value = serde_json::from_slice(&seen[0].body).expect("json body");
    assert_eq!(
        sent["afterCompletion"]["redirect"]["url"],
        "https://shop.example/ok"
    );
    assert_eq!(sent["lineItems"][0]["price"], "price_test_1");
}

#[tokio::test]
async fn every_post_gets_one_idempotency_key_reused_across_retries() {
    // The first attempt of each call fails with 503; the retry succeeds.
    let stub = Stub::start(|_, i| {
        if i % 2 == 0 {
            json_reply(
                503,
                json!({"error": {"type": "api_error", "message": "busy"}}),
            )
        } else {
            json_reply(200, session_json("cs_test_2"))
        }
    })
    .await;
    let client = stub.client();
    for _ in 0..2 {
        client
            .expire_checkout_session()
            .id("cs_test_2")
            .send()
            .await
            .expect("retried into success");
    }
    let keys: Vec<String> = stub
        .seen()
        .iter()
        .map(|s| {
            header(s, "idempotency-key")
                .expect("every POST has a key")
                .to_string()
        })
        .collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], keys[1], "a retry reuses its call's key");
    assert_eq!(keys[2], keys[3], "a retry reuses its call's key");
    assert_ne!(keys[0], keys[2], "each call has its own key");
    assert!(uuid::Uuid::parse_str(&keys[0]).is_ok(), "{}", keys[0]);
}

#[tokio::test]
async fn the_caller_can_set_the_idempotency_key() {
    let stub = Stub::start(|_, _| {
        json_reply(
            200,
            json!({"id": "re_test_1", "status": "SUCCEEDED", "amount": 500}),
        )
    })
    .await;
    let refund = stub
        .client()
        .create_refund()
        .idempotency_key("order-1042-refund-1")
        .body(types::CreateRefundRequest {
            payment_intent_id: Some("pi_test_1".into()),
            charge_id: None,
            amount: std::num::NonZeroU64::new(500),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: None,
            metadata: Default::default(),
        })
        .send()
        .await
        .expect("refund");
    assert_eq!(refund.status, Some(types::RefundStatus::SUCCEEDED));
    assert_eq!(
        header(&stub.seen()[0], "idempotency-key"),
        Some("order-1042-refund-1")
    );
}

#[tokio::test]
async fn gets_carry_no_idempotency_key_and_are_retried() {
    let stub = Stub::start(|_, i| {
        if i == 0 {
            raw_reply(502, "text/html", "<html>bad gateway</html>")
        } else {
            json_reply(
                200,
                json!({"id": "cus_test_1", "object": "customer", "type": "guest"}),
            )
        }
    })
    .await;
    let customer = stub
        .client()
        .get_customer()
        .id("cus_test_1")
        .send()
        .await
        .expect("retried");
    assert_eq!(customer.type_, Some(types::CustomerType::Guest));
    let seen = stub.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| header(s, "idempotency-key").is_none()));
    assert_eq!(seen[0].path, "/xpay/customers/cus_test_1");
}
