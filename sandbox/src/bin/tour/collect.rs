//! FYATU collections: a collection, its IPN webhook, a refund.

use super::*;

pub(crate) async fn collect(t: &mut Tour) -> Result<(), BoxError> {
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
