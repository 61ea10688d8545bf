//! The shared runtime, exercised through a real generated client (`probe`) against a stub that
//! stages exact replies: retries only when safe, idempotency keys reused, hostile replies turned
//! into typed errors that keep their status.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response, StatusCode};
use axum::routing::post;
use paygate_runtime::{Error, Outcome, RetryPolicy, Transport};
use reqwest::header::HeaderName;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workspace_tests::probe::{Client, ProbeState, types};

/// What the stub answers, one entry per request; the last entry repeats.
#[derive(Clone)]
enum Reply {
    Json(u16, &'static str),
    Raw(u16, &'static str, &'static str),
    RetryAfter(u16, &'static str),
    Huge,
    Hang,
}

#[derive(Default)]
struct Stub {
    script: Mutex<VecDeque<Reply>>,
    seen_keys: Mutex<Vec<Option<String>>>,
}

async fn handler(State(stub): State<Arc<Stub>>, headers: HeaderMap) -> Response<Body> {
    stub.seen_keys.lock().unwrap().push(
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    let reply = {
        let mut script = stub.script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            script.front().cloned().unwrap()
        }
    };
    let build = |status: u16, ct: &str, body: Body| {
        Response::builder()
            .status(status)
            .header("content-type", ct)
            .body(body)
            .unwrap()
    };
    match reply {
        Reply::Json(s, b) => build(s, "application/json", Body::from(b)),
        Reply::Raw(s, ct, b) => build(s, ct, Body::from(b)),
        Reply::RetryAfter(secs, b) => {
            let mut r = build(429, "application/json", Body::from(b));
            r.headers_mut()
                .insert("retry-after", secs.to_string().parse().unwrap());
            r
        }
        Reply::Huge => {
            let big = format!(
                "{{\"id\":\"x\",\"status\":\"open\",\"amount\":1,\"pad\":\"{}\"}}",
                "a".repeat(64 * 1024)
            );
            build(200, "application/json", Body::from(big))
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            build(200, "application/json", Body::from("{}"))
        }
    }
}

const OK: &str = r#"{"id":"th_1","status":"open","amount":5.5}"#;
const ERR: &str = r#"{"message":"bad"}"#;

async fn stub(script: Vec<Reply>) -> (String, Arc<Stub>) {
    let stub = Arc::new(Stub {
        script: Mutex::new(script.into()),
        ..Default::default()
    });
    let app = Router::new()
        .route("/things", post(handler))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, stub)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_secs(2))
        .per_attempt_timeout(Duration::from_millis(500))
}

fn client(url: &str, idempotent: bool, body_limit: usize) -> Client {
    let mut transport = Transport::new("probe").retry(fast_policy());
    transport.body_limit = body_limit;
    if idempotent {
        transport = transport.idempotency_header(HeaderName::from_static("idempotency-key"));
    }
    paygate_runtime::tls::install_default_provider();
    Client::new_with_client(url, reqwest::Client::new(), ProbeState { transport })
}

async fn create(c: &Client) -> Result<types::Thing, Error<types::Error>> {
    let body = types::ThingCreate {
        amount: "5.5".parse().unwrap(),
        note: None,
    };
    Ok(c.create_thing().body(body).send().await?.into_inner())
}

#[tokio::test]
async fn safe_write_is_retried_with_one_idempotency_key() {
    let (url, stub) = stub(vec![
        Reply::Json(502, ERR),
        Reply::Json(503, ERR),
        Reply::Json(200, OK),
    ])
    .await;
    let thing = create(&client(&url, true, 1 << 20)).await.unwrap();
    assert_eq!(thing.id, "th_1");
    assert_eq!(thing.amount.value().to_string(), "5.5");
    let keys = stub.seen_keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 3);
    assert!(keys[0].is_some());
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[tokio::test]
async fn unsafe_write_is_not_retried_on_5xx() {
    let (url, stub) = stub(vec![Reply::Json(502, ERR), Reply::Json(200, OK)]).await;
    let err = create(&client(&url, false, 1 << 20)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(matches!(&err, Error::Api { body, .. } if body.message.as_deref() == Some("bad")));
    assert_eq!(stub.seen_keys.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn rate_limit_is_retried_after_the_hint_even_without_a_key() {
    let (url, stub) = stub(vec![Reply::RetryAfter(1, ERR), Reply::Json(200, OK)]).await;
    let started = std::time::Instant::now();
    create(&client(&url, false, 1 << 20)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(stub.seen_keys.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn slow_unsafe_write_reports_unknown_outcome() {
    let (url, stub) = stub(vec![Reply::Hang]).await;
    let err = create(&client(&url, false, 1 << 20)).await.unwrap_err();
    match &err {
        Error::Transport {
            outcome, timeout, ..
        } => {
            assert_eq!(*outcome, Outcome::Unknown);
            assert!(*timeout);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.outcome_unknown());
    assert!(err.to_string().contains("outcome unknown"), "{err}");
    assert_eq!(stub.seen_keys.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn refused_connection_is_not_sent() {
    // Bind, learn a free port, close it: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), false, 1 << 20);
    match create(&c).await.unwrap_err() {
        Error::Transport {
            outcome, attempts, ..
        } => {
            assert_eq!(outcome, Outcome::NotSent);
            // Never sent, so even an unsafe write may be tried again.
            assert_eq!(attempts, fast_policy().max_attempts);
        }
        other => panic!("{other:?}"),
    }
}

async fn decode_error(reply: Reply, limit: usize) -> (StatusCode, String) {
    let (url, _stub) = stub(vec![reply]).await;
    match create(&client(&url, false, limit)).await.unwrap_err() {
        Error::Decode { status, reason, .. } => (status, reason),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn hostile_replies_keep_their_status() {
    let (s, r) = decode_error(
        Reply::Raw(502, "text/html", "<html><body>Bad gateway</body></html>"),
        1 << 20,
    )
    .await;
    assert_eq!((s.as_u16(), r.starts_with("not JSON")), (502, true), "{r}");

    let (s, r) = decode_error(Reply::Json(200, r#"{"id":"th_1","sta"#), 1 << 20).await;
    assert_eq!((s.as_u16(), r.starts_with("not JSON")), (200, true), "{r}");

    let (s, r) = decode_error(Reply::Json(200, ""), 1 << 20).await;
    assert_eq!((s.as_u16(), r.as_str()), (200, "empty body"));

    let (s, r) = decode_error(
        Reply::Json(200, r#"{"id":7,"status":"open","amount":1}"#),
        1 << 20,
    )
    .await;
    assert_eq!(s.as_u16(), 200);
    assert!(r.contains("invalid type"), "{r}");

    let (s, r) = decode_error(Reply::Json(200, r#"{"status":"open","amount":1}"#), 1 << 20).await;
    assert_eq!(s.as_u16(), 200);
    assert!(r.contains("missing field `id`"), "{r}");

    let (s, r) = decode_error(Reply::Huge, 16 * 1024).await;
    assert_eq!(s.as_u16(), 200);
    assert!(r.contains("cap"), "{r}");
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_parse() {
    let (url, _stub) = stub(vec![Reply::Json(
        200,
        r#"{"id":"th_1","status":"on_hold","amount":1e21,"brand_new":true}"#,
    )])
    .await;
    let thing = create(&client(&url, false, 1 << 20)).await.unwrap();
    assert_eq!(thing.status, types::Status::Unknown("on_hold".into()));
    assert_eq!(thing.status.as_str(), "on_hold");
    assert_eq!(thing.amount.value().to_string(), "1000000000000000000000");
}

#[tokio::test]
async fn an_unlisted_success_status_counts_as_the_documented_one() {
    let (url, _stub) = stub(vec![Reply::Json(201, OK)]).await;
    let c = client(&url, false, 1 << 20);
    let body = types::ThingCreate {
        amount: "5.5".parse().unwrap(),
        note: None,
    };
    let reply = c.create_thing().body(body).send().await.unwrap();
    // Decoded as the documented success, with the status that came over the wire.
    assert_eq!(reply.status().as_u16(), 201);
    assert_eq!(reply.id, "th_1");

    // Still checked against the documented type; the error keeps the real status.
    let (s, r) = decode_error(Reply::Json(201, r#"{"id":7}"#), 1 << 20).await;
    assert_eq!(s.as_u16(), 201);
    assert!(r.contains("invalid type"), "{r}");
}

#[tokio::test]
async fn a_redirect_is_reported_not_followed() {
    let (url, _stub) = stub(vec![Reply::Raw(302, "text/plain", "moved")]).await;
    match create(&client(&url, false, 1 << 20)).await.unwrap_err() {
        Error::Redirect { status, location } => {
            assert_eq!(status.as_u16(), 302);
            assert_eq!(location, None);
        }
        other => panic!("{other:?}"),
    }
}
