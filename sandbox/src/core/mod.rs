//! What every API module shares: the clock, the credentials, webhook delivery, ids, and the
//! generic HTTP behaviour (fault injection, idempotent replay, request ids) that wraps each
//! API's router.

pub mod build;
pub mod clock;
pub mod conformance;
pub mod control;
pub mod credentials;
pub mod fake;
pub mod faults;
pub mod idempotency;
pub mod pay_page;
pub mod request_id;
pub mod server;
pub mod store;
pub mod webhooks;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

pub use clock::Clock;
pub use credentials::Credentials;
pub use faults::{Fault, FaultId, FaultKind, Faults};
pub use idempotency::Idempotency;
pub use request_id::RequestId;
pub use webhooks::{Delivery, Webhook, WebhookConfig, Webhooks};

/// The largest request body any fake reads, 1 MiB. A bigger one is refused with 413 in the
/// provider's own error envelope before anything else reads it.
pub const MAX_BODY: usize = 1 << 20;

/// The four APIs the sandbox serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// XPay platform (docs.xpay.app): Stripe-like, bearer `sk_test_…` keys.
    XpayPlatform,
    /// XPay by XStak (Pakistan): `x-api-key` + `x-account-id` + `x-signature`.
    Xstak,
    /// FYATU v3 collections: `appId` + `secretKey` → JWT.
    Collect,
    /// Payfect crypto checkout: `Authorization: Api-Key …`.
    Payfect,
}

impl Api {
    /// The four APIs, in a fixed order.
    pub const ALL: [Api; 4] = [Api::XpayPlatform, Api::Xstak, Api::Collect, Api::Payfect];

    /// The name used in control endpoints, JSON output and delivery records.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::XpayPlatform => "xpay_platform",
            Api::Xstak => "xstak",
            Api::Collect => "collect",
            Api::Payfect => "payfect",
        }
    }

    /// Where the API's router is nested. The part after the first segment mirrors the real
    /// base URL's path, so a client only swaps scheme, host and the first segment.
    pub fn prefix(self) -> &'static str {
        match self {
            Api::XpayPlatform => "/xpay",
            Api::Xstak => "/xstak",
            Api::Collect => "/collect/api/v3",
            Api::Payfect => "/payfect/api",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Api {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Api::ALL
            .into_iter()
            .find(|api| api.as_str() == s || api.as_str().replace('_', "-") == s)
            .ok_or_else(|| {
                format!("unknown api `{s}`; expected one of xpay_platform, xstak, collect, payfect")
            })
    }
}

/// How a simulated payment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The customer paid.
    Complete,
    /// The payment was attempted and failed (declined, underpaid, …).
    Fail,
    /// The customer abandoned the checkout, or it was cancelled before payment.
    Cancel,
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "complete" => Ok(Outcome::Complete),
            "fail" => Ok(Outcome::Fail),
            "cancel" => Ok(Outcome::Cancel),
            other => Err(format!(
                "unknown outcome `{other}`; expected complete, fail or cancel"
            )),
        }
    }
}

/// Why a checkout could not be settled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    /// No checkout (or collection, intent, …) has this id.
    #[error("not found: {0}")]
    NotFound(String),
    /// The resource exists but its state forbids the outcome (already paid, expired, …).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// The provider has no such transition (e.g. a cancel the API cannot express).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

/// The handle every API module gets. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct Ctx {
    inner: Arc<CtxInner>,
}

struct CtxInner {
    /// `http://127.0.0.1:PORT`, from the bound address once the server listens.
    origin: std::sync::OnceLock<String>,
    clock: Clock,
    creds: Credentials,
    webhooks: Webhooks,
    faults: Faults,
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("now", &self.now())
            .field("creds", &self.inner.creds)
            .finish_non_exhaustive()
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx::new(WebhookConfig::default())
    }
}

impl Ctx {
    /// A fresh context: real time, the fixed sandbox credentials, no deliveries, no faults.
    ///
    /// Webhooks are delivered on the Tokio runtime current at this call; without one they are
    /// recorded as undeliverable.
    pub fn new(webhooks: WebhookConfig) -> Self {
        let clock = Clock::new();
        Ctx {
            inner: Arc::new(CtxInner {
                webhooks: Webhooks::new(webhooks, clock.clone()),
                origin: std::sync::OnceLock::new(),
                clock,
                creds: Credentials::sandbox(),
                faults: Faults::new(),
            }),
        }
    }

    /// The sandbox's notion of "now": real time plus whatever the clock was advanced by.
    /// Every expiry (sessions, tokens, idempotency keys) is measured against it.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Where the sandbox listens, `http://127.0.0.1:PORT`: the origin of every URL it hands
    /// out (base URLs, hosted pay pages). Taken from the bound address, never from a request's
    /// `Host` header, which the caller controls. Before the server is bound:
    /// `http://127.0.0.1`.
    pub fn origin(&self) -> &str {
        self.inner
            .origin
            .get()
            .map_or("http://127.0.0.1", String::as_str)
    }

    /// Records the bound address (the first call wins).
    pub fn set_origin(&self, origin: impl Into<String>) {
        let _ = self.inner.origin.set(origin.into());
    }

    /// The hosted pay page of a checkout of `api`, served by the sandbox itself
    /// (`/_sandbox/pay/{api}/{id}`): a person can pay, fail or cancel it in a browser.
    pub fn pay_url(&self, api: Api, id: &str) -> String {
        format!(
            "{}/_sandbox/pay/{}/{}",
            self.origin(),
            api.as_str(),
            pay_page::encode_component(id)
        )
    }

    /// The sandbox clock every API reads.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The fixed sandbox credentials of all four APIs.
    pub fn creds(&self) -> &Credentials {
        &self.inner.creds
    }

    /// Outgoing webhooks/callbacks: send, and inspect what was delivered.
    pub fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// The fault rules shared by every API router.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// A new random id: `prefix` verbatim, then 24 characters from `[A-Za-z0-9]`.
    /// Pass the separator yourself: `new_id("cs_test_")`, `new_id("COL")`.
    pub fn new_id(&self, prefix: &str) -> String {
        new_id(prefix)
    }

    /// A new id of `len` lowercase hex digits after `prefix` (XStak ids look like MongoDB
    /// ObjectIds: 24 hex digits).
    pub fn new_hex_id(&self, prefix: &str, len: usize) -> String {
        let mut rng = rand::rng();
        let mut id = String::with_capacity(prefix.len() + len);
        id.push_str(prefix);
        for _ in 0..len {
            let digit = rng.random_range(0..16u32);
            // `digit < 16`, so `from_digit` always succeeds.
            id.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
        id
    }
}

/// Compares a presented secret with the expected one in constant time, so response timing
/// reveals nothing about how much of a guess was right. Every API's credential check uses it.
pub fn secret_eq(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(expected).into()
}

pub(crate) fn new_id(prefix: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    id.push_str(&Alphanumeric.sample_string(&mut rand::rng(), 24));
    id
}
