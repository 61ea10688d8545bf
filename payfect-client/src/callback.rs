//! Verifying Payfect's success callbacks.
//!
//! Payfect POSTs the callback payload as JSON and puts the *same payload, encrypted* in the
//! `X-Payfect-Signature` header as a [Fernet](https://github.com/fernet/spec) token made with
//! the merchant's secret key (Python's `cryptography.fernet`). It is encryption, not an HMAC:
//! the receiver decrypts the token, parses the plaintext as JSON and requires it to equal the
//! parsed body. A token that decrypts was made with the key (Fernet authenticates with
//! HMAC-SHA256), so an equal body is authentic; a different body has been tampered with.
//!
//! ```no_run
//! use payfect_client::callback::{CallbackVerifier, SIGNATURE_HEADER};
//! use std::time::Duration;
//!
//! # fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = CallbackVerifier::new(std::env::var("PAYFECT_CALLBACK_KEY")?.into())?
//!     .max_age(Duration::from_secs(600));
//! let callback = verifier.verify_headers(headers, body)?;
//! println!("checkout {} paid {} {}", callback.id, callback.amount, callback.currency);
//! # Ok(()) }
//! ```
//!
//! Unconfirmed: which dashboard secret is the Fernet key, and whether Payfect retries failed
//! deliveries (answer 2xx quickly and make processing idempotent on the checkout `id`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::types::CheckoutCallback;

/// The header that carries the Fernet token.
pub const SIGNATURE_HEADER: &str = "X-Payfect-Signature";

/// Which JSON document failed to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonPart {
    /// The POST body.
    Body,
    /// The decrypted `X-Payfect-Signature` token.
    Plaintext,
}

impl fmt::Display for JsonPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonPart::Body => "body",
            JsonPart::Plaintext => "decrypted signature",
        })
    }
}

/// Why a callback was rejected. Messages never contain the key, the token or the payload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The configured key is not a Fernet key (32 bytes in URL-safe base64).
    #[error("the Payfect callback key is not a Fernet key (32 bytes, URL-safe base64)")]
    InvalidKey,
    /// The request has no `X-Payfect-Signature` header (or it is not text).
    #[error("the callback has no X-Payfect-Signature header")]
    MissingSignature,
    /// The token does not decrypt with this key: it is malformed, was made with another key,
    /// was modified, or is dated more than 60 s in the future. Fernet cannot tell these apart.
    #[error("X-Payfect-Signature is not a valid Fernet token for this key")]
    InvalidToken,
    /// The token is authentic but older than the configured maximum age (a replay).
    #[error(
        "X-Payfect-Signature was issued at {issued_at}, {age:?} ago, over the {max_age:?} limit"
    )]
    Expired {
        issued_at: DateTime<Utc>,
        age: Duration,
        max_age: Duration,
    },
    /// The body or the decrypted token is not JSON.
    #[error("the callback {part} is not valid JSON: {source}")]
    InvalidJson {
        part: JsonPart,
        #[source]
        source: serde_json::Error,
    },
    /// Body and decrypted token are both JSON but differ: the body was tampered with.
    #[error("the callback body does not match the payload in X-Payfect-Signature")]
    Mismatch,
    /// Authentic JSON, but not the documented callback shape (a missing or mistyped field).
    /// [`CallbackVerifier::verify_value`] still returns such payloads.
    #[error("the callback payload does not have the documented shape: {0}")]
    InvalidPayload(#[source] serde_json::Error),
}

type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Verifies callbacks with one merchant key. Cheap to clone; `Debug` never shows the key.
#[derive(Clone)]
pub struct CallbackVerifier {
    fernet: fernet::Fernet,
    max_age: Option<Duration>,
    now: Now,
}

impl fmt::Debug for CallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackVerifier")
            .field("key", &"[REDACTED]")
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl CallbackVerifier {
    /// A verifier for `key`, the Fernet key from the Payfect dashboard. Surrounding whitespace
    /// is ignored, and standard base64 is accepted as Python's `Fernet` accepts it. No maximum
    /// age until [`max_age`](Self::max_age) is set.
    pub fn new(key: SecretString) -> Result<Self, CallbackError> {
        // A SecretString again, so the normalized copy is zeroed on drop too.
        let normalized: SecretString = key
            .expose_secret()
            .trim()
            .replace('+', "-")
            .replace('/', "_")
            .into();
        let fernet =
            fernet::Fernet::new(normalized.expose_secret()).ok_or(CallbackError::InvalidKey)?;
        Ok(CallbackVerifier {
            fernet,
            max_age: None,
            now: Arc::new(Utc::now),
        })
    }

    /// Rejects tokens issued longer ago than `max_age` ([`CallbackError::Expired`]). Payfect
    /// documents no retry schedule, so leave room for late redeliveries.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The clock the maximum age is measured against (default: system time). For tests.
    pub fn clock(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.now = Arc::new(now);
        self
    }

    /// Verifies a callback and returns its typed payload.
    pub fn verify(&self, signature: &str, body: &[u8]) -> Result<CheckoutCallback, CallbackError> {
        let value = self.verify_value(signature, body)?;
        serde_json::from_value(value).map_err(CallbackError::InvalidPayload)
    }

    /// Like [`verify`](Self::verify), reading the signature from the request headers.
    pub fn verify_headers(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<CheckoutCallback, CallbackError> {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(CallbackError::MissingSignature)?;
        self.verify(signature, body)
    }

    /// Verifies a callback and returns the payload as raw JSON, for fields the typed payload
    /// does not model.
    pub fn verify_value(
        &self,
        signature: &str,
        body: &[u8],
    ) -> Result<serde_json::Value, CallbackError> {
        let token = signature.trim();
        if token.is_empty() {
            return Err(CallbackError::MissingSignature);
        }
        let plaintext = self
            .fernet
            .decrypt(token)
            .map_err(|_| CallbackError::InvalidToken)?;
        if let Some(max_age) = self.max_age {
            // The token decrypted, so its header is well-formed and the timestamp authentic.
            let issued_at = token_issued_at(token).ok_or(CallbackError::InvalidToken)?;
            let age = ((self.now)() - issued_at)
                .to_std()
                .unwrap_or(Duration::ZERO);
            if age > max_age {
                return Err(CallbackError::Expired {
                    issued_at,
                    age,
                    max_age,
                });
            }
        }
        let signed: serde_json::Value =
            serde_json::from_slice(&plaintext).map_err(|source| CallbackError::InvalidJson {
                part: JsonPart::Plaintext,
                source,
            })?;
        let posted: serde_json::Value =
            serde_json::from_slice(body).map_err(|source| CallbackError::InvalidJson {
                part: JsonPart::Body,
                source,
            })?;
        if signed != posted {
            return Err(CallbackError::Mismatch);
        }
        Ok(signed)
    }
}

/// The issue time written in a Fernet token (bytes 1..9 after the version byte `0x80`,
/// big-endian Unix seconds), or `None` if the token is malformed. Not authenticated: use it for
/// logging, and rely on [`CallbackVerifier`] for decisions.
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
