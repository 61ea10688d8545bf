//! The one call path (issues 13 and 14), through a real generated client (`probe`) against
//! loopback stubs that stage exact replies: `send()` returns the runtime's error directly, with
//! real causes; blank idempotency keys are refused; redirects are never followed; secrets are
//! redacted from malformed replies; a failed write says which idempotency key it carried; a
//! failed read is not "outcome unknown".

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Response};
use axum::routing::{get, post};
use paygate_runtime::{Error, Outcome, RetryPolicy, Transport};
use reqwest::header::HeaderName;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workspace_tests::probe::{Client, ProbeState, types};

/// A stub that answers every request with one staged reply and records what it saw.
#[derive(Default)]
struct Stub {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    hang: bool,
    seen: Mutex<Vec<HeaderMap>>,
}

async fn answer(State(stub): State<Arc<Stub>>, headers: HeaderMap) -> Response<Body> {
    stub.seen.lock().unwrap().push(headers);
    if stub.hang {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let mut r = Response::builder().status(stub.status);
    for (k, v) in &stub.headers {
        r = r.header(*k, v);
    }
    r.body(Body::from(stub.body.clone())).unwrap()
}

async fn serve(stub: Stub) -> (String, Arc<Stub>) {
    let stub = Arc::new(stub);
    let app = Router::new()
        .route("/things", post(answer))
        .route("/things/{id}", get(answer))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, stub)
}

fn json(status: u16, body: &str) -> Stub {
    Stub {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.into(),
        ..Default::default()
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_secs(1))
        .per_attempt_timeout(Duration::from_millis(300))
}

/// A probe client on the SDK's default HTTP client (redirects off), keyed writes.
fn client(url: &str) -> Client {
    let transport = Transport::new("probe")
        .retry(policy())
        .idempotency_header(HeaderName::from_static("idempotency-key"))
        .sensitive(workspace_tests::probe::SENSITIVE_KEYS);
    Client::new_with_client(
        url,
        paygate_runtime::default_http_client(Duration::from_secs(2)),
        ProbeState { transport },
    )
}

fn thing() -> types::ThingCreate {
    types::ThingCreate {
        amount: "5.5".parse().unwrap(),
        note: None,
    }
}

/// `send()` returns `paygate_runtime::Error` itself: no conversion, no status 999.
async fn create(c: &Client) -> Result<types::Thing, Error<types::Error>> {
    c.create_thing()
        .body(thing())
        .send()
        .await
        .map(|r| r.into_inner())
}

#[tokio::test]
async fn send_returns_the_runtime_error_with_the_real_cause() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = create(&client(&format!("http://127.0.0.1:{port}")))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        matches!(
            err,
            Error::Transport {
                outcome: Outcome::NotSent,
                ..
            }
        ),
        "{text}"
    );
    assert!(
        !text.contains(" 999")
            && !text.contains("status: 999")
            && !text.contains("no.url.provided"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("connect"), "{text}");

    let (url, _) = serve(Stub {
        status: 502,
        headers: vec![("content-type", "text/html".into())],
        body: "<html><body>Bad gateway</body></html>".into(),
        ..Default::default()
    })
    .await;
    let err = create(&client(&url)).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502), "{text}");
    assert!(text.contains("502") && text.contains("not JSON"), "{text}");
    assert!(!text.contains("999"), "{text}");
}

#[tokio::test]
async fn an_unlisted_2xx_decodes_as_the_documented_success() {
    let (url, _) = serve(json(201, r#"{"id":"th_1","status":"open","amount":5.5}"#)).await;
    let thing = create(&client(&url)).await.unwrap();
    assert_eq!(thing.id, "th_1");
}

#[tokio::test]
async fn a_provider_error_displays_its_message_and_keeps_status_and_headers() {
    let mut stub = json(400, r#"{"message":"amount too small"}"#);
    stub.headers.push(("request-id", "req_123".into()));
    let (url, _) = serve(stub).await;
    let err = create(&client(&url)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 400 Bad Request: amount too small (request req_123)"
    );
    assert_eq!(err.request_id(), Some("req_123"));
    assert!(
        matches!(&err, Error::Api { body, .. } if body.message.as_deref() == Some("amount too small"))
    );
}

#[tokio::test]
async fn a_blank_idempotency_key_is_refused_before_sending() {
    let (url, stub) = serve(json(200, r#"{"id":"th_1","status":"open","amount":5.5}"#)).await;
    for blank in ["", "   ", "\t"] {
        let err = client(&url)
            .create_thing()
            .idempotency_key(blank)
            .body(thing())
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m.contains("idempotency-key")),
            "{blank:?}: {err:?}"
        );
    }
    assert_eq!(stub.seen.lock().unwrap().len(), 0, "nothing may be sent");
}

#[tokio::test]
async fn redirects_are_errors_and_credentials_stay_home() {
    let (elsewhere, thief) =
        serve(json(200, r#"{"id":"th_x","status":"open","amount":5.5}"#)).await;
    for status in [301u16, 302, 303, 307, 308] {
        let mut stub = json(status, "");
        stub.headers
            .push(("location", format!("{elsewhere}/things")));
        let (url, _) = serve(stub).await;
        let err = create(&client(&url)).await.unwrap_err();
        match &err {
            Error::Redirect {
                status: s,
                location,
            } => {
                assert_eq!(s.as_u16(), status);
                assert_eq!(
                    location.as_deref(),
                    Some(format!("{elsewhere}/things").as_str())
                );
            }
            other => panic!("{status}: {other:?}"),
        }
    }
    assert_eq!(
        thief.seen.lock().unwrap().len(),
        0,
        "a redirect was followed"
    );
}

#[tokio::test]
async fn a_reply_from_a_redirect_followed_by_a_callers_client_is_not_a_success() {
    let (elsewhere, _) = serve(json(200, r#"{"id":"th_x","status":"open","amount":5.5}"#)).await;
    let mut stub = json(302, "");
    stub.headers
        .push(("location", format!("{elsewhere}/things/th_x")));
    let (url, _) = serve(stub).await;
    // A caller's client with reqwest's default policy (follows redirects).
    let c = Client::new_with_client(
        &url,
        reqwest::Client::new(),
        ProbeState {
            transport: Transport::new("probe").retry(RetryPolicy::none()),
        },
    );
    let err = create(&c).await.unwrap_err();
    assert!(err.to_string().contains("redirect"), "{err}");
}

#[tokio::test]
async fn secrets_in_malformed_replies_never_reach_errors() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlc2lnbmF0dXJl";
    let replies = [
        // Wrong type next to the secret: the decode error quotes the body.
        r#"{"id":5,"status":"open","amount":1,"token":"tok_live_SECRETVALUE"}"#.to_string(),
        // Truncated inside the secret.
        r#"{"id":"th_1","status":"open","amount":1,"token":"tok_live_SECRETVAL"#.to_string(),
        // A JWT under a key no spec marks, with a wrong-typed field.
        format!(r#"{{"id":"th_1","status":7,"amount":1,"other":"{jwt}"}}"#),
        // The secret as the wrongly typed value itself.
        r#"{"id":"th_1","status":"open","amount":1,"token":["tok_live_SECRETVALUE"]}"#.to_string(),
    ];
    for body in replies {
        let (url, _) = serve(json(200, &body)).await;
        let err = create(&client(&url)).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::Decode { .. }), "{text}");
        assert!(!text.contains("SECRETVAL"), "{text}");
        assert!(!text.contains("eyJzdWIi"), "{text}");
    }
}

#[tokio::test]
async fn an_unknown_outcome_names_the_idempotency_key_to_retry_with() {
    let (url, stub) = serve(Stub {
        hang: true,
        ..json(200, "{}")
    })
    .await;
    let err = create(&client(&url)).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    let sent = stub.seen.lock().unwrap()[0]
        .get("idempotency-key")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(err.idempotency_key(), Some(sent.as_str()));
    assert!(err.to_string().contains(&sent), "{err}");
}

#[tokio::test]
async fn a_read_that_timed_out_is_not_outcome_unknown() {
    let (url, _) = serve(Stub {
        hang: true,
        ..json(200, "{}")
    })
    .await;
    let err = client(&url)
        .get_thing()
        .id("th_1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.outcome(), Some(Outcome::ReadOnly), "{err:?}");
    assert!(!err.outcome_unknown());
    assert!(!err.to_string().contains("outcome unknown"), "{err}");
}

/// "No limit" written as the largest duration is a policy, not a panic: adding it to the
/// clock overflows, and the call must run without a deadline rather than abort.
#[tokio::test]
async fn a_policy_without_practical_limits_does_not_panic() {
    let (url, _) = serve(json(200, r#"{"id":"t_1","status":"open","amount":5.5}"#)).await;
    let transport = Transport::new("probe")
        .retry(
            RetryPolicy::default()
                .per_attempt_timeout(Duration::MAX)
                .deadline(Some(Duration::MAX)),
        )
        .sensitive(workspace_tests::probe::SENSITIVE_KEYS);
    let c = Client::new_with_client(
        &url,
        paygate_runtime::default_http_client(Duration::from_secs(2)),
        ProbeState { transport },
    );
    let thing = create(&c).await.expect("the call succeeds");
    assert_eq!(thing.id, "t_1");
}

/// An operation builder holds its body as the body's type (codegen `bodies.rs`): a body with
/// required fields that was never set is refused before sending, and `body_map` changes the
/// body that was set.
#[tokio::test]
async fn a_body_never_set_is_refused_and_body_map_changes_the_body_set() {
    let (url, stub) = serve(json(201, r#"{"id":"t_1","status":"open","amount":"7.25"}"#)).await;
    let c = client(&url);
    let err = c.create_thing().send().await.unwrap_err();
    match &err {
        Error::InvalidRequest(m) => assert!(m.contains("body"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(stub.seen.lock().unwrap().is_empty(), "nothing may be sent");

    let sent = c
        .create_thing()
        .body(thing())
        .body_map(|b| types::ThingCreate {
            note: Some("mapped".into()),
            ..b
        })
        .send()
        .await;
    assert!(sent.is_ok(), "{sent:?}");
    // The stub keeps headers only: the body's length tells the mapped body from the one set.
    let mapped = serde_json::to_string(&types::ThingCreate {
        note: Some("mapped".into()),
        ..thing()
    })
    .unwrap();
    let seen = stub.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].get("content-length").and_then(|v| v.to_str().ok()),
        Some(mapped.len().to_string().as_str()),
        "{mapped}"
    );
}
