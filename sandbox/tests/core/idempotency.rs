//! Idempotent replay: same key and body, conflicts, concurrency, retries, key expiry.

use super::*;

#[tokio::test]
async fn same_key_same_body_replays_without_running_the_handler() {
    let f = Fixture::start().await;
    let first = f
        .post(json!({"amount": 100}))
        .header("Idempotency-Key", "key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get(REPLAYED_HEADER).is_none());
    let first_request_id = first.headers()["request-id"].clone();
    let first_body = first.text().await.unwrap();

    let again = f
        .post(json!({"amount": 100}))
        .header("Idempotency-Key", "key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()[REPLAYED_HEADER], "true");
    // Like Stripe: the body is replayed, but every HTTP request gets its own id.
    assert_ne!(again.headers()["request-id"], first_request_id);
    assert_eq!(again.text().await.unwrap(), first_body);
    assert_eq!(f.runs(), 1);

    // Another key, or none, is a new request.
    f.post(json!({"amount": 100}))
        .header("Idempotency-Key", "key-2")
        .send()
        .await
        .unwrap();
    f.post(json!({"amount": 100})).send().await.unwrap();
    assert_eq!(f.runs(), 3);
}

#[tokio::test]
async fn same_key_different_body_is_rejected_in_the_xpay_envelope() {
    let f = Fixture::start().await;
    f.post(json!({"amount": 100}))
        .header("Idempotency-Key", "key-1")
        .send()
        .await
        .unwrap();
    let response = f
        .post(json!({"amount": 999}))
        .header("Idempotency-Key", "key-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let request_id = response.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"].get("param").is_none(),
        "absent, not null: {body}"
    );
    assert_eq!(body["request_id"], request_id.as_str());
    assert_eq!(f.runs(), 1);
}

#[tokio::test]
async fn xstak_uses_its_own_header_and_envelope() {
    let f = Fixture::start_with(IdempotencyConfig::xstak()).await;
    for _ in 0..2 {
        f.post(json!({"amount": 5}))
            .header("x-idempotency-key", "k")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(f.runs(), 1);
    let response = f
        .post(json!({"amount": 6}))
        .header("x-idempotency-key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], false);
    // XStak's official curl sends the header empty: that is no key at all.
    for _ in 0..2 {
        f.post(json!({"amount": 5}))
            .header("x-idempotency-key", "")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(f.runs(), 3);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_the_handler_once() {
    let f = Fixture::start().await;
    let requests = (0..10).map(|_| async {
        let response = f
            .post(json!({"amount": 1}))
            .header("Idempotency-Key", "same")
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    });
    let responses = futures::future::join_all(requests).await;
    assert_eq!(f.runs(), 1);
    assert!(
        responses.iter().all(|reply| reply == &responses[0]),
        "{responses:?}"
    );
    assert_eq!(responses[0].0, 201);
}

#[tokio::test]
async fn retry_after_a_dropped_connection_replays_the_committed_create() {
    let f = Fixture::start().await;
    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::DropConnection).times(1));
    let key = ("Idempotency-Key", "create-once");
    assert!(
        f.post(json!({"amount": 7}))
            .header(key.0, key.1)
            .send()
            .await
            .is_err()
    );
    let retry = f
        .post(json!({"amount": 7}))
        .header(key.0, key.1)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()[REPLAYED_HEADER], "true");
    let thing: Value = retry.json().await.unwrap();
    assert_eq!(f.runs(), 1);
    assert_eq!(f.stored().await, vec![thing]);
}

#[tokio::test]
async fn failures_that_never_ran_are_not_stored_so_a_retry_runs_again() {
    let ctx = Ctx::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let handler_calls = calls.clone();
    let router = Router::new().route(
        "/flaky",
        post(move || {
            let calls = handler_calls.clone();
            async move {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => StatusCode::INTERNAL_SERVER_ERROR,
                    1 => StatusCode::BAD_REQUEST,
                    _ => StatusCode::CREATED,
                }
            }
        }),
    );
    let router = Idempotency::new(ctx.clone(), IdempotencyConfig::xpay_platform()).apply(router);
    let server = Server::bind(router, 0).await.unwrap();
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let send = || {
        http.post(format!("{}/flaky", server.url()))
            .header("Idempotency-Key", "k")
            .body("{}")
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 500);
    assert_eq!(send().await.unwrap().status(), 400);
    assert_eq!(send().await.unwrap().status(), 201);
    assert_eq!(send().await.unwrap().status(), 201);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "the last 201 is a replay");
}

#[tokio::test]
async fn keys_expire_on_the_sandbox_clock() {
    let f = Fixture::start().await;
    let send = |amount: u32| {
        f.post(json!({ "amount": amount }))
            .header("Idempotency-Key", "old")
            .send()
    };
    send(1).await.unwrap();
    f.ctx.clock().advance(Duration::from_secs(23 * 3600));
    assert_eq!(
        send(2).await.unwrap().status(),
        409,
        "still remembered after 23 h"
    );
    f.ctx.clock().advance(Duration::from_secs(2 * 3600));
    assert_eq!(send(2).await.unwrap().status(), 201, "forgotten after 24 h");
    assert_eq!(f.runs(), 2);
}
