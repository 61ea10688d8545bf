//! Creates an XPay by XStak hosted checkout link and prints `checkout_page_url`.
//!
//! ```text
//! cargo run -p xpay-client --example xstak_checkout
//! ```
//!
//! With `XSTAK_SECRET_KEY`, `XSTAK_ACCOUNT_ID` and `XSTAK_API_HMAC_SECRET` set, it calls XStak
//! staging (or `XSTAK_ENV=production`, or any `XSTAK_BASE_URL`). Without them it starts the
//! in-process sandbox and uses its credentials, so it runs with nothing configured.

use std::env;
use std::str::FromStr;

use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| env::var(name).ok().filter(|v| !v.is_empty());

    // Kept alive until the end of `main` when used.
    let mut _sandbox = None;
    let client = match (
        var("XSTAK_SECRET_KEY"),
        var("XSTAK_ACCOUNT_ID"),
        var("XSTAK_API_HMAC_SECRET"),
    ) {
        (Some(key), Some(account), Some(hmac)) => {
            let credentials = Credentials::new(key, account, hmac);
            let builder = match var("XSTAK_ENV").as_deref() {
                Some("production") => Client::production(credentials),
                _ => Client::staging(credentials),
            };
            match var("XSTAK_BASE_URL") {
                Some(url) => builder.base_url(url),
                None => builder,
            }
            .build()
            .expect("valid XStak settings")
        }
        _ => {
            eprintln!("XSTAK_* credentials not set: using the in-process sandbox");
            let sandbox = paygate_sandbox::Sandbox::start().await?;
            let c = sandbox.creds();
            let credentials = Credentials::new(
                c.xstak_api_key.expose_secret(),
                c.xstak_account_id.as_str(),
                c.xstak_api_hmac_secret.expose_secret(),
            );
            let client = Client::staging(credentials)
                .base_url(sandbox.base_url(paygate_sandbox::Api::Xstak))
                .build()
                .expect("valid XStak settings");
            _sandbox = Some(sandbox);
            client
        }
    };

    let order_reference = format!("order-{}", uuid::Uuid::new_v4().simple());
    let mut metadata = serde_json::Map::new();
    metadata.insert("order_reference".into(), order_reference.clone().into());

    let request = types::CheckoutRequest::builder()
        .amount(Decimal::from_str("1500.50")?)
        .currency("PKR")
        .customer(
            types::Customer::builder()
                .name("Ayesha Khan")
                .email(Some("ayesha@example.pk".to_owned()))
                .phone(Some("03001234567".to_owned())),
        )
        .shipping(Some(types::Shipping {
            address1: Some("House 7, Street 3, Gulberg".into()),
            city: Some("Lahore".into()),
            country: Some("Pakistan".into()),
            province: Some("Punjab".into()),
            shipping_method: Some("Standard".into()),
            zip: Some("54000".into()),
        }))
        .metadata(Some(types::Metadata(metadata)))
        .success_url("https://shop.example.pk/checkout/success")
        .failure_url("https://shop.example.pk/checkout/failure")
        .payment_methods(vec![
            types::PaymentMethod::Card,
            types::PaymentMethod::Jazzcash,
            types::PaymentMethod::Easypaisa,
        ]);

    // The idempotency key ties a retry of this call to the same order.
    let intent = client
        .create_checkout_link()
        .x_idempotency_key(order_reference)
        .body(request)
        .send()
        .await
        .data()?;

    println!("payment intent: {}", intent.id);
    match intent.checkout_page_url {
        Some(url) => println!("checkout_page_url: {url}"),
        None => println!("checkout_page_url: (not in the reply)"),
    }
    Ok(())
}
