//! Creates a FYATU collection, prints its `checkoutUrl`, and polls its status until the payer
//! finishes (or the session expires).
//!
//! ```sh
//! # Against FYATU (live: v3 documents no sandbox host):
//! FYATU_APP_ID=… FYATU_SECRET_KEY=… cargo run -p collect-client --example create_collection
//! # Optional: FYATU_BASE_URL (default https://api.fyatu.com/api/v3), FYATU_AMOUNT (default 1),
//! #           FYATU_POLL_SECONDS (how long to wait, default 600).
//!
//! # Without credentials: an in-process sandbox plays FYATU and a simulated payer pays.
//! cargo run -p collect-client --example create_collection
//! ```

use collect_client::types::CollectionStatus;
use collect_client::{CollectClient, NewCollection};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use std::str::FromStr;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());

    // Real credentials if given; otherwise a local sandbox (kept alive until the end).
    let (client, sandbox) = match (env("FYATU_APP_ID"), env("FYATU_SECRET_KEY")) {
        (Some(app_id), Some(secret_key)) => {
            let mut builder = CollectClient::builder(app_id, secret_key);
            if let Some(url) = env("FYATU_BASE_URL") {
                builder = builder.base_url(url);
            }
            (builder.build()?, None)
        }
        _ => {
            let sandbox = paygate_sandbox::Sandbox::start().await?;
            println!(
                "FYATU_APP_ID / FYATU_SECRET_KEY not set: using the sandbox at {}",
                sandbox.base_url(paygate_sandbox::Api::Collect)
            );
            let creds = sandbox.creds();
            let client = CollectClient::builder(
                creds.collect_app_id.clone(),
                creds.collect_secret_key.expose_secret(),
            )
            .base_url(sandbox.base_url(paygate_sandbox::Api::Collect))
            .build()?;
            (client, Some(sandbox))
        }
    };

    let amount = match env("FYATU_AMOUNT") {
        Some(a) => Decimal::from_str(&a)?,
        None => Decimal::ONE,
    };
    // The order id is what makes the create safe to retry: keep it per order, not per attempt.
    let order_id = format!("example-{}", uuid::Uuid::new_v4().simple());
    let created = client
        .create_collection(&NewCollection::new(
            amount,
            &order_id,
            "collect-client example",
        ))
        .await?;
    println!(
        "collection {} for order {order_id}",
        created.collection_id()
    );
    println!(
        "amount {} USD, fee {}, you receive {}",
        created.amount(),
        created.fee(),
        created.net_amount()
    );
    match created.checkout_url() {
        Some(url) => println!("checkoutUrl: {url}"),
        None => println!("checkoutUrl: (not returned)"),
    }

    // In the sandbox nobody opens the checkout page: pay it after a moment.
    if let Some(sandbox) = &sandbox {
        let id = created.collection_id().to_string();
        let collect = sandbox.collect().clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Err(e) = collect.settle(&id, paygate_sandbox::Outcome::Complete) {
                eprintln!("sandbox payer: {e}");
            }
        });
    }

    let (every, limit) = match sandbox {
        Some(_) => (Duration::from_millis(300), Duration::from_secs(30)),
        None => (
            Duration::from_secs(5),
            Duration::from_secs(
                env("FYATU_POLL_SECONDS")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(600),
            ),
        ),
    };
    let started = Instant::now();
    loop {
        let collection = client.get_collection(created.collection_id()).await?;
        println!("status: {}", collection.status);
        if collection.status != CollectionStatus::Pending {
            if collection.is_paid(amount) {
                println!("paid: {} USD received", collection.net_amount);
            }
            break;
        }
        if started.elapsed() >= limit {
            println!("still pending after {limit:?}; stopping (sessions expire after 60 minutes)");
            break;
        }
        tokio::time::sleep(every).await;
    }
    Ok(())
}
