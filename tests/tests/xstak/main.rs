//! XPay by XStak end to end: the client against the sandbox over loopback.
//!
//! Every operation; the seed request; the intent status machine (automatic and manual
//! capture, void, refunds up to the captured amount); webhooks verified with the client's
//! verifier; the provider's signature rule (a body altered after signing is refused, a body
//! only re-formatted is not); auth and validation failures in XStak's envelope; hostile
//! replies; idempotent replay; retries.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use paygate_runtime::{JsonDecimal, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use xpay_client::xstak::webhook::{EventObject, Verifier as WebhookVerifier};
use xpay_client::xstak::{Client, Credentials, EnvelopeExt, Error, OPERATIONS, types};

mod errors;
mod operations;
mod replies_and_retries;
mod settle;
mod signing;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn credentials(sandbox: &Sandbox) -> Credentials {
    let c = sandbox.creds();
    Credentials::new(
        c.xstak_api_key.expose_secret(),
        c.xstak_account_id.as_str(),
        c.xstak_api_hmac_secret.expose_secret(),
    )
}

fn client_at(sandbox: &Sandbox, base_url: &str) -> Client {
    Client::staging(credentials(sandbox))
        .base_url(base_url)
        .retry(policy())
        .build()
        .expect("valid XStak settings")
}

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = client_at(&sandbox, sandbox.base_url(Api::Xstak));
    (sandbox, client)
}

fn seed_request() -> types::CheckoutRequest {
    let path = format!(
        "{}/../xpay-client/tests/fixtures/xstak/checkout_request.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).expect("seed fixture")).expect("seed parses")
}

fn intent_request(amount: &str, capture: types::CaptureMethod) -> types::PaymentIntentRequest {
    types::PaymentIntentRequest::builder()
        .amount(JsonDecimal(dec(amount)))
        .currency("PKR")
        .payment_method_types(types::PaymentMethodType::Card)
        .customer(
            types::Customer::builder()
                .name("Ayesha")
                .email(Some("ayesha@example.pk".to_owned()))
                .phone(Some("03001234567".to_owned())),
        )
        .capture_method(capture)
        .try_into()
        .expect("complete request")
}

type Calls = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A merchant webhook endpoint: verifies with the client's verifier, answers 401 otherwise.
async fn receiver(secret: &str) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!(
        "http://{}/xpay/webhook",
        listener.local_addr().expect("addr")
    );
    let recorded = calls.clone();
    let verifier = WebhookVerifier::new(secret.to_owned()).expect("a secret");
    let app = axum::Router::new().route(
        "/xpay/webhook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let recorded = recorded.clone();
            let verifier = verifier.clone();
            async move {
                let status = match verifier.construct_event(&body, &headers) {
                    Ok(_) => StatusCode::OK,
                    Err(_) => StatusCode::UNAUTHORIZED,
                };
                recorded.lock().expect("lock").push((headers, body));
                status
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

async fn next_webhook(calls: &Calls, seen: usize) -> (HeaderMap, Bytes) {
    for _ in 0..1000 {
        if let Some(call) = calls.lock().expect("lock").get(seen).cloned() {
            return call;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("webhook #{} never arrived", seen + 1);
}

fn notification(
    secret: &str,
    (headers, body): &(HeaderMap, Bytes),
) -> types::PaymentIntentNotification {
    let verifier = WebhookVerifier::new(secret.to_owned()).expect("a secret");
    match verifier.construct_event(body, headers).map(|e| e.object) {
        Ok(EventObject::PaymentIntentNotification(n)) => *n,
        other => panic!("expected a verified PAYMENT_INTENT_NOTIFICATION, got {other:?}"),
    }
}

fn api_reason(err: &Error) -> Option<&str> {
    err.api_error().and_then(|b| b.reason())
}
