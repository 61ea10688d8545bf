//! The clock, the control endpoints, redacted credentials and the JSON 404.

use super::*;

#[tokio::test]
async fn clock_advances() {
    let ctx = Ctx::default();
    let before = ctx.now();
    let after = ctx.clock().advance(Duration::from_secs(3600));
    assert!(after - before >= chrono::TimeDelta::hours(1));
    assert!(ctx.now() >= after);
    assert_eq!(ctx.clock().offset(), chrono::TimeDelta::hours(1));
    // Clones share the clock.
    let clone = ctx.clone();
    clone.clock().advance(Duration::from_secs(60));
    assert_eq!(ctx.clock().offset(), chrono::TimeDelta::seconds(3660));
    // Absurd requests saturate instead of overflowing date arithmetic.
    ctx.clock().advance(Duration::from_secs(u64::MAX));
    assert_eq!(
        ctx.clock().offset(),
        paygate_sandbox::core::Clock::MAX_OFFSET
    );
    assert!(ctx.now() + chrono::TimeDelta::days(365) > ctx.now());
}

#[tokio::test]
async fn control_endpoints_drive_the_sandbox() {
    let sandbox = Sandbox::start().await.unwrap();
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let control = sandbox.urls().control.clone();

    let info: Value = http
        .get(&control)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        info["base_urls"]["xpay_platform"],
        sandbox.base_url(Api::XpayPlatform)
    );
    assert_eq!(info["base_urls"]["collect"], sandbox.base_url(Api::Collect));
    assert!(sandbox.base_url(Api::Collect).ends_with("/collect/api/v3"));
    assert_eq!(
        info["credentials"]["collect"]["app_id"]
            .as_str()
            .unwrap()
            .len(),
        16
    );

    // Clock.
    let clock: Value = http
        .post(format!("{control}/clock/advance"))
        .json(&json!({"seconds": 7200}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offset_seconds"], 7200);
    assert_eq!(sandbox.ctx().clock().offset().num_seconds(), 7200);

    // Faults apply to API routes, not to the control routes.
    let created = http
        .post(format!("{control}/faults"))
        .json(&json!({"path": "/xpay/**", "kind": "status", "status": 503, "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let listed: Value = http
        .get(format!("{control}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["kind"], "status");
    assert_eq!(listed[0]["fired"], 0);
    let hit = http
        .get(format!("{}/anything", sandbox.base_url(Api::XpayPlatform)))
        .send()
        .await
        .unwrap();
    assert_eq!(hit.status(), 503);
    assert_eq!(hit.headers()[FAULT_HEADER], "status");
    let listed: Value = http
        .get(format!("{control}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, json!([]));

    let bad = http
        .post(format!("{control}/faults"))
        .json(&json!({"path": "/xpay/**", "kind": "meteor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let id: Value = http
        .post(format!("{control}/faults"))
        .json(&json!({"path": "/payfect/**", "kind": "rate_limit", "retry_after_secs": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let removed = http
        .delete(format!("{control}/faults/{}", id["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    assert!(sandbox.faults().list().is_empty());

    // Settle validates its input; the unknown id is the API module's business.
    let unknown_api = http
        .post(format!("{control}/settle"))
        .json(&json!({"api": "paypal", "id": "x", "outcome": "complete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_api.status(), 400);
    let missing = http
        .post(format!("{control}/settle"))
        .json(&json!({"api": "xpay_platform", "id": "cs_test_nope", "outcome": "complete"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Deliveries and the default receiver.
    let (receiver, received) = receiver(0).await;
    let put = http
        .put(format!("{control}/webhook-receiver"))
        .json(&json!({"url": format!("{}/hook", receiver.url())}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    sandbox
        .ctx()
        .webhooks()
        .send(Webhook::json(Api::Xstak, "payment", None, "{}"));
    sandbox.webhooks().wait_idle(WAIT).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 1);
    let deliveries: Value = http
        .get(format!("{control}/deliveries?api=xstak"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries[0]["status"], 200);
    assert_eq!(deliveries[0]["api"], "xstak");
    let none: Value = http
        .get(format!("{control}/deliveries?api=collect"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!([]));

    sandbox.shutdown().await;
}

#[tokio::test]
async fn credentials_are_redacted_in_debug_output() {
    let sandbox = Sandbox::start().await.unwrap();
    let debug = format!("{sandbox:?} {:?}", sandbox.creds());
    for secret in sandbox.creds().secret_values() {
        assert!(!debug.contains(&secret), "secret leaked in {debug}");
    }
    // The Fernet key is a real Fernet key.
    let key = secrecy::ExposeSecret::expose_secret(&sandbox.creds().payfect_fernet_key).to_owned();
    assert!(fernet::Fernet::new(&key).is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let sandbox = Sandbox::start().await.unwrap();
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let response = http
        .get(format!(
            "{}/no/such/route",
            sandbox.urls().control.trim_end_matches("/_sandbox")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");
}
