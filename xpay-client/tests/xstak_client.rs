//! The XStak client against a scripted loopback server: headers, signing, envelope unwrapping,
//! error mapping, refusals before sending, idempotency keys and retries.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use paygate_runtime::{JsonDecimal, RetryPolicy};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use xpay_client::xstak::{Client, Credentials, EnvelopeExt, Error, signing, types};

const API_KEY: &str = "sk_test_key";
const ACCOUNT_ID: &str = "acct_42";
const HMAC_SECRET: &str = "api_hmac_secret";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

/// A scripted reply: status, content type, body.
type Reply = (StatusCode, &'static str, String);

/// Replies in order from `script` (the last one repeats) and records every request.
#[derive(Clone, Default)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

impl Server {
    async fn start(script: Vec<Reply>) -> (Server, String) {
        let server = Server {
            seen: Arc::default(),
            script: Arc::new(Mutex::new(script.into())),
        };
        let state = server.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { state.reply(method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, url)
    }

    fn reply(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        self.seen.lock().expect("lock").push(Seen {
            method,
            uri,
            headers,
            body,
        });
        let mut script = self.script.lock().expect("lock");
        let (status, content_type, body) = if script.len() > 1 {
            script.pop_front().expect("non-empty")
        } else {
            script.front().cloned().expect("a scripted reply")
        };
        (status, [("content-type", content_type)], body).into_response()
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn ok_intent() -> String {
    json!({
        "success": true,
        "responseStatus": "OK",
        "message": "Request processed successfully.",
        "data": {
            "_id": "xpay_pi_1",
            "pi_client_secret": "xpay_pi_1_cs_2",
            "amount": 1234567.891,
            "currency": "PKR",
            "pi_status": "requires_payment_method",
            "token": null,
            "encryptionKey": null,
            "checkout_page_url": "https://xpay-checkout-stage.xstak.com/?id=1"
        }
    })
    .to_string()
}

fn json_reply(status: StatusCode, body: String) -> Reply {
    (status, "application/json", body)
}

fn client(url: &str) -> Client {
    Client::staging(Credentials::new(API_KEY, ACCOUNT_ID, HMAC_SECRET))
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("valid XStak settings")
}

fn checkout(amount: &str, metadata: Value) -> types::CheckoutRequest {
    let Value::Object(metadata) = metadata else {
        panic!("metadata must be an object");
    };
    types::CheckoutRequest {
        amount: JsonDecimal(Decimal::from_str(amount).expect("decimal")),
        currency: "PKR".into(),
        customer: types::Customer {
            email: Some("ali@example.pk".into()),
            name: "علی".into(),
            phone: Some("03001234567".into()),
            previous_customer: None,
            vip_customer: None,
        },
        failure_url: "https://shop.example.pk/fail".into(),
        metadata: Some(types::Metadata(metadata)),
        payment_methods: vec![types::PaymentMethod::Card],
        shipping: None,
        success_url: "https://shop.example.pk/ok?x=1/2".into(),
    }
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_write_is_authenticated_signed_over_the_bytes_sent_and_unwrapped() {
    let (server, url) = Server::start(vec![json_reply(StatusCode::OK, ok_intent())]).await;
    let request = checkout("1234567.891", json!({"order_reference": "ord/1"}));
    let intent = client(&url)
        .create_checkout_link()
        .body(request.clone())
        .send()
        .await
        .data()
        .expect("success");
    assert_eq!(intent.id, "xpay_pi_1");
    assert_eq!(
        intent.amount,
        Some(JsonDecimal(
            Decimal::from_str("1234567.891").expect("decimal")
        ))
    );

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!(s.method, Method::POST);
    assert_eq!(s.uri.path(), "/public/v1/payment/checkout");
    assert_eq!(header(s, "x-api-key"), Some(API_KEY));
    assert_eq!(header(s, "x-account-id"), Some(ACCOUNT_ID));
    assert_eq!(header(s, "content-type"), Some("application/json"));
    // The seed is already JS-canonical, so the bytes on the wire are serde's; the signature
    // covers them.
    assert_eq!(
        s.body.as_ref(),
        serde_json::to_vec(&request).expect("serializes").as_slice()
    );
    assert_eq!(
        header(s, "x-signature"),
        Some(signing::sign(&HMAC_SECRET.into(), &s.body).as_str())
    );
    signing::check_body(&s.body).expect("JS-canonical");
    let key = header(s, "x-idempotency-key").expect("idempotency key on writes");
    assert!(uuid::Uuid::parse_str(key).is_ok(), "{key}");
}

#[tokio::test]
async fn a_get_carries_no_signature_no_body_and_no_idempotency_key() {
    let (server, url) = Server::start(vec![json_reply(StatusCode::OK, ok_intent())]).await;
    let intent = client(&url)
        .retrieve_payment_intent()
        .pi_id("xpay_pi_1")
        .send()
        .await
        .data()
        .expect("success");
    assert_eq!(
        intent.pi_status,
        Some(types::PaymentIntentStatus::RequiresPaymentMethod)
    );
    let s = &server.seen()[0];
    assert_eq!(s.method, Method::GET);
    assert_eq!(s.uri.path(), "/public/v1/payment/intent/details/xpay_pi_1");
    assert_eq!(header(s, "x-api-key"), Some(API_KEY));
    assert_eq!(header(s, "x-account-id"), Some(ACCOUNT_ID));
    assert!(s.headers.get("x-signature").is_none());
    assert!(s.headers.get("x-idempotency-key").is_none());
    assert!(s.body.is_empty());
}

#[tokio::test]
async fn capture_void_and_refund_are_signed_with_their_query_and_body() {
    let refund = json!({"success": true, "data": {"_id": "xpay_rf_1", "refunded_amount": 2.5}});
    let (server, url) = Server::start(vec![
        json_reply(StatusCode::OK, ok_intent()),
        json_reply(StatusCode::OK, ok_intent()),
        json_reply(StatusCode::OK, refund.to_string()),
    ])
    .await;
    let c = client(&url);
    c.capture_payment_intent()
        .pi_client_secret("xpay_pi_1_cs_2")
        .body(types::CaptureRequest {
            amount: Some(JsonDecimal(Decimal::from_str("5.50").expect("decimal"))),
        })
        .send()
        .await
        .data()
        .expect("captured");
    c.void_payment_intent()
        .pi_client_secret("xpay_pi_1_cs_2")
        .body(types::VoidRequest {})
        .send()
        .await
        .data()
        .expect("voided");
    let refunded = c
        .create_refund()
        .x_idempotency_key("my-key-1")
        .body(types::RefundRequest {
            payment_intent_id: "xpay_pi_1".into(),
            refunded_amount: JsonDecimal(Decimal::from_str("2.5").expect("decimal")),
            reason: Some("customer request".into()),
        })
        .send()
        .await
        .data()
        .expect("refunded");
    assert_eq!(refunded.id.as_deref(), Some("xpay_rf_1"));

    let seen = server.seen();
    assert_eq!(seen[0].uri.path(), "/public/v1/payment/intent/capture");
    assert_eq!(seen[0].uri.query(), Some("pi_client_secret=xpay_pi_1_cs_2"));
    assert_eq!(seen[0].body.as_ref(), br#"{"amount":5.5}"#);
    assert_eq!(seen[1].uri.path(), "/public/v1/payment/intent/void");
    assert_eq!(seen[1].body.as_ref(), b"{}");
    assert_eq!(
        seen[2].body.as_ref(),
        br#"{"payment_intent_id":"xpay_pi_1","reason":"customer request","refunded_amount":2.5}"#
    );
    assert_eq!(header(&seen[2], "x-idempotency-key"), Some("my-key-1"));
    for s in &seen {
        assert_eq!(
            header(s, "x-signature"),
            Some(signing::sign(&HMAC_SECRET.into(), &s.body).as_str())
        );
    }
}

#[tokio::test]
async fn success_false_under_http_200_is_a_typed_error_with_status_and_message() {
    let body = json!({"success": false, "responseStatus": "BAD_REQUEST", "message": "Amount must be greater than 0."});
    let (_server, url) = Server::start(vec![json_reply(StatusCode::OK, body.to_string())]).await;
    let err = client(&url)
        .create_checkout_link()
        .body(checkout("5", json!({})))
        .send()
        .await
        .data()
        .expect_err("success:false");
    assert_eq!(err.status(), Some(StatusCode::OK));
    let api = err.api_error().expect("typed body");
    assert_eq!(api.reason(), Some("Amount must be greater than 0."));
    assert_eq!(api.response_status.as_deref(), Some("BAD_REQUEST"));
    assert!(
        err.to_string().contains("Amount must be greater than 0."),
        "{err}"
    );
}

#[tokio::test]
async fn error_statuses_keep_status_and_message_in_every_documented_shape() {
    for (status, body, reason) in [
        (
            StatusCode::UNAUTHORIZED,
            json!({"success": false, "message": "Invalid signature."}),
            "Invalid signature.",
        ),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": true, "message": "Invalid credentials."}),
            "Invalid credentials.",
        ),
        (
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": {"message": "Payment intent not found."}}),
            "Payment intent not found.",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "message": "Something went wrong."}),
            "Something went wrong.",
        ),
    ] {
        let (_server, url) = Server::start(vec![json_reply(status, body.to_string())]).await;
        let err = client(&url)
            .retrieve_payment_intent()
            .pi_id("xpay_pi_1")
            .send()
            .await
            .data()
            .expect_err("failure");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.api_error().and_then(|b| b.reason()), Some(reason));
    }
    // `{error: true}` under 200 is a failure too.
    let body = json!({"error": true, "message": "Invalid credentials."});
    let (_server, url) = Server::start(vec![json_reply(StatusCode::OK, body.to_string())]).await;
    let err = client(&url)
        .retrieve_payment_intent()
        .pi_id("x")
        .send()
        .await
        .data()
        .expect_err("failure");
    assert_eq!(
        err.api_error().and_then(|b| b.reason()),
        Some("Invalid credentials.")
    );
}

#[tokio::test]
async fn non_json_replies_are_clear_errors_not_panics() {
    for (status, content_type, body) in [
        (StatusCode::OK, "text/html", "<html>Bad gateway</html>".to_owned()),
        (StatusCode::BAD_GATEWAY, "text/html", "<html>Bad gateway</html>".to_owned()),
        (StatusCode::OK, "application/json", r#"{"success":true,"data":{"_id":"#.to_owned()),
        (StatusCode::OK, "application/json", String::new()),
        (StatusCode::OK, "application/json", r#"{"success":true,"data":{"_id":"x","amount":"five","token":null,"encryptionKey":null}}"#.to_owned()),
    ] {
        let (_server, url) = Server::start(vec![(status, content_type, body.clone())]).await;
        let err = client(&url)
            .retrieve_payment_intent()
            .pi_id("xpay_pi_1")
            .send()
            .await
            .data()
            .expect_err("undecodable");
        assert!(
            matches!(err, Error::Decode { .. }),
            "{status} {body:?}: {err:?}"
        );
        assert_eq!(err.status(), Some(status));
    }
    // `success: true` without `data`.
    let (_server, url) = Server::start(vec![json_reply(
        StatusCode::OK,
        r#"{"success":true}"#.into(),
    )])
    .await;
    let err = client(&url)
        .retrieve_payment_intent()
        .pi_id("x")
        .send()
        .await
        .data()
        .expect_err("no data");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn bodies_are_sent_and_signed_as_javascript_rewrites_them() {
    let cases = [
        (json!({"weight": 5.0}), r#"{"weight":5}"#),
        (json!({"big": 1e20}), r#"{"big":100000000000000000000}"#),
        (json!({"small": 0.000001}), r#"{"small":0.000001}"#),
        (json!({"huge": 1e21}), r#"{"huge":1e+21}"#),
        (json!({"10": "a", "9": "b"}), r#"{"9":"b","10":"a"}"#),
        // JavaScript lists integer-like keys first, whatever order they were written in.
        (json!({"b": 1, "2": 0, "1": 0}), r#"{"1":0,"2":0,"b":1}"#),
    ];
    let replies = cases
        .iter()
        .map(|_| json_reply(StatusCode::OK, ok_intent()))
        .collect();
    let (server, url) = Server::start(replies).await;
    let c = client(&url);
    for (metadata, _) in &cases {
        c.create_checkout_link()
            .body(checkout("5", metadata.clone()))
            .send()
            .await
            .data()
            .unwrap_or_else(|e| panic!("{metadata} is sent: {e}"));
    }
    let seen = server.seen();
    assert_eq!(seen.len(), cases.len());
    for (s, (metadata, js)) in seen.iter().zip(&cases) {
        let body = std::str::from_utf8(&s.body).expect("UTF-8");
        assert!(
            body.contains(&format!(r#""metadata":{js}"#)),
            "{metadata}: {body}"
        );
        // What went on the wire is what JavaScript reads back, and it is what was signed.
        signing::check_body(&s.body).expect("JS-canonical");
        assert_eq!(
            header(s, "x-signature"),
            Some(signing::sign(&HMAC_SECRET.into(), &s.body).as_str())
        );
        assert_eq!(
            header(s, "content-length"),
            Some(s.body.len().to_string().as_str())
        );
    }
}

#[tokio::test]
async fn a_number_javascript_cannot_hold_is_refused_naming_the_field() {
    let (server, url) = Server::start(vec![json_reply(StatusCode::OK, ok_intent())]).await;
    let err = client(&url)
        .create_checkout_link()
        .body(checkout(
            "5",
            json!({"note": "x", "price": 9_007_199_254_740_993u64}),
        ))
        .send()
        .await
        .data()
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("`metadata.price`"), "{err}");
    assert!(err.to_string().contains("9007199254740993"), "{err}");
    assert!(server.seen().is_empty(), "nothing may reach the server");
}

#[tokio::test]
async fn an_amount_javascript_cannot_hold_never_reaches_the_server() {
    let (server, url) = Server::start(vec![json_reply(StatusCode::OK, ok_intent())]).await;
    let err = client(&url)
        .create_checkout_link()
        .body(checkout("12345678901234567.89", json!({})))
        .send()
        .await
        .data()
        .expect_err("refused");
    assert!(err.to_string().contains("12345678901234567.89"), "{err}");
    assert!(err.to_string().contains("`amount`"), "{err}");
    assert!(!err.outcome_unknown(), "nothing was sent: {err:?}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn writes_are_not_retried_blindly_unless_the_key_is_trusted() {
    let flaky = || {
        vec![
            json_reply(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"success":false,"message":"busy"}"#.into(),
            ),
            json_reply(StatusCode::OK, ok_intent()),
        ]
    };
    let fast = RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5));

    // Default: a 503 on a write is returned, not retried (XStak's key semantics are unknown).
    let (server, url) = Server::start(flaky()).await;
    let c = Client::staging(Credentials::new(API_KEY, ACCOUNT_ID, HMAC_SECRET))
        .base_url(&url)
        .retry(fast.clone())
        .build()
        .expect("valid XStak settings");
    let err = c
        .create_checkout_link()
        .body(checkout("5", json!({})))
        .send()
        .await
        .data()
        .expect_err("not retried");
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.seen().len(), 1);

    // Opted in: retried with the same key, the same bytes and the same signature.
    let (server, url) = Server::start(flaky()).await;
    let c = Client::staging(Credentials::new(API_KEY, ACCOUNT_ID, HMAC_SECRET))
        .base_url(&url)
        .retry(fast)
        .retry_writes_with_idempotency_key(true)
        .build()
        .expect("valid XStak settings");
    c.create_checkout_link()
        .body(checkout("5", json!({})))
        .send()
        .await
        .data()
        .expect("second attempt succeeds");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body);
    for name in ["x-idempotency-key", "x-signature"] {
        assert!(header(&seen[0], name).is_some());
        assert_eq!(header(&seen[0], name), header(&seen[1], name), "{name}");
    }
}

#[tokio::test]
async fn with_retry_keeps_credentials_and_base_url() {
    let (server, url) = Server::start(vec![json_reply(StatusCode::OK, ok_intent())]).await;
    let c = client(&url).with_retry(RetryPolicy::none());
    c.retrieve_payment_intent()
        .pi_id("a")
        .send()
        .await
        .data()
        .expect("ok");
    assert_eq!(header(&server.seen()[0], "x-api-key"), Some(API_KEY));
}
