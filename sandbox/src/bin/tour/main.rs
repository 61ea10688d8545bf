//! The main job: a tour of every client against the bundled sandbox.
//!
//! For each of the four APIs it creates a checkout, completes the payment, receives the
//! provider's webhook on a local receiver and verifies it with the client's own verifier,
//! fetches the final state, and refunds where the API supports it.
//!
//! ```sh
//! cargo run --bin tour
//! ```
//!
//! An API whose credentials are in the environment is toured against the provider instead
//! (see the README); a person then completes the payment on the printed page, and the webhook
//! goes to the URL configured with the provider.

use std::error::Error as StdError;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use paygate_sandbox::{Api, Outcome, Sandbox};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use tokio::sync::mpsc;

mod collect;
mod payfect;
mod xpay;

use collect::collect;
use payfect::payfect;
use xpay::{xpay_platform, xstak};

type BoxError = Box<dyn StdError + Send + Sync>;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// One line per step, in columns: the API, what the step is about, a status word, details.
fn step(api: &str, subject: &str, status: impl Display, detail: impl Display) {
    // Generated enums' Display ignores width, so pad their text.
    let status = status.to_string();
    let line = format!("{api:<8} {subject:<9} {status:<10} {detail}");
    println!("{}", line.trim_end());
}

/// A status word for an optional field: the value as the API spells it, or `unknown`.
fn word<T: Display>(value: Option<T>) -> String {
    value.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
}

/// `1,499.00 EGP`: grouped thousands and at least the currency's decimal places (XPay's
/// table; two for the others: PKR by ISO 4217, and USDT for display). Never rounded: an
/// amount with more places shows them all.
fn money(amount: Decimal, currency: &str) -> String {
    let places = xpay_client::platform::money::exponent(currency).unwrap_or(2);
    let mut amount = amount.normalize();
    if amount.scale() < places {
        amount.rescale(places);
    }
    let text = amount.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() { "-" } else { "" };
    let point = if frac.is_empty() { "" } else { "." };
    format!("{sign}{grouped}{point}{frac} {}", currency.to_uppercase())
}

/// Minor units of an XPay amount, shown as money; `unknown` if either part is missing.
fn xpay_money(minor: Option<i64>, currency: Option<&str>) -> String {
    match (minor, currency) {
        (Some(minor), Some(currency)) => xpay_client::platform::money::to_decimal(minor, currency)
            .map_or_else(
                |_| format!("{minor} minor units of {currency}"),
                |d| money(d, currency),
            ),
        _ => "amount unknown".to_owned(),
    }
}

/// An XStak amount (exact rupees), shown as money.
fn xstak_money(amount: Option<paygate_runtime::JsonDecimal>, currency: Option<&str>) -> String {
    match amount {
        Some(amount) => money(amount.value(), currency.unwrap_or("PKR")),
        None => "amount unknown".to_owned(),
    }
}

/// A verified webhook, as the receiver saw it.
#[derive(Debug)]
struct Received {
    api: Api,
    summary: String,
}

/// Verifiers for the receiver, keyed with the sandbox's webhook secrets.
struct Verifiers {
    xpay: xpay_client::platform::webhook::Verifier,
    xstak: xpay_client::xstak::webhook::Verifier,
    collect: collect_client::webhook::Verifier,
    payfect: payfect_client::webhook::Verifier,
    tx: mpsc::UnboundedSender<Received>,
}

fn verify(v: &Verifiers, api: Api, headers: &HeaderMap, body: &[u8]) -> Result<String, String> {
    match api {
        Api::XpayPlatform => {
            let e = v
                .xpay
                .construct_event(body, headers)
                .map_err(|e| e.to_string())?;
            Ok(format!("{} {}", e.type_, e.id))
        }
        Api::Xstak => {
            let e = v
                .xstak
                .construct_event(body, headers)
                .map_err(|e| e.to_string())?;
            Ok(e.type_.to_string())
        }
        Api::Collect => {
            let e = v
                .collect
                .construct_event(body, headers)
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "{} for {}",
                e.type_,
                e.collection_id().unwrap_or("?")
            ))
        }
        Api::Payfect => {
            let e = v
                .payfect
                .construct_event(body, headers)
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "checkout {} {}",
                e.id.as_deref().unwrap_or("?"),
                e.type_
            ))
        }
    }
}

async fn receive(
    State((v, api)): State<(std::sync::Arc<Verifiers>, Api)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    match verify(&v, api, &headers, &body) {
        Ok(summary) => {
            let _ = v.tx.send(Received { api, summary });
            StatusCode::OK
        }
        Err(e) => {
            eprintln!("  receiver: rejected a {} webhook: {e}", api.as_str());
            StatusCode::BAD_REQUEST
        }
    }
}

/// Starts the local webhook receiver; returns its base URL.
async fn start_receiver(v: Verifiers) -> Result<String, BoxError> {
    let v = std::sync::Arc::new(v);
    let mut app = Router::new();
    for api in [Api::XpayPlatform, Api::Xstak, Api::Collect, Api::Payfect] {
        let route = Router::new()
            .route(&format!("/{}", api.as_str()), post(receive))
            .with_state((v.clone(), api));
        app = app.merge(route);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

/// The next verified webhook of `api` whose summary starts with one of `events` (earlier
/// events, such as Collect's `collection.initiated`, are passed over).
async fn webhook(
    rx: &mut mpsc::UnboundedReceiver<Received>,
    api: Api,
    events: &[&str],
) -> Result<String, BoxError> {
    loop {
        let got = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .map_err(|_| format!("no {} webhook within 10 s", api.as_str()))?
            .ok_or("the receiver stopped")?;
        if got.api == api && events.iter().any(|e| got.summary.starts_with(e)) {
            return Ok(got.summary);
        }
    }
}

struct Tour {
    sandbox: Sandbox,
    receiver: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

impl Tour {
    fn receiver_url(&self, api: Api) -> String {
        format!("{}/{}", self.receiver, api.as_str())
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let sandbox = Sandbox::start().await?;
    let c = sandbox.creds();
    let (tx, rx) = mpsc::unbounded_channel();
    let receiver = start_receiver(Verifiers {
        xpay: xpay_client::platform::webhook::Verifier::new(
            c.xpay_platform_webhook_secret.clone(),
        )?,
        xstak: xpay_client::xstak::webhook::Verifier::new(c.xstak_webhook_hmac_secret.clone())?,
        collect: collect_client::webhook::Verifier::new(c.collect_webhook_secret.clone())?,
        payfect: payfect_client::webhook::Verifier::new(c.payfect_fernet_key.clone())?,
        tx,
    })
    .await?;
    // XPay and XStak send webhooks to a URL set in their dashboards; the sandbox's stand-in
    // for that setting is a per-API receiver.
    let mut tour = Tour {
        sandbox,
        receiver,
        rx,
    };
    for api in [Api::XpayPlatform, Api::Xstak] {
        tour.sandbox
            .set_webhook_receiver(Some(api), tour.receiver_url(api));
    }
    step(
        "sandbox",
        "server",
        "listening",
        format!("http://{}", tour.sandbox.addr()),
    );
    step("sandbox", "webhooks", "listening", &tour.receiver);

    let mut failed = 0;
    for (api, result) in [
        ("xpay", xpay_platform(&mut tour).await),
        ("xstak", xstak(&mut tour).await),
        ("collect", collect(&mut tour).await),
        ("payfect", payfect(&mut tour).await),
    ] {
        match result {
            Ok(()) => step(api, "tour", "ok", ""),
            Err(e) => {
                failed += 1;
                step(api, "tour", "FAILED", e);
            }
        }
    }
    tour.sandbox.shutdown().await;
    if failed > 0 {
        return Err(format!("{failed} of 4 APIs failed the tour").into());
    }
    println!("tour complete: 4 of 4 APIs");
    Ok(())
}
