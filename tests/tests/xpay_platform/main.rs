//! XPay platform end to end: the client against the sandbox over loopback.
//!
//! Every operation of `specs/xpay.yaml`, paging streams, the documented validation and state
//! errors, auth failures, idempotent replay and retries under injected faults, and webhooks
//! verified with the client's own verifier on the bytes a receiver got.

use std::collections::BTreeSet;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use futures::TryStreamExt;
use paygate_runtime::{ManualClock, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use secrecy::ExposeSecret;
use serde_json::json;
use xpay_client::platform::webhook::{Event as WebhookEvent, EventObject, Verifier};
use xpay_client::platform::{
    ApiErrorExt, ClearableTimestamp, Client, Error, Nullable, OPERATIONS, types,
};

mod catalog;
mod checkout;
mod customers;
mod keys_and_retries;
mod sessions;

// ------------------------------------------------------------------ harness

/// Receives webhooks as a merchant endpoint would: raw body bytes and headers.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

impl Receiver {
    async fn start(sandbox: &Sandbox) -> Receiver {
        let receiver = Receiver::default();
        let got = receiver.got.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let got = got.clone();
            async move {
                got.lock().unwrap().push((headers, body));
                StatusCode::OK
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/xpay", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        sandbox.set_webhook_receiver(Some(Api::XpayPlatform), url);
        receiver
    }

    /// Waits for `n` deliveries, then verifies and parses each with the client's verifier.
    async fn events(&self, sandbox: &Sandbox, n: usize) -> Vec<WebhookEvent> {
        sandbox
            .webhooks()
            .wait_for(Duration::from_secs(10), |d| {
                d.iter()
                    .filter(|d| d.api == Api::XpayPlatform && d.succeeded())
                    .count()
                    >= n
            })
            .await
            .expect("webhooks delivered");
        // The sandbox signs on its own clock, which some tests move by a day; verify against
        // that clock with a window spanning the jump (the 300 s default is unit-tested).
        let clock = Arc::new(ManualClock::new(sandbox.now()));
        let verifier = Verifier::new(sandbox.creds().xpay_platform_webhook_secret.clone())
            .expect("a secret")
            .clock(clock)
            .tolerance(Duration::from_secs(2 * 86_400));
        let got = self.got.lock().unwrap().clone();
        assert_eq!(got.len(), n, "exactly {n} webhooks");
        got.iter()
            .map(|(headers, body)| {
                verifier
                    .construct_event(body, headers)
                    .unwrap_or_else(|e| panic!("webhook rejected: {e}"))
            })
            .collect()
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(20))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn client_for(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(policy())
        .build()
        .unwrap()
}

async fn start() -> (Sandbox, Client, Receiver) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client_for(&sandbox);
    let receiver = Receiver::start(&sandbox).await;
    (sandbox, client, receiver)
}

fn redirect() -> types::AfterCompletion {
    types::AfterCompletion {
        type_: types::AfterCompletionType::Redirect,
        redirect: Some(types::AfterCompletionRedirect {
            url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}".into(),
        }),
        hosted_confirmation: None,
    }
}

fn line(price: &str, quantity: u64) -> types::LineItemInput {
    types::LineItemInput::price(
        price,
        NonZeroU64::new(quantity).expect("a positive quantity"),
    )
}

fn inline(currency: &str, unit_amount: i64, name: &str) -> types::LineItemInput {
    types::LineItemInput {
        price: None,
        price_data: Some(types::PriceDataInput {
            currency: currency.into(),
            unit_amount,
            product_data: types::ProductDataInput {
                name: name.into(),
                description: None,
            },
        }),
        quantity: NonZeroU64::MIN,
        adjustable_quantity: None,
    }
}

fn one_time(currency: &str, amount: i64) -> types::CreatePriceRequest {
    types::CreatePriceRequest::builder()
        .currency(currency)
        .unit_amount(amount)
        .type_(types::PriceType::OneTime)
        .try_into()
        .unwrap()
}

/// A product with a default one-time price.
async fn product(
    client: &Client,
    name: &str,
    currency: &str,
    amount: i64,
) -> (types::Product, String) {
    let product = client
        .create_product()
        .body(
            types::CreateProductRequest::builder()
                .name(name)
                .description(format!("{name} (sandbox)"))
                .unit_label("seat".to_string())
                .metadata(
                    [("category".to_string(), "course".to_string())]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .default_price_data(one_time(currency, amount)),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let price = product
        .default_price_id
        .clone()
        .flatten()
        .expect("default price set");
    (product, price)
}

async fn session(client: &Client, items: Vec<types::LineItemInput>) -> types::CheckoutSession {
    client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(redirect())
                .line_items(items)
                .customer_details(types::CustomerDetailsInput {
                    name: Some("Mona Hassan".into()),
                    email: Some("mona@example.com".into()),
                    phone: Some("+201234567890".into()),
                })
                .metadata(
                    [("order_id".to_string(), "1042".to_string())]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                ),
        )
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// The typed error of a failed call.
async fn fails<T>(call: impl std::future::Future<Output = Result<T, Error>>) -> Error
where
    T: std::fmt::Debug,
{
    call.await.expect_err("the call should fail")
}

fn assert_api(err: &Error, status: u16, code: types::ErrorCode, param: Option<&str>) {
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
    assert_eq!(err.error_code(), Some(&code), "{err}");
    assert_eq!(err.param(), param, "{err}");
    assert!(
        err.request_id().is_some_and(|r| r.starts_with("req_")),
        "{err}"
    );
}

fn refund_none() -> types::CreateRefundRequest {
    types::CreateRefundRequest {
        payment_intent_id: None,
        charge_id: None,
        amount: None,
        reason: None,
        description: None,
        metadata: Default::default(),
    }
}

/// Every operation of the spec is exercised by the files of this test.
#[test]
fn every_operation_is_covered() {
    let source = [
        include_str!("main.rs"),
        include_str!("catalog.rs"),
        include_str!("checkout.rs"),
        include_str!("customers.rs"),
        include_str!("keys_and_retries.rs"),
        include_str!("sessions.rs"),
    ]
    .concat();
    let missing: Vec<&str> = OPERATIONS
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| !source.contains(&format!(".{id}()")))
        .collect();
    assert!(missing.is_empty(), "operations without a test: {missing:?}");
    assert_eq!(OPERATIONS.len(), 25);
}
