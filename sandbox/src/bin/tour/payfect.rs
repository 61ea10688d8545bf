//! Payfect: a crypto checkout and its encrypted success callback.

use super::*;

pub(crate) async fn payfect(t: &mut Tour) -> Result<(), BoxError> {
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
