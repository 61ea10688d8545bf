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

#[tokio::test]
async fn api_errors_are_typed() {
    let stub = Stub::start(|_, _| {
        json_reply(
            400,
            json!({"error": {"type": "invalid_request_error", "code": "parameter_missing",
                    "message": "Missing required param: afterCompletion.", "param": "afterCompletion",
                    "doc_url": "https://docs.xpay.app/integrate/errors/api-error-codes#parameter_missing"},
                   "request_id": "req_abc"}),
        )
    })
    .await;
    let raw = stub
        .client()
        .create_checkout_session()
        .body(create_body())
        .send()
        .await
        .expect_err("400");
    // The same accessors work before and after conversion into `Error`.
    assert_eq!(raw.error_code(), Some(&types::ErrorCode::ParameterMissing));
    assert_eq!(raw.request_id(), Some("req_abc"));
    let err = Error::from(raw);
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.error_type(),
        Some(&types::ErrorType::InvalidRequestError)
    );
    assert_eq!(err.error_code(), Some(&types::ErrorCode::ParameterMissing));
    assert_eq!(
        err.message().as_deref(),
        Some("Missing required param: afterCompletion.")
    );
    assert_eq!(err.param(), Some("afterCompletion"));
    assert_eq!(err.request_id(), Some("req_abc"));
    assert_eq!(stub.seen().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn request_id_falls_back_to_the_header_and_unknown_codes_stay_open() {
    let stub = Stub::start(|_, _| {
        let mut r = json_reply(
            409,
            json!({"error": {"type": "invalid_request_error", "code": "session_locked", "message": "locked"}}),
        );
        r.headers_mut().insert("request-id", "req_from_header".parse().expect("ascii"));
        r
    })
    .await;
    let err = Error::from(
        stub.client()
            .expire_checkout_session()
            .id("cs_1")
            .send()
            .await
            .expect_err("409"),
    );
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(
        err.error_code(),
        Some(&types::ErrorCode::Unknown("session_locked".into()))
    );
    assert_eq!(err.request_id(), Some("req_from_header"));
}

#[tokio::test]
async fn html_and_truncated_bodies_keep_status_and_snippet() {
    let stub = Stub::start(|s, _| match s.path.as_str() {
        "/xpay/refunds/re_html" => {
            raw_reply(502, "text/html", "<html><body>Bad Gateway</body></html>")
        }
        "/xpay/refunds/re_cut" => {
            raw_reply(200, "application/json", r#"{"id":"re_cut","amount":12"#)
        }
        _ => raw_reply(200, "application/json", ""),
    })
    .await;
    let client = stub.client().with_retry(RetryPolicy::none());

    let err = Error::from(
        client
            .get_refund()
            .id("re_html")
            .send()
            .await
            .expect_err("html"),
    );
    match &err {
        paygate_runtime::Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(snippet.contains("<html>"), "{snippet}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(err.api_body().is_none());

    let err = Error::from(
        client
            .get_refund()
            .id("re_cut")
            .send()
            .await
            .expect_err("cut"),
    );
    match &err {
        paygate_runtime::Error::Decode {
            status,
            snippet,
            reason,
        } => {
            assert_eq!(*status, StatusCode::OK);
            assert!(snippet.starts_with(r#"{"id":"re_cut""#), "{snippet}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    let err = Error::from(
        client
            .get_refund()
            .id("re_empty")
            .send()
            .await
            .expect_err("empty"),
    );
    assert!(
        matches!(err, paygate_runtime::Error::Decode { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn created_and_no_content_replies_count_as_success() {
    let stub = Stub::start(|s, _| match s.method {
        Method::POST => json_reply(
            201,
            json!({"id": "cus_test_9", "object": "customer", "email": "a@b.co"}),
        ),
        Method::DELETE => StatusCode::NO_CONTENT.into_response(),
        _ => json_reply(
            404,
            json!({"error": {"type": "invalid_request_error", "message": "nope"}}),
        ),
    })
    .await;
    let client = stub.client();
    let customer = client
        .create_customer()
        .body(types::CreateCustomerRequest {
            email: Some("a@b.co".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("201 is success");
    assert_eq!(customer.id, "cus_test_9");
    // Decoded as the documented success, with the status that came over the wire.
    assert_eq!(customer.status(), StatusCode::CREATED);
    client
        .delete_price()
        .id("price_1")
        .send()
        .await
        .expect("204 is success");
    client
        .delete_product()
        .id("prod_1")
        .send()
        .await
        .expect("204 is success");
}

fn customers_page(seen: &Seen, total: usize, served: usize) -> Response {
    let page: usize = seen
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let limit: usize = seen
        .query
        .get("limit")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let start = (page - 1) * limit;
    let data: Vec<Value> = (start..served.min(start + limit))
        .map(|i| json!({"id": format!("cus_{i}"), "type": "registered"}))
        .collect();
    json_reply(200, json!({"data": data, "totalCount": total}))
}

#[tokio::test]
async fn streams_walk_pages_until_total_count() {
    let stub = Stub::start(|s, _| customers_page(s, 5, 5)).await;
    let client = stub.client();
    let ids: Vec<String> = client
        .list_customers()
        .limit(2)
        .search("cairo")
        .stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(ids, ["cus_0", "cus_1", "cus_2", "cus_3", "cus_4"]);
    let seen = stub.seen();
    let pages: Vec<&str> = seen.iter().map(|s| s.query["page"].as_str()).collect();
    assert_eq!(pages, ["1", "2", "3"], "no request past totalCount");
    assert!(
        seen.iter()
            .all(|s| s.query["limit"] == "2" && s.query["search"] == "cairo")
    );
}

#[tokio::test]
async fn streams_stop_on_an_empty_page() {
    // Claims 10 but has 3: page 2 is empty.
    let stub = Stub::start(|s, _| customers_page(s, 10, 3)).await;
    let items: Vec<_> = stub
        .client()
        .list_customers()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .expect("stops");
    assert_eq!(items.len(), 3);
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn streams_end_with_the_error() {
    let stub = Stub::start(|s, _| {
        if s.query.get("page").map(String::as_str) == Some("2") {
            json_reply(401, json!({"error": {"type": "authentication_error", "code": "api_key_invalid", "message": "bad key"}}))
        } else {
            json_reply(200, json!({"data": [{"id": "re_1"}, {"id": "re_2"}], "totalCount": 6}))
        }
    })
    .await;
    let results: Vec<Result<types::Refund, Error>> =
        futures::StreamExt::collect(stub.client().list_refunds().limit(2).stream()).await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().expect_err("page 2 failed");
    assert_eq!(err.error_code(), Some(&types::ErrorCode::ApiKeyInvalid));
}

#[tokio::test]
async fn every_list_operation_has_a_stream() {
    let stub = Stub::start(|s, _| match s.path.as_str() {
        "/xpay/products" => json_reply(200, json!({"data": [{"id": "prod_1"}], "totalCount": 1, "page": 1, "limit": 20, "totalPages": 1})),
        _ => json_reply(200, json!({"data": [{"id": "x_1"}], "totalCount": 1})),
    })
    .await;
    let client = stub.client();
    assert_eq!(
        client
            .list_products()
            .active(true)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_payment_links()
            .amount("gt:100")
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_refunds()
            .charge_id("ch_1")
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_customers()
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    let seen = stub.seen();
    assert_eq!(
        seen[0].query.get("active").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        seen[1].query.get("amount").map(String::as_str),
        Some("gt%3A100")
    );
    assert_eq!(
        seen[2].query.get("chargeId").map(String::as_str),
        Some("ch_1")
    );
}

#[tokio::test]
async fn the_key_stays_out_of_debug_and_errors() {
    let stub = Stub::start(|_, _| {
        json_reply(401, json!({"error": {"type": "authentication_error", "code": "api_key_invalid", "message": "Invalid API key provided."}}))
    })
    .await;
    let client = stub.client();
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", Client::builder(KEY)).contains(KEY));
    let err = Error::from(
        client
            .get_customer()
            .id("cus_1")
            .send()
            .await
            .expect_err("401"),
    );
    assert!(!format!("{err:?}").contains(KEY) && !err.to_string().contains(KEY));
}

#[tokio::test]
async fn live_mode_param_follows_the_key_when_enabled() {
    let stub = Stub::start(|_, _| json_reply(200, json!({"id": "cus_1"}))).await;
    let client = Client::builder(KEY)
        .base_url(&stub.url)
        .live_mode_param(true)
        .build()
        .expect("valid");
    client.get_customer().id("cus_1").send().await.expect("ok");
    stub.client()
        .get_customer()
        .id("cus_1")
        .send()
        .await
        .expect("ok");
    let seen = stub.seen();
    assert_eq!(
        seen[0].query.get("liveMode").map(String::as_str),
        Some("false")
    );
    assert!(!seen[1].query.contains_key("liveMode"));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::builder(KEY)
        .base_url(format!("http://{addr}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid");
    let err = Error::from(
        client
            .get_refund()
            .id("re_1")
            .send()
            .await
            .expect_err("refused"),
    );
    assert!(
        matches!(
            err,
            paygate_runtime::Error::Transport {
                outcome: paygate_runtime::Outcome::NotSent,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn builder_checks_the_configuration() {
    assert!(matches!(
        Client::builder("").build(),
        Err(ConfigError::Empty("secret key"))
    ));
    assert!(matches!(
        Client::builder("sk_test_a\nb").build(),
        Err(ConfigError::NotSendable("secret key"))
    ));
    assert!(matches!(
        Client::builder("pk_test_123").build(),
        Err(ConfigError::Invalid { .. })
    ));
    assert!(matches!(
        Client::builder(KEY).base_url("not a url").build(),
        Err(ConfigError::BaseUrl { .. })
    ));
    assert!(matches!(
        Client::builder(KEY).base_url("ftp://example.com").build(),
        Err(ConfigError::BaseUrl { .. })
    ));
    let client = Client::builder("rk_live_abc")
        .base_url("https://proxy.example/xpay/")
        .build()
        .expect("ok");
    assert_eq!(client.base_url(), "https://proxy.example/xpay");
    assert_eq!(client.mode(), Some(Mode::Live));
    assert_eq!(Client::new(KEY).mode(), Some(Mode::Test));
    assert_eq!(Client::new(KEY).base_url(), "https://api.xpay.app");
    assert_eq!(Mode::of_key("sk_other"), None);
}
