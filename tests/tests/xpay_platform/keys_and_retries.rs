//! Wrong or missing keys, idempotent replay, and retries under injected faults.

use super::*;

#[tokio::test]
async fn wrong_or_missing_keys_are_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    for key in [
        "sk_test_wrong_key",
        "sk_live_sandbox_P4yg4teXp4ySbxK3y0000001",
    ] {
        let client = Client::builder(key)
            .base_url(sandbox.base_url(Api::XpayPlatform))
            .build()
            .unwrap();
        let err = fails(client.list_refunds().send()).await;
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            err.error_type(),
            Some(&types::ErrorType::AuthenticationError)
        );
        assert_eq!(err.error_code(), Some(&types::ErrorCode::ApiKeyInvalid));
        assert!(!err.to_string().contains(key));
    }
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .get(format!("{}/refunds", sandbox.base_url(Api::XpayPlatform)))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

#[tokio::test]
async fn idempotent_replay_and_retries_under_faults() {
    let (sandbox, client, _) = start().await;
    let body = || types::CreateCustomerRequest {
        email: Some("same@example.com".into()),
        ..Default::default()
    };
    let a = client
        .create_customer()
        .idempotency_key("cust-1")
        .body(body())
        .send()
        .await
        .unwrap();
    let b = client
        .create_customer()
        .idempotency_key("cust-1")
        .body(body())
        .send()
        .await
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(
        b.headers().get("idempotent-replayed").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let err = fails(
        client
            .create_customer()
            .idempotency_key("cust-1")
            .body(types::CreateCustomerRequest {
                email: Some("other@example.com".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(
        err.error_type(),
        Some(&types::ErrorType::InvalidRequestError)
    );

    // The connection drops after the session was created: the retry carries the same
    // generated key and gets the stored session back instead of a second one.
    sandbox.faults().add(
        Fault::new("/xpay/checkout/sessions", FaultKind::DropConnection)
            .method(Method::POST)
            .times(1),
    );
    let s = session(&client, vec![inline("EGP", 1_000, "Sticker")]).await;
    let again = client
        .get_checkout_session()
        .id(&s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.id, s.id);
    let posts: Vec<_> = sandbox.faults().list();
    assert!(posts.is_empty(), "the fault fired once and is gone");

    // 503 then success; 429 with Retry-After then success.
    sandbox
        .faults()
        .add(Fault::new("/xpay/customers", FaultKind::Status { status: 503 }).times(1));
    sandbox.faults().add(
        Fault::new(
            "/xpay/refunds",
            FaultKind::RateLimit {
                retry_after_secs: 0,
            },
        )
        .times(1),
    );
    client.list_customers().send().await.unwrap();
    client.list_refunds().send().await.unwrap();

    // Hostile replies keep their status and a snippet.
    let once = client.with_retry(RetryPolicy::none());
    sandbox
        .faults()
        .add(Fault::new("/xpay/products/{id}", FaultKind::Html { status: 502 }).times(1));
    let err = fails(once.get_product().id("prod_x").send()).await;
    match &err {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(snippet.to_lowercase().contains("<html"), "{snippet}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    sandbox.faults().add(
        Fault::new("/xpay/customers", FaultKind::TruncatedJson)
            .method(Method::GET)
            .times(1),
    );
    let err = fails(once.list_customers().send()).await;
    assert!(
        matches!(
            err,
            Error::Decode {
                status: StatusCode::OK,
                ..
            }
        ),
        "{err:?}"
    );
}
