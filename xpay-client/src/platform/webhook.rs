//! Verifying XPay webhooks and reading them as typed events.
//!
//! XPay signs each delivery with the endpoint's `whsec_…` secret:
//! `XPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`. Verify the
//! **raw** body bytes (re-serialised JSON will not match), then dedupe on [`WebhookEvent::id`]:
//! delivery is at least once.
//!
//! ```
//! use xpay_client::platform::webhook::{self, EventObject, Verifier};
//!
//! let secret = "whsec_test_secret";
//! let body = br#"{"id":"evt_test_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","status":"complete"}}}"#;
//! let now = chrono::Utc::now().timestamp();
//! let header = webhook::signature_header(secret, now, body);
//!
//! let event = Verifier::new(secret).construct_event(body, &header)?;
//! if let EventObject::CheckoutSession(session) = &event.object {
//!     assert_eq!(session.id, "cs_test_1");
//! }
//! # Ok::<(), webhook::WebhookError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use paygate_runtime::signature::{hmac_sha256_hex, verify_hmac_sha256_hex};
use paygate_runtime::{Clock, ExposeSecret, SecretString, SystemClock};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::types;

/// The header carrying the signature (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "XPay-Signature";

/// XPay's documented replay window: reject when |now − t| exceeds it.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery was rejected. Answer 400 for [`WebhookError::InvalidJson`] and 401 for the
/// rest; XPay retries any non-2xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `XPay-Signature` header (or an empty one).
    #[error("missing XPay-Signature header")]
    MissingHeader,
    /// The header is not `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.
    #[error("malformed XPay-Signature header: {0}")]
    MalformedHeader(String),
    /// No `v1` matches the body under any configured secret.
    #[error("no v1 signature matches the payload")]
    BadSignature,
    /// The signature is valid but `t` is outside the tolerance (a replay, or a skewed clock).
    #[error("signature timestamp {timestamp} is more than {tolerance_secs} s from now ({now})")]
    StaleTimestamp {
        timestamp: i64,
        now: i64,
        tolerance_secs: u64,
    },
    /// The signed body is not the event JSON XPay documents.
    #[error("payload is not a valid event: {0}")]
    InvalidJson(String),
}

/// A verified event.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// `evt_test_…` / `evt_live_…`; the same on every retry, so dedupe on it.
    pub id: String,
    /// Open: types XPay adds later arrive as `EventType::Unknown`.
    pub event_type: types::EventType,
    pub api_version: Option<String>,
    pub created: Option<types::Timestamp>,
    pub livemode: Option<bool>,
    /// `data.object`, typed by the event type's resource.
    pub object: EventObject,
}

/// `data.object` of an event: the resource, shaped like its `GET`.
#[derive(Debug, Clone, PartialEq)]
pub enum EventObject {
    CheckoutSession(Box<types::CheckoutSession>),
    Customer(Box<types::Customer>),
    Product(Box<types::Product>),
    Price(Box<types::Price>),
    PaymentLink(Box<types::PaymentLink>),
    PaymentIntent(Box<types::PaymentIntent>),
    Charge(Box<types::Charge>),
    Refund(Box<types::Refund>),
    /// An event type whose resource this client does not know, kept as raw JSON.
    Unknown(Value),
}

/// `data.object` typed by the event type's family (`refund.created` → `refund`); `None` for a
/// family this client does not know.
fn typed_object(event_type: &str, object: Value) -> Option<Result<EventObject, serde_json::Error>> {
    fn de<T: DeserializeOwned>(
        object: Value,
        wrap: fn(Box<T>) -> EventObject,
    ) -> Result<EventObject, serde_json::Error> {
        serde_json::from_value::<T>(object).map(|t| wrap(Box::new(t)))
    }
    let (family, _action) = event_type.rsplit_once('.')?;
    Some(match family {
        "checkout.session" => de(object, EventObject::CheckoutSession),
        "customer" => de(object, EventObject::Customer),
        "product" => de(object, EventObject::Product),
        "price" => de(object, EventObject::Price),
        "payment_link" => de(object, EventObject::PaymentLink),
        "payment_intent" => de(object, EventObject::PaymentIntent),
        "charge" => de(object, EventObject::Charge),
        "refund" => de(object, EventObject::Refund),
        _ => return None,
    })
}

/// Checks signatures and builds events. Cheap to clone.
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<SecretString>,
    tolerance: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("tolerance", &self.tolerance)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Verifier {
    /// A verifier for one endpoint secret (`whsec_…`), with the 300 s tolerance and the
    /// system clock.
    pub fn new(secret: impl Into<SecretString>) -> Self {
        Verifier {
            secrets: vec![secret.into()],
            tolerance: DEFAULT_TOLERANCE,
            clock: Arc::new(SystemClock),
        }
    }

    /// Also accepts signatures made with `secret`, e.g. the previous secret while you roll it.
    pub fn with_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// The replay window (default [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The clock `t` is compared with (tests use `paygate_runtime::ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Checks `signature` (the `XPay-Signature` value) against the raw `body`: any `v1` under
    /// any configured secret, then the timestamp. Returns the signed timestamp.
    pub fn verify(&self, body: &[u8], signature: &str) -> Result<i64, WebhookError> {
        let header = ParsedHeader::parse(signature)?;
        let t = header.timestamp.to_string();
        let matched = self.secrets.iter().any(|secret| {
            header.signatures.iter().any(|sig| {
                verify_hmac_sha256_hex(
                    secret.expose_secret().as_bytes(),
                    &[t.as_bytes(), b".", body],
                    sig,
                )
            })
        });
        if !matched {
            return Err(WebhookError::BadSignature);
        }
        let now = self.clock.now().timestamp();
        let tolerance_secs = self.tolerance.as_secs();
        if now.abs_diff(header.timestamp) > tolerance_secs {
            return Err(WebhookError::StaleTimestamp {
                timestamp: header.timestamp,
                now,
                tolerance_secs,
            });
        }
        Ok(header.timestamp)
    }

    /// Verifies, then parses the event.
    pub fn construct_event(
        &self,
        body: &[u8],
        signature: &str,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(body, signature)?;
        parse_event(body)
    }

    /// [`Verifier::construct_event`] with the signature taken from the request headers.
    pub fn construct_event_from_headers(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        let value = headers
            .get(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingHeader)?
            .to_str()
            .map_err(|_| WebhookError::MalformedHeader("not visible ASCII".into()))?;
        self.construct_event(body, value)
    }
}

struct ParsedHeader {
    timestamp: i64,
    signatures: Vec<String>,
}

impl ParsedHeader {
    fn parse(value: &str) -> Result<Self, WebhookError> {
        if value.trim().is_empty() {
            return Err(WebhookError::MissingHeader);
        }
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in value.split(',') {
            let Some((key, val)) = part.split_once('=') else {
                return Err(WebhookError::MalformedHeader(format!(
                    "`{}` is not key=value",
                    part.trim()
                )));
            };
            match key.trim() {
                "t" => {
                    let t = val.trim().parse::<i64>().map_err(|_| {
                        WebhookError::MalformedHeader("t is not a unix timestamp".into())
                    })?;
                    if timestamp.replace(t).is_some() {
                        return Err(WebhookError::MalformedHeader("more than one t".into()));
                    }
                }
                "v1" => signatures.push(val.trim().to_string()),
                // Other schemes (a future v2, Stripe's test-only v0) are not ours to check.
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| WebhookError::MalformedHeader("no t".into()))?;
        if signatures.is_empty() {
            return Err(WebhookError::MalformedHeader("no v1 signature".into()));
        }
        Ok(ParsedHeader {
            timestamp,
            signatures,
        })
    }
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    event_type: types::EventType,
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    created: Option<types::Timestamp>,
    #[serde(default)]
    livemode: Option<bool>,
    data: EnvelopeData,
}

#[derive(Deserialize)]
struct EnvelopeData {
    object: Value,
}

/// Parses an event body **without** checking its signature; use it only on bodies verified
/// some other way. Known event types must carry their resource; types this client does not
/// list keep their object as typed as their family allows, else raw.
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| WebhookError::InvalidJson(e.to_string()))?;
    let raw = envelope.data.object;
    let object = match typed_object(envelope.event_type.as_str(), raw.clone()) {
        Some(Ok(typed)) => typed,
        // A listed type must carry its documented resource.
        Some(Err(e)) if envelope.event_type.is_known() => {
            return Err(WebhookError::InvalidJson(format!("data.object: {e}")));
        }
        // A type XPay added later whose object does not fit its family, or an unknown family.
        _ => EventObject::Unknown(raw),
    };
    Ok(WebhookEvent {
        id: envelope.id,
        event_type: envelope.event_type,
        api_version: envelope.api_version,
        created: envelope.created,
        livemode: envelope.livemode,
        object,
    })
}

/// A valid `XPay-Signature` value for `body` at `timestamp`, for tests and local tooling:
/// `t=<timestamp>,v1=<hex>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// The `v1` value: lowercase hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    hmac_sha256_hex(secret.as_bytes(), &message)
}
