//! Verifying XPay webhooks and reading them as typed events.
//!
//! XPay signs each delivery with the endpoint's `whsec_…` secret:
//! `XPay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "{t}.{raw body}">`. Verify the
//! **raw** body bytes (re-serialised JSON will not match), then dedupe on [`Event::id`]:
//! delivery is at least once. The signed `t` bounds replays to [`DEFAULT_TOLERANCE`].
//!
//! ```
//! use xpay_client::platform::webhook::{self, EventObject, Verifier};
//!
//! let secret = "whsec_test_secret";
//! let body = br#"{"id":"evt_test_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1","status":"complete"}}}"#;
//! let now = chrono::Utc::now().timestamp();
//! let mut headers = reqwest::header::HeaderMap::new();
//! headers.insert(webhook::SIGNATURE_HEADER, webhook::signature_header(secret, now, body).parse().unwrap());
//!
//! let event = Verifier::new(secret)?.construct_event(body, &headers)?;
//! match event.object {
//!     EventObject::CheckoutSessionCompleted(session) => assert_eq!(session.id, "cs_test_1"),
//!     EventObject::Unknown { type_, .. } => println!("ignoring {type_}"),
//!     other => println!("ignoring {}", other.type_()),
//! }
//! # Ok::<(), webhook::WebhookError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use paygate_runtime::signature::{hmac_sha256, hmac_sha256_hex};
use paygate_runtime::webhook::{self as shared, HeaderMap};
use paygate_runtime::{Clock, SecretString};
use serde::Deserialize;

use super::types;

pub use super::EventObject;
pub use paygate_runtime::webhook::WebhookError;

/// The header carrying the signature (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "XPay-Signature";

/// XPay's documented replay window: reject when |now − t| exceeds it.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The most `v1` entries a header may carry. XPay sends one per active secret (two while a
/// secret rolls); more is hostile, and is refused before any HMAC is computed.
pub const MAX_SIGNATURES: usize = 16;

/// A verified event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// `evt_test_…` / `evt_live_…`; the same on every retry, so dedupe on it.
    pub id: String,
    /// Open: types XPay adds later arrive as `EventType::Unknown`.
    pub type_: types::EventType,
    /// The API version the event was rendered with.
    pub api_version: Option<String>,
    /// When XPay created the event.
    pub created: Option<types::Timestamp>,
    /// Whether the event comes from live mode.
    pub livemode: Option<bool>,
    /// `data.object`, typed by the event type (shaped like the resource's `GET`).
    pub object: EventObject,
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    type_: types::EventType,
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
    object: serde_json::Value,
}

impl Event {
    /// Parses an event body **without** checking its signature; use it only on bodies
    /// verified some other way. A mapped type must carry its documented resource.
    pub fn parse_unverified(body: &[u8]) -> Result<Event, WebhookError> {
        let envelope: Envelope = shared::parse_body(body)?;
        let object = EventObject::decode(envelope.type_.as_str(), envelope.data.object)?;
        Ok(Event {
            id: envelope.id,
            type_: envelope.type_,
            api_version: envelope.api_version,
            created: envelope.created,
            livemode: envelope.livemode,
            object,
        })
    }
}

/// Checks `XPay-Signature` and builds events. Cheap to clone; `Debug` never shows a secret.
#[derive(Clone)]
pub struct Verifier {
    secrets: Vec<shared::WebhookSecret>,
    window: shared::ReplayWindow,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("window", &self.window)
            .finish()
    }
}

impl Verifier {
    /// A verifier for one endpoint secret (`whsec_…`), with the 300 s tolerance and the
    /// system clock. An empty secret is refused ([`WebhookError::InvalidSecret`]).
    pub fn new(secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        Ok(Verifier {
            secrets: vec![shared::WebhookSecret::new(secret)?],
            window: shared::ReplayWindow::new(DEFAULT_TOLERANCE),
        })
    }

    /// Also accepts signatures made with `secret`, e.g. the previous secret while you roll it.
    pub fn with_secret(mut self, secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        self.secrets.push(shared::WebhookSecret::new(secret)?);
        Ok(self)
    }

    /// The replay window (default [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.window.tolerance = tolerance;
        self
    }

    /// The clock `t` is compared with (tests use `paygate_runtime::ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.window.clock = clock;
        self
    }

    /// Checks `XPay-Signature` in `headers` against the raw `body`: any `v1` under any
    /// configured secret, then the timestamp. The HMAC is computed once per secret, whatever
    /// the number of `v1` entries.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        let (timestamp, signatures) =
            parse_header(shared::signature_header(headers, SIGNATURE_HEADER)?)?;
        let t = timestamp.to_string();
        let matched = self.secrets.iter().any(|secret| {
            let mac = hmac_sha256(secret.as_bytes(), &[t.as_bytes(), b".", body]);
            signatures.iter().any(|sig| shared::hex_matches(&mac, sig))
        });
        if !matched {
            return Err(WebhookError::BadSignature);
        }
        self.window.check(timestamp)
    }

    /// Verifies, then parses the event.
    pub fn construct_event(&self, body: &[u8], headers: &HeaderMap) -> Result<Event, WebhookError> {
        self.verify(body, headers)?;
        Event::parse_unverified(body)
    }
}

/// `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`: the timestamp and at most [`MAX_SIGNATURES`]
/// `v1` values. Other schemes (a future v2, Stripe's test-only v0) are not ours to check.
fn parse_header(value: &str) -> Result<(i64, Vec<&str>), WebhookError> {
    let malformed = |why: &dyn fmt::Display| WebhookError::malformed(SIGNATURE_HEADER, why);
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in value.split(',') {
        let Some((key, val)) = part.split_once('=') else {
            return Err(malformed(&format_args!(
                "`{}` is not key=value",
                part.trim()
            )));
        };
        match key.trim() {
            "t" => {
                let t = val
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| malformed(&"t is not a unix timestamp"))?;
                if timestamp.replace(t).is_some() {
                    return Err(malformed(&"more than one t"));
                }
            }
            "v1" if signatures.len() == MAX_SIGNATURES => {
                return Err(malformed(&format_args!(
                    "more than {MAX_SIGNATURES} v1 signatures"
                )));
            }
            "v1" => signatures.push(val.trim()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| malformed(&"no t"))?;
    if signatures.is_empty() {
        return Err(malformed(&"no v1 signature"));
    }
    Ok((timestamp, signatures))
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
