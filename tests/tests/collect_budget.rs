//! Collect's exactly-once create runs inside the runtime's one retry loop (issue 14, items 7
//! and 8): one logical call has one attempt budget, and amounts finer than a cent are refused
//! before anything is sent.

use collect_client::{CollectClient, NewCollection, NewRefund};
use paygate_runtime::{Error, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Sandbox};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use std::str::FromStr;
use std::time::Duration;

const COLLECTIONS: &str = "/collect/api/v3/collections";

fn client(sandbox: &Sandbox, attempts: u32) -> CollectClient {
    let creds = sandbox.creds();
    CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(
        RetryPolicy::default()
            .max_attempts(attempts)
            .base_delay(Duration::from_millis(5))
            .max_delay(Duration::from_millis(50)),
    )
    .build()
    .unwrap()
}

#[tokio::test]
async fn endless_429_spends_one_attempt_budget_per_create() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, 4);
    client.authenticate().await.unwrap();
    let id = sandbox.faults().add(
        Fault::new(
            COLLECTIONS,
            FaultKind::RateLimit {
                retry_after_secs: 0,
            },
        )
        .method(http::Method::POST),
    );
    let order = format!("BUDGET-{}", uuid::Uuid::new_v4().simple());
    let err = client
        .create_collection(&NewCollection::new(Decimal::from(5), &order, "budget"))
        .await
        .unwrap_err();
    let fired = sandbox
        .faults()
        .list()
        .into_iter()
        .find(|f| f.id == id)
        .map(|f| f.fired)
        .unwrap();
    sandbox.faults().remove(id);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429), "{err}");
    // The policy allows 4 attempts; a second loop around the runtime's made it 16.
    assert_eq!(fired, 4, "POSTs for one logical create");
}

#[tokio::test]
async fn usd_finer_than_a_cent_is_refused_before_sending() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client(&sandbox, 2);
    let order = format!("CENT-{}", uuid::Uuid::new_v4().simple());
    let err = client
        .create_collection(&NewCollection::new(
            Decimal::from_str("25.125").unwrap(),
            &order,
            "three decimals",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("amount") && m.contains("cent")),
        "{err:?}"
    );
    assert_eq!(sandbox.collect().collections_with_order_id(&order), 0);
    // Trailing zeros are not extra precision.
    NewCollection::new(Decimal::from_str("25.100").unwrap(), "o", "d")
        .validate()
        .unwrap();

    let err = client
        .refund(
            "SCI000000000000",
            &NewRefund::partial(Decimal::from_str("0.001").unwrap()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("cent")),
        "{err:?}"
    );
}
