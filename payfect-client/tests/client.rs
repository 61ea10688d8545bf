//! The client against a scripted loopback server: what goes on the wire, and how every kind of
//! error reply comes back.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use common::fixture;
use payfect_client::error::FieldError;
use payfect_client::types::{
    CreateCheckoutRequest, CreatePaymentLinkRequest, CreatePriceRequest, CreateProductRequest,
    InvoiceItemParams, Network, PaymentMethodData, PriceData, SavedPriceInvoiceItem,
};
use payfect_client::{Client, ClientInfo, ConfigError, Error};
use paygate_runtime::RetryPolicy;
use rust_decimal::Decimal;

const KEY: &str = "AFDwuHas.CsnrZGOsYLOShBybOaysKwcusmlXXMGF";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// Status, content type and body of one scripted reply.
type Reply = (u16, &'static str, String);

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<Vec<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    fn reply(&self, status: u16, content_type: &'static str, body: impl Into<String>) {
        self.replies
            .lock()
            .unwrap()
            .push((status, content_type, body.into()));
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(script: Script) -> String {
    let handler = {
        let script = script.clone();
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let script = script.clone();
            async move {
                script.seen.lock().unwrap().push(Seen {
                    method,
                    path: uri.path().to_owned(),
                    headers,
                    body,
                });
                let next = {
                    let mut replies = script.replies.lock().unwrap();
                    (!replies.is_empty()).then(|| replies.remove(0))
                };
                let (status, content_type, body) =
                    next.unwrap_or((599, "text/plain", "script exhausted".into()));
                let response: Response = (
                    StatusCode::from_u16(status).unwrap(),
                    [("content-type", content_type)],
                    body,
                )
                    .into_response();
                response
            }
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/api")
}

fn client(base: &str) -> Client {
    Client::builder(KEY)
        .base_url(base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn request() -> CreateCheckoutRequest {
    CreateCheckoutRequest {
        client_reference_id: Some("order-1".into()),
        currency: "usdt".into(),
        invoice_items: vec![InvoiceItemParams::inline(
            PriceData::new("usdt", "Standard Plan", "20.5".parse().unwrap()),
            std::num::NonZeroU64::new(2).unwrap(),
        )],
        success_url: None,
        cancel_url: None,
        callback_url: Some("https://example.com/cb".into()),
        payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
        payment_method_types: Vec::new(),
    }
}

#[tokio::test]
async fn create_checkout_sends_the_api_key_and_payfects_wire_format() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.reply(200, "application/json", fixture("checkout_response.json"));

    // A trailing slash on the base URL must not double the slash.
    let checkout = client(&format!("{base}/"))
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap();
    assert_eq!(checkout.status().as_u16(), 200);
    assert_eq!(checkout.amount_total.to_string(), "20.00");
    assert!(
        checkout
            .url
            .ends_with("/checkouts/ed8d24aa-a860-426b-8e56-87cb9f55a081")
    );

    let seen = script.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/api/v1/checkouts/");
    assert_eq!(
        req.headers.get("authorization").unwrap(),
        &format!("Api-Key {KEY}")
    );
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "client_reference_id": "order-1",
            "currency": "usdt",
            "invoice_items": [{
                "price_data": {
                    "currency": "usdt",
                    "product_data": {"name": "Standard Plan"},
                    "unit_amount": "20.5"
                },
                "quantity": 2
            }],
            "callback_url": "https://example.com/cb",
            "payment_method_data": {
                "type": "cryptopaymentmethoddetail",
                "paymentMethodDetail": {"currency": "usdt", "network": "tron"}
            }
        })
    );
}

/// The docs list only `200 OK`; a `201 Created` (what a DRF create view answers) is the same
/// success, not an "unexpected status" that would invite a duplicate checkout.
#[tokio::test]
async fn a_201_created_is_a_success() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    script.reply(201, "application/json", fixture("checkout_response.json"));
    let checkout = client(&base)
        .create_checkout()
        .body(request())
        .send()
        .await
        .expect("201 is success");
    // The reply keeps its real status; it decodes as the documented success.
    assert_eq!(checkout.status().as_u16(), 201);
    assert_eq!(checkout.id, "ed8d24aa-a860-426b-8e56-87cb9f55a081");

    // A 201 that is not a checkout is still a decode error, with the real status.
    script.reply(201, "text/html", "<html>created?</html>");
    let err = client(&base)
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status, .. } if status.as_u16() == 201),
        "{err:?}"
    );
}

#[tokio::test]
async fn every_operation_hits_its_path() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    let c = client(&base);

    script.reply(200, "application/json", fixture("checkout_response.json"));
    let got = c
        .retrieve_checkout()
        .id("ed8d24aa-a860-426b-8e56-87cb9f55a081")
        .send()
        .await
        .unwrap();
    assert_eq!(got.id, "ed8d24aa-a860-426b-8e56-87cb9f55a081");

    script.reply(
        200,
        "application/json",
        r#"{"id":"prod_1","name":"Gold","description":null,"images":[]}"#,
    );
    let product = c
        .create_product()
        .body(CreateProductRequest {
            name: "Gold".into(),
            description: None,
            images: Vec::new(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(product.id, "prod_1");

    script.reply(
        200,
        "application/json",
        r#"{"id":"price_1","product":"prod_1","currency":"usdt","unitAmount":"100.50"}"#,
    );
    let price = c
        .create_price()
        .body(CreatePriceRequest {
            product: Some("prod_1".into()),
            product_data: None,
            currency: "usdt".into(),
            unit_amount: "100.50".parse().unwrap(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(price.unit_amount.to_string(), "100.50");

    script.reply(
        200,
        "application/json",
        r#"{"id":"pl_1","url":"https://buy.example/pl_1"}"#,
    );
    let link = c
        .create_payment_link()
        .body(CreatePaymentLinkRequest {
            name_collection: Some(true),
            email_collection: None,
            phone_number_collection: None,
            shipping_address_collection: vec!["TW".into()],
            invoice_items: vec![SavedPriceInvoiceItem {
                price: "price_1".into(),
                quantity: std::num::NonZeroU64::MIN,
            }],
        })
        .send()
        .await
        .unwrap();
    assert_eq!(link.url, "https://buy.example/pl_1");

    let seen = script.seen();
    let paths: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            (
                "GET",
                "/api/v1/checkouts/ed8d24aa-a860-426b-8e56-87cb9f55a081/"
            ),
            ("POST", "/api/products/"),
            ("POST", "/api/prices/"),
            ("POST", "/api/payment-links/"),
        ]
    );
    for s in &seen {
        assert_eq!(
            s.headers.get("authorization").unwrap(),
            &format!("Api-Key {KEY}")
        );
    }
    let price_body: serde_json::Value = serde_json::from_slice(&seen[2].body).unwrap();
    assert_eq!(price_body["unit_amount"], "100.50");
    let link_body: serde_json::Value = serde_json::from_slice(&seen[3].body).unwrap();
    assert_eq!(
        link_body["shipping_address_collection"],
        serde_json::json!(["TW"])
    );
}

#[tokio::test]
async fn error_replies_are_typed_with_status_and_messages() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    let c = client(&base);

    script.reply(400, "application/json", fixture("error_400_fields.json"));
    let err = c
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap_err();
    let Error::Api { status, body, .. } = &err else {
        panic!("expected Api, got {err:?}");
    };
    assert_eq!(status.as_u16(), 400);
    assert_eq!(body.detail(), None);
    assert_eq!(
        body.field_errors(),
        vec![
            FieldError {
                field: "currency".into(),
                message: "This field is required.".into()
            },
            FieldError {
                field: "invoice_items[0].price_data.unit_amount".into(),
                message: "A valid number is required.".into()
            },
            FieldError {
                field: String::new(),
                message: "Invalid checkout.".into()
            },
        ]
    );
    assert!(body.message().contains("currency: This field is required."));

    for (status, file, detail) in [
        (
            401,
            "error_401.json",
            "Authentication credentials were not provided.",
        ),
        (
            403,
            "error_403.json",
            "You do not have permission to perform this action.",
        ),
        (
            500,
            "error_401.json",
            "Authentication credentials were not provided.",
        ),
    ] {
        script.reply(status, "application/json", fixture(file));
        let err = c
            .create_checkout()
            .body(request())
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        let body = err
            .api_error()
            .unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!(body.detail(), Some(detail));
        assert_eq!(body.to_string(), detail);
        assert!(!err.to_string().contains(KEY));
    }

    script.reply(404, "application/json", fixture("error_404.json"));
    let err = c.retrieve_checkout().id("nope").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.api_error().and_then(|b| b.detail()), Some("Not found."));
}

#[tokio::test]
async fn a_non_json_error_body_keeps_its_status_and_says_so() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    let c = client(&base);

    script.reply(500, "text/html", fixture("error_500.html"));
    let err = c
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            reason,
            snippet,
        } => {
            assert_eq!(status.as_u16(), 500);
            assert!(reason.starts_with("not JSON"), "{reason}");
            assert!(snippet.contains("Server Error (500)"), "{snippet}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    // A success status with a body that is not a checkout is an error too, not a panic.
    script.reply(200, "application/json", r#"{"id": 1}"#);
    let err = c.retrieve_checkout().id("x").send().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));

    // 400 with an empty body.
    script.reply(400, "application/json", "");
    let err = c
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { reason, .. } if reason == "empty body"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_create_is_not_retried_but_a_read_is() {
    let script = Script::default();
    let base = serve(script.clone()).await;
    let c = Client::builder(KEY)
        .base_url(&base)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(std::time::Duration::from_millis(1)),
        )
        .build()
        .unwrap();

    // Payfect has no idempotency key: a 503 on create could mean a created checkout.
    script.reply(503, "application/json", r#"{"detail": "busy"}"#);
    let err = c
        .create_checkout()
        .body(request())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(script.seen().len(), 1);

    script.reply(503, "application/json", r#"{"detail": "busy"}"#);
    script.reply(200, "application/json", fixture("checkout_response.json"));
    c.retrieve_checkout().id("x").send().await.expect("retried");
    assert_eq!(script.seen().len(), 3);
}

#[test]
fn building_rejects_bad_configuration_without_echoing_the_key() {
    assert_eq!(
        Client::builder("").build().unwrap_err(),
        ConfigError::Empty("API key")
    );
    let err = Client::builder("abc\ndef").build().unwrap_err();
    assert_eq!(err, ConfigError::NotSendable("API key"));
    assert!(!err.to_string().contains("abc"));
    assert!(matches!(
        Client::builder(KEY)
            .base_url("not a url")
            .build()
            .unwrap_err(),
        ConfigError::BaseUrl { .. }
    ));
    assert!(matches!(
        Client::builder(KEY)
            .base_url("ftp://example.com")
            .build()
            .unwrap_err(),
        ConfigError::BaseUrl { .. }
    ));
    let c = Client::builder(KEY).build().unwrap();
    assert_eq!(c.baseurl(), payfect_client::DEFAULT_BASE_URL);
}

#[test]
fn debug_output_never_contains_the_key() {
    let builder = Client::builder(KEY);
    assert!(!format!("{builder:?}").contains(KEY));
    let c = builder.build().unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert!(!debug.contains("CsnrZGOs"), "{debug}");
}

#[test]
fn money_is_exact_decimal_strings() {
    for text in [
        "20.5",
        "20.00",
        "0.000001",
        "0",
        "1000000000000.000000001",
        "79228162514264337593543950335",
    ] {
        let d: Decimal = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{text}\""));
    }
    // Arithmetic stays exact: 0.1 + 0.2 is 0.3, and 20.5 × 3 is 61.5.
    let a: Decimal = "0.1".parse().unwrap();
    let b: Decimal = "0.2".parse().unwrap();
    assert_eq!((a + b).to_string(), "0.3");
    let unit: Decimal = "20.5".parse().unwrap();
    assert_eq!((unit * Decimal::from(3)).to_string(), "61.5");
}

proptest::proptest! {
    #[test]
    fn decimal_strings_round_trip_through_a_request(int in "[1-9][0-9]{0,14}|0", frac in proptest::option::of("[0-9]{1,12}")) {
        let text = match &frac {
            Some(f) => format!("{int}.{f}"),
            None => int.clone(),
        };
        let json = format!(r#"{{"currency":"usdt","unit_amount":"{text}","product":"p"}}"#);
        let req: CreatePriceRequest = serde_json::from_str(&json).unwrap();
        let back = serde_json::to_value(&req).unwrap();
        proptest::prop_assert_eq!(&back["unit_amount"], &serde_json::Value::String(text.clone()));
    }
}
