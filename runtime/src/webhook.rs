//! What every webhook verifier shares, written once: the error type, reading the signature
//! header, constant-time comparison, a bounded echo of hostile input, the replay window, and
//! decoding a payload by event type.
//!
//! Each client has a `webhook::Verifier` with the same shape:
//! `Verifier::new(secret)? .construct_event(body, headers)`, plus `.clock(…)` and
//! `.tolerance(…)` where the provider signs a timestamp. The provider-specific part (which
//! header, what is signed, how) stays in the client; everything here is provider-neutral.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::clock::{Clock, SystemClock};
use crate::secret::{ExposeSecret, SecretString};

pub use http::HeaderMap;

/// How many characters of hostile input an error quotes at most. Enough to recognise a value,
/// never enough to flood a log line (a header can be a megabyte).
pub const MAX_ECHO_CHARS: usize = 64;

/// Why a webhook delivery (or a verifier's configuration) was refused. The same type in every
/// client. `Display` is safe to log: it never contains the secret, and it quotes at most
/// [`MAX_ECHO_CHARS`] characters of what was received.
///
/// A receiver answers 400 for [`InvalidPayload`](Self::InvalidPayload) and
/// [`TooLarge`](Self::TooLarge), 401 for the rest; providers retry any non-2xx.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The verifier's secret is unusable (empty, or not in the provider's key format). An empty
    /// secret would accept anything signed with an empty key, so it is refused up front.
    InvalidSecret(&'static str),
    /// The signature (a header, or a field of the body for FYATU) is absent or empty.
    MissingSignature(&'static str),
    /// The signature is present but not in the provider's format.
    MalformedSignature {
        /// Where the signature was read from.
        field: &'static str,
        /// What is wrong, quoting at most [`MAX_ECHO_CHARS`] characters of the input.
        reason: String,
    },
    /// No signature matches the body under the configured secret(s): a wrong secret, an
    /// altered body, or a forgery.
    BadSignature,
    /// The signature is valid but was made too long ago (a replay) or too far in the future
    /// (a skewed clock).
    Stale {
        /// The signed Unix time.
        signed_at: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
        /// The window that was exceeded.
        tolerance: Duration,
    },
    /// The body is larger than the verifier reads.
    TooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Authentic, but not an event this client can read: the body is not JSON, or a known
    /// event type's payload does not have its documented shape (`type_` names it).
    InvalidPayload {
        /// The event type whose payload failed, when the type was read.
        type_: Option<String>,
        /// What is wrong, quoting at most [`MAX_ECHO_CHARS`] characters of the input.
        reason: String,
    },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::InvalidSecret(why) => write!(f, "unusable webhook secret: {why}"),
            WebhookError::MissingSignature(field) => write!(f, "webhook has no {field}"),
            WebhookError::MalformedSignature { field, reason } => {
                write!(f, "malformed webhook {field}: {reason}")
            }
            WebhookError::BadSignature => {
                f.write_str("webhook signature does not match: wrong secret or altered body")
            }
            WebhookError::Stale {
                signed_at,
                now,
                tolerance,
            } => write!(
                f,
                "webhook signed at {signed_at} is more than {} s from now ({now}): a replay or a skewed clock",
                tolerance.as_secs()
            ),
            WebhookError::TooLarge { len, max } => {
                write!(
                    f,
                    "webhook body of {len} bytes is over the {max}-byte limit"
                )
            }
            WebhookError::InvalidPayload {
                type_: Some(t),
                reason,
            } => write!(
                f,
                "webhook `{}` has an unexpected payload: {reason}",
                echo(t)
            ),
            WebhookError::InvalidPayload {
                type_: None,
                reason,
            } => {
                write!(f, "webhook body is not an event: {reason}")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

impl WebhookError {
    /// A [`MalformedSignature`](Self::MalformedSignature) whose reason is bounded.
    pub fn malformed(field: &'static str, reason: impl fmt::Display) -> Self {
        WebhookError::MalformedSignature {
            field,
            reason: echo(&reason.to_string()),
        }
    }

    /// An [`InvalidPayload`](Self::InvalidPayload) whose reason is bounded (serde's messages
    /// quote the offending value, which can be large or sensitive).
    pub fn payload(type_: Option<&str>, reason: impl fmt::Display) -> Self {
        WebhookError::InvalidPayload {
            type_: type_.map(echo),
            reason: echo(&reason.to_string()),
        }
    }
}

/// `input`, cut to [`MAX_ECHO_CHARS`] characters with control characters escaped, and the
/// full length noted when cut.
pub fn echo(input: &str) -> String {
    let mut out: String = input
        .chars()
        .take(MAX_ECHO_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if input.chars().nth(MAX_ECHO_CHARS).is_some() {
        out.push_str(&format!("… ({} bytes)", input.len()));
    }
    out
}

/// The trimmed value of the signature header `name`: absent or blank is
/// [`MissingSignature`](WebhookError::MissingSignature), non-ASCII is malformed.
pub fn signature_header<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
) -> Result<&'a str, WebhookError> {
    let value = headers
        .get(name)
        .ok_or(WebhookError::MissingSignature(name))?
        .to_str()
        .map_err(|_| WebhookError::malformed(name, "not visible ASCII"))?
        .trim();
    if value.is_empty() {
        return Err(WebhookError::MissingSignature(name));
    }
    Ok(value)
}

/// Whether two byte strings are equal, in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Whether `given_hex` (either case) spells `expected`, compared in constant time. A value of
/// the wrong length is refused before decoding, so a huge header costs nothing.
pub fn hex_matches(expected: &[u8], given_hex: &str) -> bool {
    let given_hex = given_hex.trim();
    if given_hex.len() != expected.len() * 2 {
        return false;
    }
    match hex::decode(given_hex) {
        Ok(given) => constant_time_eq(expected, &given),
        Err(_) => false,
    }
}

/// A verifier's signing secret: never empty (an empty key would accept anything signed with
/// an empty key), and `Debug` prints `[REDACTED]`.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// Refuses an empty or all-blank secret ([`WebhookError::InvalidSecret`]).
    pub fn new(secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        let secret = secret.into();
        check_secret(secret.expose_secret())?;
        Ok(WebhookSecret(secret))
    }

    /// The secret's bytes, for the HMAC key.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// The replay window of a provider that signs a time (XPay's `t`, a Fernet token's issue
/// time): how far the signed time may be from now, and the clock now is read from.
#[derive(Clone, Debug)]
pub struct ReplayWindow {
    /// The largest accepted distance between the signed time and now.
    pub tolerance: Duration,
    /// Where now comes from (tests use [`ManualClock`](crate::ManualClock)).
    pub clock: Arc<dyn Clock>,
}

impl ReplayWindow {
    /// `tolerance` on the system clock.
    pub fn new(tolerance: Duration) -> Self {
        ReplayWindow {
            tolerance,
            clock: Arc::new(SystemClock),
        }
    }

    /// Refuses `signed_at` (Unix seconds) outside the window ([`WebhookError::Stale`]).
    pub fn check(&self, signed_at: i64) -> Result<(), WebhookError> {
        check_tolerance(self.clock.as_ref(), signed_at, self.tolerance)
    }
}

/// Refuses a signature made more than `tolerance` before or after `clock`'s now.
pub fn check_tolerance(
    clock: &dyn Clock,
    signed_at: i64,
    tolerance: Duration,
) -> Result<(), WebhookError> {
    let now = clock.now().timestamp();
    if now.abs_diff(signed_at) > tolerance.as_secs() {
        return Err(WebhookError::Stale {
            signed_at,
            now,
            tolerance,
        });
    }
    Ok(())
}

/// Refuses an empty (or all-blank) secret.
pub fn check_secret(secret: &str) -> Result<(), WebhookError> {
    if secret.trim().is_empty() {
        return Err(WebhookError::InvalidSecret("the secret is empty"));
    }
    Ok(())
}

/// Parses a verified body as JSON.
pub fn parse_body<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::payload(None, e))
}

/// Decodes the payload of a known event type; a payload without the documented shape is an
/// error naming the type. The generated `EventObject::decode` calls this for every known type.
pub fn decode<T: DeserializeOwned>(
    type_: &str,
    payload: serde_json::Value,
) -> Result<Box<T>, WebhookError> {
    serde_json::from_value(payload)
        .map(Box::new)
        .map_err(|e| WebhookError::payload(Some(type_), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::DateTime;

    #[test]
    fn echo_is_bounded_and_escaped() {
        assert_eq!(echo("t=1"), "t=1");
        let long = "v1=ab,".repeat(200_000);
        let e = echo(&long);
        assert!(e.len() < 120, "{e}");
        assert!(e.ends_with("(1200000 bytes)"), "{e}");
        assert_eq!(echo("a\nb"), "a\\nb");
    }

    #[test]
    fn errors_quote_little() {
        let huge = "x".repeat(1 << 20);
        for e in [
            WebhookError::malformed("XPay-Signature", &huge),
            WebhookError::payload(Some(&huge), &huge),
        ] {
            assert!(e.to_string().len() < 300, "{} bytes", e.to_string().len());
        }
    }

    #[test]
    fn header_lookup() {
        let mut h = HeaderMap::new();
        assert_eq!(
            signature_header(&h, "x-signature"),
            Err(WebhookError::MissingSignature("x-signature"))
        );
        h.insert("x-signature", " ".parse().unwrap());
        assert!(matches!(
            signature_header(&h, "x-signature"),
            Err(WebhookError::MissingSignature(_))
        ));
        h.insert(
            "x-signature",
            http::HeaderValue::from_bytes(b"\xffab").unwrap(),
        );
        assert!(matches!(
            signature_header(&h, "x-signature"),
            Err(WebhookError::MalformedSignature { .. })
        ));
        h.insert("X-Signature", " abc ".parse().unwrap());
        assert_eq!(signature_header(&h, "x-signature"), Ok("abc"));
    }

    #[test]
    fn hex_comparison() {
        assert!(hex_matches(&[0xab, 0x01], "AB01"));
        assert!(hex_matches(&[0xab, 0x01], "ab01"));
        assert!(!hex_matches(&[0xab, 0x01], "ab02"));
        assert!(!hex_matches(&[0xab, 0x01], "ab0"));
        assert!(!hex_matches(&[0xab, 0x01], "zz01"));
        assert!(!hex_matches(&[0xab, 0x01], &"ab".repeat(1 << 19)));
    }

    #[test]
    fn tolerance_both_ways() {
        let clock = ManualClock::new(DateTime::from_timestamp(1_000, 0).unwrap());
        let w = Duration::from_secs(300);
        assert!(check_tolerance(&clock, 700, w).is_ok());
        assert!(check_tolerance(&clock, 1_300, w).is_ok());
        assert!(matches!(
            check_tolerance(&clock, 699, w),
            Err(WebhookError::Stale {
                signed_at: 699,
                now: 1_000,
                ..
            })
        ));
        assert!(check_tolerance(&clock, 1_301, w).is_err());
        assert!(check_tolerance(&clock, i64::MIN, w).is_err());
        assert!(check_tolerance(&clock, i64::MAX, w).is_err());
    }

    #[test]
    fn empty_secrets_are_refused() {
        assert!(check_secret("").is_err());
        assert!(check_secret(" \n").is_err());
        assert!(check_secret("whsec_x").is_ok());
    }

    #[test]
    fn known_type_with_wrong_payload_names_the_type() {
        let e = decode::<u32>("refund.created", serde_json::json!("x")).unwrap_err();
        assert!(e.to_string().contains("refund.created"), "{e}");
    }
}
