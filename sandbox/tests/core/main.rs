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

mod control;
mod faults;
mod idempotency;
mod webhooks;

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
