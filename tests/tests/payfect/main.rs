//! Payfect end to end: the client against the sandbox over loopback.
//!
//! Every operation, the seed request, exact decimals, typed timestamps, the 24 h expiry, the
//! DRF-style error replies (400/401/403/404/5xx, HTML, truncated), the success callback
//! verified with the client's Fernet verifier (and decrypted by Python's `cryptography` when
//! available), and the exactly-once story without an idempotency key.

use std::num::NonZeroU64;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use chrono::TimeDelta;
use payfect_client::timestamp::TimestampFormat;
use payfect_client::types::{
    CheckoutStatus, CreateCheckoutRequest, CreatePaymentLinkRequest, CreatePriceRequest,
    CreateProductRequest, InvoiceItemParams, Network, PaymentMethodData, PriceData,
    SavedPriceInvoiceItem,
};
use payfect_client::webhook::{EventObject, Verifier as CallbackVerifier, WebhookError};
use payfect_client::{Client, Error, Nullable, OPERATIONS};
use paygate_runtime::RetryPolicy;
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;

mod callbacks;
mod errors;
mod lifecycle;
mod operations;

const CHECKOUTS: &str = "/payfect/api/v1/checkouts/";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn client_for(sandbox: &Sandbox, key: &str) -> Client {
    Client::builder(key.to_owned())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(policy())
        .build()
        .unwrap()
}

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client_for(&sandbox, sandbox.creds().payfect_api_key.expose_secret());
    (sandbox, client)
}

fn reference(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

fn usdt_checkout(reference: &str, unit: &str, quantity: u64) -> CreateCheckoutRequest {
    let quantity = NonZeroU64::new(quantity).expect("a positive quantity");
    CreateCheckoutRequest {
        client_reference_id: Some(reference.to_owned()),
        currency: "usdt".into(),
        invoice_items: vec![InvoiceItemParams::inline(
            PriceData::new("usdt", "Standard Plan", dec(unit)),
            quantity,
        )],
        success_url: Some("https://shop.example/success".into()),
        cancel_url: Some("https://shop.example/cancel".into()),
        callback_url: None,
        payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
        payment_method_types: Vec::new(),
    }
}

type Calls = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A loopback callback receiver that records what it is sent and answers 200.
async fn receiver() -> (String, Calls, tokio::task::JoinHandle<()>) {
    let calls: Calls = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/payfect/callback", listener.local_addr().unwrap());
    let recorded = calls.clone();
    let app = axum::Router::new().route(
        "/payfect/callback",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, calls, task)
}

async fn wait_for_callback(calls: &Calls) -> (HeaderMap, Bytes) {
    for _ in 0..1000 {
        if let Some(first) = calls.lock().unwrap().first().cloned() {
            return first;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no callback arrived");
}
