//! Fault injection: statuses, rate limits, HTML, latency, dropped connections, truncated JSON.

use super::*;

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
