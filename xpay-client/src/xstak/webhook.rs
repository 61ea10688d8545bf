//! Verifying and parsing the webhooks XStak sends to the URL set in its dashboard.
//!
//! XStak signs the JSON body with the **Webhook** HMAC secret (a different value from the API
//! HMAC secret) and sends the lowercase-hex HMAC-SHA256 in `X-Signature`. Its own WooCommerce
//! plugin verifies over the *re-serialized* body rather than the raw bytes, and which of the two
//! the server signs is undocumented, so [`WebhookVerifier::verify`] accepts either: the raw
//! body, or its `JSON.stringify(JSON.parse(body))` form. Comparisons are constant-time.
//!
//! ```no_run
//! use xpay_client::xstak::{WebhookEvent, WebhookVerifier};
//!
//! fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> u16 {
//!     let verifier = WebhookVerifier::new("webhook hmac secret");
//!     match verifier.verify_and_parse(headers, body) {
//!         Ok(WebhookEvent::PaymentIntentNotification(n)) => {
//!             // Re-fetch the intent (retrieve_payment_intent) before fulfilling the order.
//!             println!("{:?} is {:?}", n.payment_intent_id, n.status);
//!             200
//!         }
//!         Ok(other) => {
//!             println!("ignoring {}", other.event_type());
//!             200
//!         }
//!         Err(_) => 401,
//!     }
//! }
//! ```

use std::fmt;

use paygate_runtime::{ExposeSecret, SecretString, js, signature};

use super::types;

/// The header XStak puts the signature in (header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-signature";

/// The one documented event type.
pub const PAYMENT_INTENT_NOTIFICATION: &str = "PAYMENT_INTENT_NOTIFICATION";

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `X-Signature` header.
    MissingSignature,
    /// The header is not a valid signature of this body under the webhook secret.
    InvalidSignature,
    /// The signature matched, but the body is not a webhook we can read.
    InvalidPayload(String),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingSignature => write!(f, "webhook has no X-Signature header"),
            WebhookError::InvalidSignature => {
                write!(f, "webhook X-Signature does not match its body")
            }
            WebhookError::InvalidPayload(why) => write!(f, "webhook payload unreadable: {why}"),
        }
    }
}

impl std::error::Error for WebhookError {}

/// A verified webhook.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `PAYMENT_INTENT_NOTIFICATION`: a payment intent changed (`status`, e.g. `succeeded`).
    PaymentIntentNotification(Box<types::PaymentIntentNotification>),
    /// A `type` this version does not know, kept whole.
    Unknown {
        event_type: String,
        payload: serde_json::Value,
    },
}

impl WebhookEvent {
    /// The `type` field as sent.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::PaymentIntentNotification(n) => n.type_.as_str(),
            WebhookEvent::Unknown { event_type, .. } => event_type,
        }
    }

    /// Parses a body without verifying it (verify first: [`WebhookVerifier::verify_and_parse`]).
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let payload: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::InvalidPayload(format!("not JSON: {e}")))?;
        let event_type = payload
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| WebhookError::InvalidPayload("no string `type` field".to_owned()))?
            .to_owned();
        if event_type == PAYMENT_INTENT_NOTIFICATION {
            let notification = serde_json::from_slice(body).map_err(|e| {
                WebhookError::InvalidPayload(format!("{PAYMENT_INTENT_NOTIFICATION}: {e}"))
            })?;
            Ok(WebhookEvent::PaymentIntentNotification(Box::new(
                notification,
            )))
        } else {
            Ok(WebhookEvent::Unknown {
                event_type,
                payload,
            })
        }
    }
}

/// Checks `X-Signature` with the Webhook HMAC secret.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: SecretString,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl WebhookVerifier {
    /// `webhook_hmac_secret` is the dashboard's Webhook HMAC Secret, used as UTF-8 bytes.
    pub fn new(webhook_hmac_secret: impl Into<SecretString>) -> Self {
        WebhookVerifier {
            secret: webhook_hmac_secret.into(),
        }
    }

    /// Whether `signature` (the `X-Signature` value, hex) signs `body` as received, or the
    /// body as JavaScript re-serializes it. Constant-time in the signature.
    pub fn verify(&self, signature: &str, body: &[u8]) -> Result<(), WebhookError> {
        let key = self.secret.expose_secret().as_bytes();
        if signature::verify_hmac_sha256_hex(key, &[body], signature) {
            return Ok(());
        }
        match js::canonicalize(body) {
            Ok(canonical)
                if canonical.as_bytes() != body
                    && signature::verify_hmac_sha256_hex(
                        key,
                        &[canonical.as_bytes()],
                        signature,
                    ) =>
            {
                Ok(())
            }
            _ => Err(WebhookError::InvalidSignature),
        }
    }

    /// Reads `X-Signature` from `headers`, verifies, then parses.
    pub fn verify_and_parse(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingSignature)?
            .to_str()
            .map_err(|_| WebhookError::InvalidSignature)?;
        self.verify(signature, body)?;
        WebhookEvent::parse(body)
    }
}
