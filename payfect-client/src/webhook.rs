//! Verifying Payfect's success callbacks (its webhooks).
//!
//! Payfect POSTs the callback payload as JSON and puts the *same payload, encrypted* in the
//! `X-Payfect-Signature` header as a [Fernet](https://github.com/fernet/spec) token made with
//! the merchant's secret key (Python's `cryptography.fernet`). It is encryption, not an HMAC:
//! the receiver decrypts the token, parses the plaintext as JSON and requires it to equal the
//! parsed body. A token that decrypts was made with the key (Fernet authenticates with
//! HMAC-SHA256), so an equal body is authentic; a different body has been tampered with.
//!
//! **Replays.** A Fernet token carries its authenticated issue time, so a verifier refuses
//! tokens older than its tolerance, [`DEFAULT_TOLERANCE`] (5 minutes) unless set otherwise. Why
//! that value: Payfect mints the token when it sends (its docs' snippet encrypts the payload
//! per delivery; inference), so a genuine delivery arrives within seconds, and 5 minutes is the
//! window XPay documents and Stripe uses, wide enough for clock skew and slow networks. Payfect
//! documents no retry schedule: if a late redelivery is refused, the checkout is still
//! readable with `retrieve_checkout`. Within the window, deduplicate on the checkout [`Event::id`].
//!
//! ```no_run
//! use payfect_client::webhook::{EventObject, Verifier};
//! use std::time::Duration;
//!
//! # fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(std::env::var("PAYFECT_CALLBACK_KEY")?)?
//!     .tolerance(Duration::from_secs(600));
//! match verifier.construct_event(body, headers)?.object {
//!     EventObject::Succeeded(paid) => println!("checkout {} paid {} {}", paid.id, paid.amount, paid.currency),
//!     other => println!("ignoring {}", other.type_()),
//! }
//! # Ok(()) }
//! ```
//!
//! Unconfirmed: which dashboard secret is the Fernet key, and whether Payfect retries failed
//! deliveries (answer 2xx quickly and make processing idempotent on the checkout `id`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paygate_runtime::Clock;
use paygate_runtime::webhook::{self as shared, HeaderMap};
use secrecy::{ExposeSecret, SecretString};

use crate::types;

pub use crate::EventObject;
pub use paygate_runtime::webhook::WebhookError;

/// The header that carries the Fernet token.
pub const SIGNATURE_HEADER: &str = "X-Payfect-Signature";

/// The default maximum age of a token (see the module docs for why 5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// A verified callback.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The checkout id (`id` of the payload); dedupe on it.
    pub id: Option<String>,
    /// The payload's `status`, which types the callback (only `succeeded` is documented).
    pub type_: types::CallbackStatus,
    /// The payload, typed by `status`.
    pub object: EventObject,
}

impl Event {
    /// Parses a callback body **without** verifying it (verify first:
    /// [`Verifier::construct_event`]).
    pub fn parse_unverified(body: &[u8]) -> Result<Event, WebhookError> {
        Event::from_value(shared::parse_body(body)?)
    }

    fn from_value(payload: serde_json::Value) -> Result<Event, WebhookError> {
        let Some(status) = payload.get("status").and_then(|s| s.as_str()) else {
            return Err(WebhookError::payload(None, "no string `status` field"));
        };
        let type_ = types::CallbackStatus::from(status);
        let id = payload
            .get("id")
            .and_then(|s| s.as_str())
            .map(str::to_owned);
        let object = EventObject::decode(type_.as_str(), payload)?;
        Ok(Event { id, type_, object })
    }
}

/// Verifies callbacks with one merchant key. Cheap to clone; `Debug` never shows the key.
#[derive(Clone)]
pub struct Verifier {
    fernet: fernet::Fernet,
    window: shared::ReplayWindow,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("key", &"[REDACTED]")
            .field("window", &self.window)
            .finish()
    }
}

impl Verifier {
    /// A verifier for `secret`, the Fernet key from the Payfect dashboard (32 bytes in
    /// URL-safe base64). Surrounding whitespace is ignored, and standard base64 is accepted as
    /// Python's `Fernet` accepts it. Anything else is [`WebhookError::InvalidSecret`].
    pub fn new(secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        let secret = secret.into();
        shared::check_secret(secret.expose_secret())?;
        // A SecretString again, so the normalized copy is zeroed on drop too.
        let normalized: SecretString = secret
            .expose_secret()
            .trim()
            .replace('+', "-")
            .replace('/', "_")
            .into();
        let fernet = fernet::Fernet::new(normalized.expose_secret()).ok_or(
            WebhookError::InvalidSecret("not a Fernet key (32 bytes, URL-safe base64)"),
        )?;
        Ok(Verifier {
            fernet,
            window: shared::ReplayWindow::new(DEFAULT_TOLERANCE),
        })
    }

    /// The maximum age of a token (default [`DEFAULT_TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.window.tolerance = tolerance;
        self
    }

    /// The clock a token's age is measured on (tests use `paygate_runtime::ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.window.clock = clock;
        self
    }

    /// Decrypts `X-Payfect-Signature` from `headers`, checks its age, and requires its JSON to
    /// equal the body's.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        self.verified(body, headers).map(drop)
    }

    /// Verifies, then types the payload by its `status`.
    pub fn construct_event(&self, body: &[u8], headers: &HeaderMap) -> Result<Event, WebhookError> {
        Event::from_value(self.verified(body, headers)?)
    }

    fn verified(
        &self,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<serde_json::Value, WebhookError> {
        let token = shared::signature_header(headers, SIGNATURE_HEADER)?;
        // Fernet cannot tell a malformed token from another key's or a modified one.
        let plaintext = self
            .fernet
            .decrypt(token)
            .map_err(|_| WebhookError::BadSignature)?;
        // The token decrypted, so its header is well-formed and the timestamp authentic.
        let issued_at = token_issued_at(token).ok_or(WebhookError::BadSignature)?;
        self.window.check(issued_at.timestamp())?;
        // Authentic but not JSON: a payload problem, not a forgery.
        let signed: serde_json::Value = serde_json::from_slice(&plaintext).map_err(|e| {
            WebhookError::payload(None, format_args!("decrypted {SIGNATURE_HEADER}: {e}"))
        })?;
        let posted: serde_json::Value = shared::parse_body(body)?;
        if signed != posted {
            return Err(WebhookError::BadSignature);
        }
        Ok(signed)
    }
}

/// The issue time written in a Fernet token (bytes 1..9 after the version byte `0x80`,
/// big-endian Unix seconds), or `None` if the token is malformed. Not authenticated: use it for
/// logging, and rely on [`Verifier`] for decisions.
pub fn token_issued_at(token: &str) -> Option<DateTime<Utc>> {
    // 12 base64 characters are exactly the first 9 bytes, so no padding is involved.
    let head = token.trim().as_bytes().get(..12)?;
    let mut raw = [0u8; 9];
    for (i, chunk) in head.chunks(4).enumerate() {
        let mut bits: u32 = 0;
        for &c in chunk {
            bits = (bits << 6) | u32::from(sextet(c)?);
        }
        raw[i * 3..i * 3 + 3].copy_from_slice(&bits.to_be_bytes()[1..]);
    }
    if raw[0] != 0x80 {
        return None;
    }
    let mut secs = [0u8; 8];
    secs.copy_from_slice(&raw[1..]);
    let secs = i64::try_from(u64::from_be_bytes(secs)).ok()?;
    DateTime::from_timestamp(secs, 0)
}

/// One URL-safe base64 character.
fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}
