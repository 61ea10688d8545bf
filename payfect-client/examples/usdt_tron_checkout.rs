//! Creates a USDT-on-Tron checkout and prints the hosted payment page's `url`.
//!
//! ```sh
//! # Against Payfect (PAYFECT_BASE_URL is optional):
//! PAYFECT_API_KEY=... cargo run -p payfect-client --example usdt_tron_checkout
//! # Without credentials it starts the in-process sandbox:
//! cargo run -p payfect-client --example usdt_tron_checkout
//! ```

use payfect_client::Nullable;
use payfect_client::auth::{API_KEY_ENV, ClientBuilder};
use payfect_client::types::{
    CreateCheckoutRequest, InvoiceItemParams, Network, PaymentMethodData, PriceData,
};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the sandbox alive until the end when we use it.
    let (client, _sandbox) = if std::env::var_os(API_KEY_ENV).is_some() {
        (payfect_client::Client::from_env()?, None)
    } else {
        let sandbox = paygate_sandbox::Sandbox::start().await?;
        eprintln!(
            "{API_KEY_ENV} is not set: using the in-process sandbox at {}",
            sandbox.base_url(paygate_sandbox::Api::Payfect)
        );
        let client = ClientBuilder::new(sandbox.creds().payfect_api_key.expose_secret())
            .base_url(sandbox.base_url(paygate_sandbox::Api::Payfect))
            .build()?;
        (client, Some(sandbox))
    };

    let order_id = format!("order-{}", uuid::Uuid::new_v4().simple());
    let checkout = client
        .create_checkout()
        .body(CreateCheckoutRequest {
            client_reference_id: Some(order_id),
            currency: "usdt".into(),
            invoice_items: vec![InvoiceItemParams::inline(
                PriceData::new("usdt", "Standard Plan", Decimal::new(205, 1)),
                std::num::NonZeroU64::MIN,
            )],
            success_url: Some("https://example.com/success".into()),
            cancel_url: Some("https://example.com/cancel".into()),
            callback_url: None,
            payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
            payment_method_types: Vec::new(),
        })
        .send()
        .await?;

    eprintln!(
        "checkout {} for {} {} ({}), expires {}",
        checkout.id,
        checkout.amount_total,
        checkout.currency,
        checkout.status,
        checkout
            .expires_at
            .value()
            .map_or_else(|| "never".to_owned(), |t| t.as_datetime().to_rfc3339()),
    );
    println!("{}", checkout.url);
    Ok(())
}
