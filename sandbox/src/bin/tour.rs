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

async fn xpay_platform(t: &mut Tour) -> Result<(), BoxError> {
    use xpay_client::platform::{Client, types};
    const API: &str = "xpay";
    let real = env("XPAY_SECRET_KEY");
    let client = match &real {
        Some(key) => Client::builder(key.as_str())
            .base_url(
                env("XPAY_BASE_URL")
                    .unwrap_or_else(|| xpay_client::platform::DEFAULT_BASE_URL.into()),
            )
            .build()?,
        None => Client::builder(t.sandbox.creds().xpay_platform_secret_key.clone())
            .base_url(t.sandbox.base_url(Api::XpayPlatform))
            .build()?,
    };
    let session = client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(types::AfterCompletion::redirect(
                    "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
                ))
                .currency("EGP")
                .line_items(vec![types::LineItemInput::inline(
                    "Wireless headphones",
                    xpay_client::platform::money::to_minor_units(
                        Decimal::from_str("1499.00")?,
                        "EGP",
                    )?,
                    "EGP",
                    std::num::NonZeroU64::MIN,
                )]),
        )
        .send()
        .await?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}",
            session.id,
            word(session.status.as_ref()),
            xpay_money(session.amount_total, session.currency.as_deref())
        ),
    );
    if real.is_some() {
        step(API, "checkout", "pay at", word(session.url.as_deref()));
        return Ok(());
    }
    t.sandbox
        .settle(Api::XpayPlatform, &session.id, Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(
        &mut t.rx,
        Api::XpayPlatform,
        &["checkout.session.completed"],
    )
    .await?;
    step(API, "webhook", "verified", event);
    let paid = client.get_checkout_session().id(&session.id).send().await?;
    step(
        API,
        "checkout",
        word(paid.status.as_ref()),
        format!(
            "{}  {}",
            word(paid.payment_status.as_ref()),
            xpay_money(paid.amount_total, paid.currency.as_deref())
        ),
    );
    let intent = paid
        .payment_intent_id
        .clone()
        .flatten()
        .ok_or("a paid session names its payment intent")?;
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest::builder().payment_intent_id(Some(intent)))
        .send()
        .await?;
    step(
        API,
        "refund",
        word(refund.status.as_ref()),
        format!(
            "{}  {}",
            refund.id,
            xpay_money(refund.amount, refund.currency.as_deref())
        ),
    );
    Ok(())
}

async fn xstak(t: &mut Tour) -> Result<(), BoxError> {
    use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};
    const API: &str = "xstak";
    let real = match (
        env("XSTAK_SECRET_KEY"),
        env("XSTAK_ACCOUNT_ID"),
        env("XSTAK_API_HMAC_SECRET"),
    ) {
        (Some(k), Some(a), Some(h)) => Some(Credentials::new(k, a, h)),
        _ => None,
    };
    let live = real.is_some();
    let client = match real {
        Some(credentials) => {
            let b = Client::staging(credentials);
            match env("XSTAK_BASE_URL") {
                Some(url) => b.base_url(url),
                None => b,
            }
            .build()
            .expect("valid XStak settings")
        }
        None => {
            let c = t.sandbox.creds();
            Client::staging(Credentials::new(
                c.xstak_api_key.expose_secret(),
                c.xstak_account_id.as_str(),
                c.xstak_api_hmac_secret.expose_secret(),
            ))
            .base_url(t.sandbox.base_url(Api::Xstak))
            .build()
            .expect("valid XStak settings")
        }
    };
    let order = format!("tour-{}", uuid::Uuid::new_v4().simple());
    let mut metadata = serde_json::Map::new();
    metadata.insert("order_reference".into(), order.clone().into());
    let intent = client
        .create_checkout_link()
        .x_idempotency_key(order)
        .body(
            types::CheckoutRequest::builder()
                .amount(Decimal::from_str("1500.50")?)
                .currency("PKR")
                .customer(
                    types::Customer::builder()
                        .name("Ayesha Khan")
                        .email(Some("ayesha@example.pk".to_owned()))
                        .phone(Some("03001234567".to_owned())),
                )
                .metadata(Some(types::Metadata(metadata)))
                .success_url("https://shop.example.pk/checkout/success")
                .failure_url("https://shop.example.pk/checkout/failure")
                .payment_methods(vec![types::PaymentMethod::Card]),
        )
        .send()
        .await
        .data()?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}  signed",
            intent.id,
            word(intent.pi_status.as_ref()),
            xstak_money(intent.amount, intent.currency.as_deref())
        ),
    );
    if live {
        step(
            API,
            "checkout",
            "pay at",
            word(intent.checkout_page_url.as_deref()),
        );
        return Ok(());
    }
    t.sandbox
        .settle(Api::Xstak, &intent.id, Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(&mut t.rx, Api::Xstak, &["PAYMENT_INTENT_NOTIFICATION"]).await?;
    step(API, "webhook", "verified", event);
    let done = client
        .retrieve_payment_intent()
        .pi_id(&intent.id)
        .send()
        .await
        .data()?;
    step(
        API,
        "payment",
        word(done.pi_status.as_ref()),
        format!(
            "{}  {}",
            done.id,
            xstak_money(done.amount, done.currency.as_deref())
        ),
    );
    let refund = client
        .create_refund()
        .body(types::RefundRequest {
            payment_intent_id: intent.id.clone(),
            refunded_amount: Decimal::from_str("500")?.into(),
            reason: Some("tour".into()),
        })
        .send()
        .await
        .data()?;
    step(
        API,
        "refund",
        word(refund.status.as_deref()),
        format!(
            "{}  {}",
            word(refund.id.as_deref()),
            xstak_money(refund.refunded_amount, Some("PKR"))
        ),
    );
    Ok(())
}

async fn collect(t: &mut Tour) -> Result<(), BoxError> {
    use collect_client::{CollectClient, NewCollection, NewRefund};
    const API: &str = "collect";
    let live = env("FYATU_APP_ID").is_some() && env("FYATU_SECRET_KEY").is_some();
    let client = if live {
        let mut b = CollectClient::builder(
            env("FYATU_APP_ID").unwrap_or_default(),
            env("FYATU_SECRET_KEY").unwrap_or_default(),
        );
        if let Some(url) = env("FYATU_BASE_URL") {
            b = b.base_url(url);
        }
        b.build()?
    } else {
        let c = t.sandbox.creds();
        CollectClient::builder(
            c.collect_app_id.clone(),
            c.collect_secret_key.expose_secret(),
        )
        .base_url(t.sandbox.base_url(Api::Collect))
        .build()?
    };
    let order = format!("tour-{}", uuid::Uuid::new_v4().simple());
    let mut new = NewCollection::new(Decimal::from_str("25")?, &order, "Tour order");
    if !live {
        new = new.webhook_url(t.receiver_url(Api::Collect));
    }
    let created = client.create_collection(&new).await?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}  fee {}  net {}",
            created.collection_id(),
            created.status(),
            money(created.amount(), "USD"),
            money(created.fee(), "USD"),
            money(created.net_amount(), "USD")
        ),
    );
    if live {
        step(API, "checkout", "pay at", word(created.checkout_url()));
        return Ok(());
    }
    t.sandbox
        .settle(Api::Collect, created.collection_id(), Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(
        &mut t.rx,
        Api::Collect,
        &["collection.received", "collection.completed"],
    )
    .await?;
    step(API, "webhook", "verified", event);
    let done = client.get_collection(created.collection_id()).await?;
    step(
        API,
        "payment",
        &done.status,
        format!(
            "{}  {}",
            done.collection_id,
            money(done.amount.value(), "USD")
        ),
    );
    let refund = client
        .refund(created.collection_id(), &NewRefund::full())
        .await?;
    step(
        API,
        "refund",
        word(refund.status.as_ref()),
        format!(
            "{}  {}",
            refund.refund_id,
            money(refund.amount.value(), "USD")
        ),
    );
    Ok(())
}

async fn payfect(t: &mut Tour) -> Result<(), BoxError> {
    use payfect_client::auth::ClientBuilder;
    use payfect_client::types::{
        CreateCheckoutRequest, InvoiceItemParams, Network, PaymentMethodData, PriceData,
    };
    const API: &str = "payfect";
    let live = env("PAYFECT_API_KEY").is_some();
    let client = if live {
        payfect_client::Client::from_env()?
    } else {
        ClientBuilder::new(t.sandbox.creds().payfect_api_key.expose_secret())
            .base_url(t.sandbox.base_url(Api::Payfect))
            .build()?
    };
    let checkout = client
        .create_checkout()
        .body(CreateCheckoutRequest {
            client_reference_id: Some(format!("tour-{}", uuid::Uuid::new_v4().simple())),
            currency: "usdt".into(),
            invoice_items: vec![InvoiceItemParams::inline(
                PriceData::new("usdt", "Standard Plan", Decimal::from_str("20.5")?),
                std::num::NonZeroU64::MIN,
            )],
            success_url: Some("https://example.com/success".into()),
            cancel_url: Some("https://example.com/cancel".into()),
            callback_url: (!live).then(|| t.receiver_url(Api::Payfect)),
            payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
            payment_method_types: Vec::new(),
        })
        .send()
        .await?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}",
            checkout.id,
            checkout.status,
            money(checkout.amount_total, &checkout.currency)
        ),
    );
    if live {
        step(API, "checkout", "pay at", &checkout.url);
        return Ok(());
    }
    t.sandbox
        .settle(Api::Payfect, &checkout.id.to_string(), Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(&mut t.rx, Api::Payfect, &["checkout"]).await?;
    step(API, "callback", "verified", format!("decrypted  {event}"));
    let done = client
        .retrieve_checkout()
        .id(checkout.id.to_string())
        .send()
        .await?;
    step(
        API,
        "payment",
        &done.status,
        format!("{}  {}", done.id, money(done.amount_total, &done.currency)),
    );
    step(
        API,
        "refund",
        "skipped",
        "Payfect documents no refund endpoint",
    );
    Ok(())
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
