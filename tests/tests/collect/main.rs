//! Collect (FYATU v3) end to end: the client against the sandbox over loopback.
//!
//! Token expiry and refresh, single flight under 1,000 concurrent calls (token requests
//! counted on the server), re-authentication after a rejected token, exactly-once creates under
//! injected faults, the 409 resolution, validation, paging, refunds, expiry and webhooks.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use collect_client::callback::{CallbackRedirect, CallbackStatus};
use collect_client::types::{CollectionStatus, ErrorCode, RefundReason, RefundStatus};
use collect_client::webhook::{EventObject, Verifier as WebhookVerifier};
use collect_client::{
    CollectClient, CollectionFilter, CreatedCollection, Error, ErrorExt, NewCollection, NewRefund,
    RefundFilter, ResponseExt,
};
use futures::TryStreamExt;
use paygate_runtime::{ManualClock, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;

mod idempotency;
mod operations;
mod paging_and_expiry;
mod refunds;
mod tokens;
mod validation;
mod webhooks;

const COLLECTIONS: &str = "/collect/api/v3/collections";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Fast retries, so fault tests don't wait on production backoffs.
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn client_for(sandbox: &Sandbox, clock: Option<&ManualClock>) -> CollectClient {
    let creds = sandbox.creds();
    let mut builder = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(policy());
    if let Some(clock) = clock {
        builder = builder.clock(Arc::new(clock.clone()));
    }
    builder.build().unwrap()
}

async fn start() -> (Sandbox, CollectClient) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client_for(&sandbox, None);
    (sandbox, client)
}

fn order(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

fn tokens(sandbox: &Sandbox) -> (u64, u64) {
    (
        sandbox.collect().token_requests(),
        sandbox.collect().refresh_requests(),
    )
}

/// Moves the client's clock and the sandbox's together.
fn advance(sandbox: &Sandbox, clock: &ManualClock, by: Duration) {
    sandbox.advance_clock(by);
    clock.advance(chrono::TimeDelta::from_std(by).unwrap());
}
