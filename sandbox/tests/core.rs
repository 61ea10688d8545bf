//! The sandbox core against a tiny router: faults, idempotent replay, webhook delivery, the
//! clock and the control endpoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use http::Method;
use paygate_sandbox::core::idempotency::{Idempotency, IdempotencyConfig, REPLAYED_HEADER};
use paygate_sandbox::core::server::Server;
use paygate_sandbox::core::{Ctx, Fault, FaultKind, Webhook, WebhookConfig, faults::FAULT_HEADER};
use paygate_sandbox::{Api, Sandbox};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// A store of "things": POST creates one (echoing the body), GET lists them.
#[derive(Clone, Default)]
struct Things {
    created: Arc<std::sync::Mutex<Vec<Value>>>,
    /// Handler runs, including ones whose reply the client never saw.
    runs: Arc<AtomicUsize>,
}

async fn create_thing(
    State(things): State<Things>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let run = things.runs.fetch_add(1, Ordering::SeqCst) + 1;
    // Give concurrent duplicates a chance to overlap.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let thing = json!({ "id": format!("thing_{run}"), "body": body, "padding": "x".repeat(64) });
    things.created.lock().unwrap().push(thing.clone());
    (StatusCode::CREATED, Json(thing))
}

async fn list_things(State(things): State<Things>) -> Json<Value> {
    Json(Value::Array(things.created.lock().unwrap().clone()))
}

fn things_router(things: &Things) -> Router {
    Router::new()
        .route("/api/things", post(create_thing).get(list_things))
        .with_state(things.clone())
}

struct Fixture {
    ctx: Ctx,
    things: Things,
    server: Server,
    http: reqwest::Client,
}

impl Fixture {
    /// `things` under `/api`, wrapped like an API router: replay (XPay rules) inside faults.
    async fn start() -> Fixture {
        Fixture::start_with(IdempotencyConfig::xpay_platform()).await
    }

    async fn start_with(idempotency: IdempotencyConfig) -> Fixture {
        let ctx = Ctx::new(WebhookConfig::default());
        let things = Things::default();
        let router = Idempotency::new(ctx.clone(), idempotency).apply(things_router(&things));
        let router = paygate_sandbox::core::request_id::apply(router, Some("request-id"));
        let router = ctx.faults().apply(router);
        let server = Server::bind(router, 0).await.expect("bind loopback");
        paygate_runtime::tls::install_default_provider();
        Fixture {
            ctx,
            things,
            server,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("{}/api/things", self.server.url())
    }

    fn post(&self, body: Value) -> reqwest::RequestBuilder {
        self.http.post(self.url()).json(&body)
    }

    fn runs(&self) -> usize {
        self.things.runs.load(Ordering::SeqCst)
    }

    async fn stored(&self) -> Vec<Value> {
        let list: Value = self
            .http
            .get(self.url())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.as_array().cloned().unwrap_or_default()
    }
}

#[tokio::test]
async fn status_fault_fires_before_commit_and_runs_out() {
    let f = Fixture::start().await;
    let id = f.ctx.faults().add(
        Fault::new("/api/things", FaultKind::Status { status: 503 })
            .method(Method::POST)
            .times(2),
    );

    for _ in 0..2 {
        let response = f.post(json!({"n": 1})).send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[FAULT_HEADER], "status");
    }
    assert_eq!(
        f.runs(),
        0,
        "a fault before commit must not run the handler"
    );
    assert!(
        f.ctx.faults().list().is_empty(),
        "a counted fault disappears when used up"
    );
    assert_eq!(f.ctx.faults().fired(id), 2, "its count is remembered");

    let response = f.post(json!({"n": 1})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(f.runs(), 1);
}

#[tokio::test]
async fn faults_match_method_and_path_and_clear() {
    let f = Fixture::start().await;
    let id = f
        .ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::Status { status: 500 }).method(Method::GET));
    f.ctx
        .faults()
        .add(Fault::new("/other/**", FaultKind::Status { status: 500 }));

    // Neither rule matches a POST to /api/things.
    assert_eq!(f.post(json!({})).send().await.unwrap().status(), 201);
    assert_eq!(f.http.get(f.url()).send().await.unwrap().status(), 500);
    assert_eq!(
        f.http.get(f.url()).send().await.unwrap().status(),
        500,
        "no count: fires until cleared"
    );

    assert!(f.ctx.faults().remove(id));
    assert!(!f.ctx.faults().remove(id));
    assert_eq!(f.http.get(f.url()).send().await.unwrap().status(), 200);

    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::Status { status: 502 }));
    f.ctx.faults().clear();
    assert_eq!(f.http.get(f.url()).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn rate_limit_fault_sends_retry_after() {
    let f = Fixture::start().await;
    f.ctx.faults().add(
        Fault::new(
            "/api/things",
            FaultKind::RateLimit {
                retry_after_secs: 7,
            },
        )
        .times(1),
    );
    let response = f.post(json!({})).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(f.runs(), 0);
}

#[tokio::test]
async fn html_fault_sends_an_error_page() {
    let f = Fixture::start().await;
    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::Html { status: 502 }).times(1));
    let response = f.post(json!({})).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains("<html>") && page.contains("502 Bad Gateway"),
        "{page}"
    );
    assert_eq!(f.runs(), 0);
}

#[tokio::test]
async fn after_commit_faults_run_the_handler() {
    let f = Fixture::start().await;
    f.ctx.faults().add(
        Fault::new("/api/things", FaultKind::Status { status: 502 })
            .after_commit(true)
            .times(1),
    );
    let response = f.post(json!({"n": 1})).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(f.runs(), 1, "the change was committed behind the 502");

    f.ctx.faults().add(
        Fault::new("/api/things", FaultKind::Latency { ms: 10 })
            .after_commit(true)
            .times(1),
    );
    let response = f.post(json!({"n": 2})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(f.runs(), 2);
    assert_eq!(f.ctx.faults().fired_total(), 2);
}

#[tokio::test]
async fn latency_fault_delays_but_answers() {
    let f = Fixture::start().await;
    f.ctx
        .faults()
        .add(Fault::new("/api/**", FaultKind::Latency { ms: 30 }).times(1));
    let response = f.post(json!({})).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(f.ctx.faults().fired_total(), 1);
}

#[tokio::test]
async fn drop_after_commit_commits_but_the_client_gets_no_reply() {
    let f = Fixture::start().await;
    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::DropConnection).times(1));

    let result = f.post(json!({"n": 1})).send().await;
    let err = result.expect_err("the client must not get a response");
    assert!(
        err.status().is_none(),
        "no status may reach the client: {err:?}"
    );

    assert_eq!(f.runs(), 1);
    let stored = f.stored().await;
    assert_eq!(stored.len(), 1, "the change is committed: {stored:?}");
    assert_eq!(stored[0]["body"], json!({"n": 1}));
}

#[tokio::test]
async fn drop_before_commit_changes_nothing() {
    let f = Fixture::start().await;
    f.ctx.faults().add(
        Fault::new("/api/things", FaultKind::DropConnection)
            .after_commit(false)
            .times(1),
    );
    assert!(f.post(json!({})).send().await.is_err());
    assert_eq!(f.runs(), 0);
    assert!(f.stored().await.is_empty());
}

#[tokio::test]
async fn truncated_json_fault_cuts_the_body_in_half() {
    let f = Fixture::start().await;
    let whole = f
        .post(json!({"n": 1}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::TruncatedJson).times(1));
    let response = f.post(json!({"n": 1})).send().await.unwrap();
    assert_eq!(response.status(), 201, "status is kept");
    let cut = response.text().await.unwrap();
    assert_eq!(f.runs(), 2, "the handler ran");
    assert_eq!(cut.len(), whole.len() / 2);
    assert!(whole.replace("thing_1", "thing_2").starts_with(&cut));
    assert!(serde_json::from_str::<Value>(&cut).is_err());
}

#[tokio::test]
async fn probability_zero_never_fires_and_one_always_does() {
    let f = Fixture::start().await;
    let never = f
        .ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::Status { status: 500 }).probability(0.0));
    for _ in 0..5 {
        assert_eq!(f.http.get(f.url()).send().await.unwrap().status(), 200);
    }
    f.ctx.faults().remove(never);
    f.ctx
        .faults()
        .add(Fault::new("/api/things", FaultKind::Status { status: 500 }).probability(1.0));
    assert_eq!(f.http.get(f.url()).send().await.unwrap().status(), 500);
}

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

/// A receiver that answers 500 to the first `failures` POSTs, then 200, keeping every body.
async fn receiver(failures: usize) -> (Server, Arc<std::sync::Mutex<Vec<(String, String)>>>) {
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = received.clone();
    let router = Router::new().route(
        "/hook",
        post(move |headers: http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let signature = headers
                    .get("x-test-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let mut seen = seen.lock().unwrap();
                seen.push((signature, body));
                if seen.len() <= failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    (Server::bind(router, 0).await.unwrap(), received)
}

fn fast_retries() -> WebhookConfig {
    WebhookConfig {
        retry_delays: vec![Duration::from_millis(1); 3],
        ..WebhookConfig::default()
    }
}

#[tokio::test]
async fn webhooks_retry_non_2xx_and_record_every_attempt() {
    let (receiver, received) = receiver(2).await;
    let ctx = Ctx::new(fast_retries());
    let url = format!("{}/hook", receiver.url());
    let webhook_id = ctx.webhooks().send(
        Webhook::json(
            Api::XpayPlatform,
            "checkout.session.completed",
            Some(url.clone()),
            r#"{"id":"evt_1"}"#,
        )
        .header("x-fixed", "1")
        .sign_each_attempt(|body, at| {
            vec![(
                "x-test-signature".into(),
                format!("{}:{}", at.timestamp(), body.len()),
            )]
        }),
    );

    let deliveries = ctx
        .webhooks()
        .wait_for(WAIT, |d| d.iter().any(|d| d.succeeded()))
        .await
        .expect("delivered after two failures");
    let statuses: Vec<_> = deliveries.iter().map(|d| d.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert_eq!(
        deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    for delivery in &deliveries {
        assert_eq!(delivery.webhook_id, webhook_id);
        assert_eq!(delivery.url.as_deref(), Some(url.as_str()));
        assert_eq!(delivery.event, "checkout.session.completed");
        assert_eq!(delivery.body, r#"{"id":"evt_1"}"#);
        assert_eq!(delivery.header("content-type"), Some("application/json"));
        assert_eq!(delivery.header("X-Fixed"), Some("1"));
        assert!(
            delivery
                .header("x-test-signature")
                .unwrap()
                .ends_with(":14")
        );
    }
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|(signature, body)| body == r#"{"id":"evt_1"}"# && signature.ends_with(":14"))
    );
}

#[tokio::test]
async fn webhooks_stop_after_the_last_retry() {
    let (receiver, received) = receiver(usize::MAX).await;
    let ctx = Ctx::new(fast_retries());
    ctx.webhooks().send(Webhook::json(
        Api::Collect,
        "collection.received",
        Some(format!("{}/hook", receiver.url())),
        "{}",
    ));
    ctx.webhooks()
        .wait_idle(WAIT)
        .await
        .expect("delivery finishes");
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(
        deliveries.len(),
        4,
        "one try and three retries: {deliveries:?}"
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == Some(500) && d.error.is_some())
    );
    assert_eq!(received.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn webhooks_go_to_the_configured_receiver_or_are_recorded_as_undeliverable() {
    let ctx = Ctx::new(fast_retries());
    ctx.webhooks()
        .send(Webhook::json(Api::Payfect, "callback", None, "{}"));
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].url, None);
    assert!(deliveries[0].error.is_some());

    let (receiver, received) = receiver(0).await;
    ctx.webhooks()
        .set_receiver(Some(Api::Payfect), Some(format!("{}/hook", receiver.url())));
    ctx.webhooks()
        .send(Webhook::json(Api::Payfect, "callback", None, "{\"a\":1}"));
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 1);
    assert!(ctx.webhooks().deliveries()[1].succeeded());

    // Unreachable receivers are retried too, and recorded with no status.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    ctx.webhooks().clear();
    ctx.webhooks().send(Webhook::json(
        Api::Xstak,
        "payment",
        Some(format!("http://{closed}/hook")),
        "{}",
    ));
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(deliveries.len(), 4);
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
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

#[tokio::test]
async fn signatures_are_stamped_with_real_time_even_after_the_clock_moved() {
    let (receiver, _received) = receiver(0).await;
    let ctx = Ctx::new(fast_retries());
    ctx.clock().advance(Duration::from_secs(48 * 3600));
    let stamped = Arc::new(std::sync::Mutex::new(None));
    let seen = stamped.clone();
    ctx.webhooks().send(
        Webhook::json(
            Api::XpayPlatform,
            "e",
            Some(format!("{}/hook", receiver.url())),
            "{}",
        )
        .sign_each_attempt(move |_, at| {
            *seen.lock().unwrap() = Some(at);
            Vec::new()
        }),
    );
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    let at = stamped.lock().unwrap().expect("signed");
    // Receivers compare signature times with their own clock, not the sandbox's.
    assert!(
        ctx.now() - at > chrono::TimeDelta::hours(47),
        "{at} vs {}",
        ctx.now()
    );
    // The record itself is on the sandbox clock, like every resource.
    assert!(ctx.webhooks().deliveries()[0].sent_at > at + chrono::TimeDelta::hours(47));
}
