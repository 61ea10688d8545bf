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

fn step(api: &str, what: impl std::fmt::Display) {
    println!("  {api:<8} {what}");
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
                .after_completion(types::AfterCompletion {
                    type_: types::AfterCompletionType::Redirect,
                    redirect: Some(types::AfterCompletionRedirect {
                        url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}".into(),
                    }),
                    hosted_confirmation: None,
                })
                .currency(Some("EGP".to_owned()))
                .line_items(vec![types::LineItemInput {
                    price: None,
                    price_data: Some(types::PriceDataInput {
                        currency: "EGP".into(),
                        unit_amount: xpay_client::platform::money::to_minor_units(
                            Decimal::from_str("1499.00")?,
                            "EGP",
                        )?,
                        product_data: types::ProductDataInput {
                            name: "Wireless headphones".into(),
                            description: None,
                        },
                    }),
                    quantity: 1,
                    adjustable_quantity: None,
                }]),
        )
        .send()
        .await?;
    step(
        API,
        format!(
            "created checkout session {} ({:?})",
            session.id, session.status
        ),
    );
    if real.is_some() {
        step(
            API,
            format!("pay at {}", session.url.as_deref().unwrap_or("?")),
        );
        return Ok(());
    }
    t.sandbox
        .settle(Api::XpayPlatform, &session.id, Outcome::Complete)?;
    step(API, "payment completed in the sandbox");
    step(
        API,
        format!(
            "webhook verified: {}",
            webhook(
                &mut t.rx,
                Api::XpayPlatform,
                &["checkout.session.completed"]
            )
            .await?
        ),
    );
    let paid = client.get_checkout_session().id(&session.id).send().await?;
    step(
        API,
        format!("final state: {:?} / {:?}", paid.status, paid.payment_status),
    );
    let intent = paid
        .payment_intent_id
        .clone()
        .ok_or("a paid session names its payment intent")?;
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest::builder().payment_intent_id(Some(intent)))
        .send()
        .await?;
    step(
        API,
        format!(
            "refunded: {} ({:?}, {:?} minor units)",
            refund.id, refund.status, refund.amount
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
        format!("created signed checkout link for intent {}", intent.id),
    );
    if live {
        step(
            API,
            format!(
                "pay at {}",
                intent.checkout_page_url.as_deref().unwrap_or("?")
            ),
        );
        return Ok(());
    }
    t.sandbox
        .settle(Api::Xstak, &intent.id, Outcome::Complete)?;
    step(API, "payment completed in the sandbox");
    step(
        API,
        format!(
            "webhook verified: {}",
            webhook(&mut t.rx, Api::Xstak, &["PAYMENT_INTENT_NOTIFICATION"]).await?
        ),
    );
    let done = client
        .retrieve_payment_intent()
        .pi_id(&intent.id)
        .send()
        .await
        .data()?;
    step(API, format!("final state: {:?}", done.pi_status));
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
        format!(
            "refunded 500 PKR: {} ({})",
            refund.id.as_deref().unwrap_or("?"),
            refund.status.as_deref().unwrap_or("?")
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
        format!(
            "created collection {} ({} USD, fee {}, net {})",
            created.collection_id(),
            created.amount(),
            created.fee(),
            created.net_amount()
        ),
    );
    if live {
        step(
            API,
            format!("pay at {}", created.checkout_url().unwrap_or("?")),
        );
        return Ok(());
    }
    t.sandbox
        .settle(Api::Collect, created.collection_id(), Outcome::Complete)?;
    step(API, "payment completed in the sandbox");
    step(
        API,
        format!(
            "webhook verified: {}",
            webhook(
                &mut t.rx,
                Api::Collect,
                &["collection.received", "collection.completed"]
            )
            .await?
        ),
    );
    let done = client.get_collection(created.collection_id()).await?;
    step(
        API,
        format!("final state (confirmed by GET): {}", done.status),
    );
    let refund = client
        .refund(created.collection_id(), &NewRefund::full())
        .await?;
    step(
        API,
        format!("refunded {} USD: {}", refund.amount, refund.refund_id),
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
        ClientBuilder::from_env()?.build()?
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
                1,
            )],
            success_url: Some("https://example.com/success".into()),
            cancel_url: Some("https://example.com/cancel".into()),
            callback_url: (!live).then(|| t.receiver_url(Api::Payfect)),
            payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
            payment_method_types: Vec::new(),
        })
        .send()
        .await
        .map_err(payfect_client::Error::from)?;
    step(
        API,
        format!(
            "created checkout {} for {} {}",
            checkout.id, checkout.amount_total, checkout.currency
        ),
    );
    if live {
        step(API, format!("pay at {}", checkout.url));
        return Ok(());
    }
    t.sandbox
        .settle(Api::Payfect, &checkout.id.to_string(), Outcome::Complete)?;
    step(API, "payment completed in the sandbox");
    step(
        API,
        format!(
            "callback decrypted and verified: {}",
            webhook(&mut t.rx, Api::Payfect, &["checkout"]).await?
        ),
    );
    let done = client
        .retrieve_checkout()
        .id(checkout.id.to_string())
        .send()
        .await
        .map_err(payfect_client::Error::from)?;
    step(API, format!("final state: {}", done.status));
    step(API, "no refund: Payfect documents no refund endpoint");
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
    println!(
        "sandbox on {}, webhook receiver on {}",
        tour.sandbox.addr(),
        tour.receiver
    );

    let mut failed = 0;
    for (name, result) in [
        ("XPay platform", xpay_platform(&mut tour).await),
        ("XPay by XStak", xstak(&mut tour).await),
        ("Collect (FYATU)", collect(&mut tour).await),
        ("Payfect", payfect(&mut tour).await),
    ] {
        match result {
            Ok(()) => println!("{name}: ok\n"),
            Err(e) => {
                failed += 1;
                println!("{name}: FAILED: {e}\n");
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
