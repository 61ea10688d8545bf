//! Client behaviour against a scripted loopback server: auth, idempotency keys across
//! retries, typed errors, hostile bodies, success-status tolerance, paging, secrecy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use serde_json::{Value, json};
use xpay_client::platform::{ApiErrorExt, Client, ConfigError, Error, Mode, RetryPolicy, types};

mod configuration;
mod replies;
mod requests;
mod streams;

const KEY: &str = "sk_test_unit_0123456789abcdef";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
}

type Script = Arc<dyn Fn(&Seen, usize) -> Response + Send + Sync>;

struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Stub {
    /// Serves `script(request, index of the request)` on a free loopback port.
    async fn start(script: impl Fn(&Seen, usize) -> Response + Send + Sync + 'static) -> Stub {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Script = Arc::new(script);
        let record = seen.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let record = record.clone();
                let script = script.clone();
                async move {
                    let query = uri
                        .query()
                        .map(|q| {
                            q.split('&')
                                .filter_map(|kv| kv.split_once('='))
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect()
                        })
                        .unwrap_or_default();
                    let req = Seen {
                        method,
                        path: uri.path().to_string(),
                        query,
                        headers,
                        body,
                    };
                    let index = {
                        let mut all = record.lock().expect("lock");
                        all.push(req.clone());
                        all.len() - 1
                    };
                    script(&req, index)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Stub {
            url: format!("http://{addr}/xpay"),
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn client(&self) -> Client {
        Client::builder(KEY)
            .base_url(&self.url)
            .retry(fast_retries())
            .build()
            .expect("valid config")
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn json_reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    (status, axum::Json(body)).into_response()
}

fn raw_reply(status: u16, content_type: &str, body: &'static str) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    (status, [("content-type", content_type)], body).into_response()
}

fn session_json(id: &str) -> Value {
    json!({"id": id, "object": "checkout.session", "status": "open", "paymentStatus": "unpaid",
           "url": format!("https://checkout.xpay.app/c/{id}"), "amountTotal": 1000, "currency": "EGP"})
}

fn create_body() -> types::CreateCheckoutSessionRequest {
    types::CreateCheckoutSessionRequest::builder()
        .after_completion(types::AfterCompletion {
            type_: types::AfterCompletionType::Redirect,
            redirect: Some(types::AfterCompletionRedirect {
                url: "https://shop.example/ok".into(),
            }),
            hosted_confirmation: None,
        })
        .line_items(vec![types::LineItemInput {
            price: Some("price_test_1".into()),
            price_data: None,
            quantity: std::num::NonZeroU64::MIN,
            adjustable_quantity: None,
        }])
        .try_into()
        .expect("complete request")
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.headers.get(name).and_then(|v| v.to_str().ok())
}
