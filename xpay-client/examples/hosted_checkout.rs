//! A hosted checkout with the XPay platform API: product and price, checkout session,
//! retrieve, complete (or expire), webhook, refund.
//!
//! ```sh
//! cargo run -p xpay-client --example hosted_checkout
//! ```
//!
//! Without `XPAY_SECRET_KEY` it runs against the in-process sandbox, which also plays the
//! customer paying and sends the signed `checkout.session.completed` webhook to a receiver
//! started here. With `XPAY_SECRET_KEY=sk_test_…` (and optionally `XPAY_BASE_URL`) it talks to
//! XPay: it creates the product, price and session, prints the hosted page URL and expires the
//! session again; set `XPAY_PAYMENT_INTENT=pi_…` to refund a payment you made.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use xpay_client::platform::webhook::{Event, EventObject, Verifier, WebhookError};
use xpay_client::platform::{Client, SecretString, money, types};

type BoxError = Box<dyn StdError + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    match std::env::var("XPAY_SECRET_KEY") {
        Ok(key) => {
            let base = std::env::var("XPAY_BASE_URL")
                .unwrap_or_else(|_| xpay_client::platform::DEFAULT_BASE_URL.into());
            let client = Client::builder(key).base_url(base).build()?;
            against_xpay(&client).await
        }
        Err(_) => against_sandbox().await,
    }
}

async fn against_xpay(client: &Client) -> Result<(), BoxError> {
    let price = catalog(client).await?;
    let session = checkout(client, &price).await?;
    println!(
        "pay (test card) at: {}",
        session.url.as_deref().unwrap_or("?")
    );
    let expired = client
        .expire_checkout_session()
        .id(&session.id)
        .send()
        .await?;
    println!("expired {}: {:?}", expired.id, expired.status);
    if let Ok(intent) = std::env::var("XPAY_PAYMENT_INTENT") {
        refund(client, &intent).await?;
    }
    Ok(())
}

async fn against_sandbox() -> Result<(), BoxError> {
    let sandbox = paygate_sandbox::Sandbox::start().await?;
    println!(
        "no XPAY_SECRET_KEY: using the sandbox at {}",
        sandbox.base_url(paygate_sandbox::Api::XpayPlatform)
    );
    let client = Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(paygate_sandbox::Api::XpayPlatform))
        .build()?;
    let mut events = webhook_receiver(
        &sandbox,
        sandbox.creds().xpay_platform_webhook_secret.clone(),
    )
    .await?;

    let price = catalog(&client).await?;
    let session = checkout(&client, &price).await?;

    // The customer pays on the hosted page; the sandbox plays that part.
    sandbox.settle(
        paygate_sandbox::Api::XpayPlatform,
        &session.id,
        paygate_sandbox::Outcome::Complete,
    )?;
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await?
        .ok_or("the webhook receiver stopped")?;
    println!("webhook {} ({}) verified", event.id, event.type_);
    let EventObject::CheckoutSessionCompleted(paid) = event.object else {
        return Err(format!("unexpected event {}", event.type_).into());
    };
    println!(
        "session {} is {:?} / {:?}",
        paid.id, paid.status, paid.payment_status
    );
    let intent = paid
        .payment_intent_id
        .flatten()
        .ok_or("a paid session names its payment intent")?;
    refund(&client, &intent).await?;

    // A second session the customer walks away from.
    let abandoned = checkout(&client, &price).await?;
    let expired = client
        .expire_checkout_session()
        .id(&abandoned.id)
        .send()
        .await?;
    println!("expired {}: {:?}", expired.id, expired.status);
    sandbox.shutdown().await;
    Ok(())
}

/// A product with a default one-time price of 1,499.00 EGP; returns the price id.
async fn catalog(client: &Client) -> Result<String, BoxError> {
    let price: types::CreatePriceRequest = types::CreatePriceRequest::builder()
        .currency("EGP")
        .unit_amount(money::to_minor_units(
            rust_decimal::Decimal::new(1499, 0),
            "EGP",
        )?)
        .type_(types::PriceType::OneTime)
        .try_into()?;
    let product = client
        .create_product()
        .body(
            types::CreateProductRequest::builder()
                .name("Wireless headphones")
                .default_price_data(price),
        )
        .send()
        .await?;
    let price_id = product
        .default_price_id
        .clone()
        .flatten()
        .ok_or("the product has a default price")?;
    println!("product {} with price {price_id}", product.id);
    Ok(price_id)
}

async fn checkout(client: &Client, price: &str) -> Result<types::CheckoutSession, BoxError> {
    let created = client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(types::AfterCompletion {
                    type_: types::AfterCompletionType::Redirect,
                    redirect: Some(types::AfterCompletionRedirect {
                        url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}".into(),
                    }),
                    hosted_confirmation: None,
                })
                .ui_mode(types::UiMode::Hosted)
                .line_items(vec![types::LineItemInput {
                    price: Some(price.into()),
                    price_data: None,
                    quantity: std::num::NonZeroU64::MIN,
                    adjustable_quantity: None,
                }]),
        )
        .send()
        .await?;
    // Read it back as a server would before fulfilling.
    let session = client
        .get_checkout_session()
        .id(&created.id)
        .send()
        .await?
        .into_inner();
    let total = match (session.amount_total, session.currency.as_deref()) {
        (Some(amount), Some(currency)) => {
            format!("{} {currency}", money::to_decimal(amount, currency)?)
        }
        _ => "?".into(),
    };
    println!("session {} ({total}) is {:?}", session.id, session.status);
    Ok(session)
}

async fn refund(client: &Client, payment_intent: &str) -> Result<(), BoxError> {
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(payment_intent.into()),
            charge_id: None,
            amount: std::num::NonZeroU64::new(50_000),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: Some("partial refund from the example".into()),
            metadata: Default::default(),
        })
        .send()
        .await?;
    println!(
        "refund {} of {:?}: {:?}",
        refund.id, refund.amount, refund.status
    );
    Ok(())
}

/// A merchant endpoint: verifies `XPay-Signature` on the raw body, answers 401/400 on bad
/// deliveries and 200 otherwise, and hands verified events to the caller.
async fn webhook_receiver(
    sandbox: &paygate_sandbox::Sandbox,
    secret: SecretString,
) -> Result<mpsc::UnboundedReceiver<Event>, BoxError> {
    let verifier = Arc::new(Verifier::new(secret)?);
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/webhooks/xpay",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let verifier = verifier.clone();
            let tx = tx.clone();
            async move {
                match verifier.construct_event(&body, &headers) {
                    Ok(event) => {
                        tx.send(event).ok();
                        StatusCode::OK
                    }
                    Err(e @ WebhookError::InvalidPayload { .. }) => {
                        eprintln!("rejected webhook: {e}");
                        StatusCode::BAD_REQUEST
                    }
                    Err(e) => {
                        eprintln!("rejected webhook: {e}");
                        StatusCode::UNAUTHORIZED
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/xpay", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    sandbox.set_webhook_receiver(Some(paygate_sandbox::Api::XpayPlatform), url);
    Ok(rx)
}
