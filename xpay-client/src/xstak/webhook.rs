//! Verifying and parsing the webhooks XStak sends to the URL set in its dashboard.
//!
//! XStak signs the JSON body with the **Webhook** HMAC secret (a different value from the API
//! HMAC secret) and sends the lowercase-hex HMAC-SHA256 in `X-Signature`. Its own WooCommerce
//! plugin verifies over the *re-serialized* body rather than the raw bytes, and which of the two
//! the server signs is undocumented, so [`Verifier::verify`] accepts either: the raw body, or
//! its `JSON.stringify(JSON.parse(body))` form. Comparisons are constant-time.
//!
//! **Replays.** XStak signs no timestamp, so a captured delivery verifies forever: the
//! signature proves who sent a body, not when. Deduplicate on what the body signs
//! (`payment_intent_id`, `refund_id` and `status` of a `PAYMENT_INTENT_NOTIFICATION`), and
//! confirm with `retrieve_payment_intent` (a GET) before fulfilling, so that a replayed
//! notification can neither fulfil twice nor report a state the intent has left.
//!
//! ```no_run
//! use xpay_client::xstak::webhook::{EventObject, Verifier};
//!
//! fn handle(headers: &reqwest::header::HeaderMap, body: &[u8]) -> u16 {
//!     let verifier = Verifier::new("webhook hmac secret").expect("a non-empty secret");
//!     match verifier.construct_event(body, headers).map(|e| e.object) {
//!         Ok(EventObject::PaymentIntentNotification(n)) => {
//!             // Re-fetch the intent (retrieve_payment_intent) before fulfilling the order.
//!             println!("{:?} is {:?}", n.payment_intent_id, n.status);
//!             200
//!         }
//!         Ok(other) => {
//!             println!("ignoring {}", other.type_());
//!             200
//!         }
//!         Err(_) => 401,
//!     }
//! }
//! ```

use paygate_runtime::signature::hmac_sha256;
use paygate_runtime::webhook::{self as shared, HeaderMap};
use paygate_runtime::{SecretString, js};
use serde::Deserialize;

use super::types;

pub use super::EventObject;
pub use paygate_runtime::webhook::WebhookError;

/// The header XStak puts the signature in (header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-signature";

/// The one documented event type.
pub const PAYMENT_INTENT_NOTIFICATION: &str = "PAYMENT_INTENT_NOTIFICATION";

/// A verified webhook. XStak sends no envelope: the body is the payload, typed by its `type`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The `type` field as sent (open: new types arrive as `Unknown`).
    pub type_: types::WebhookEventType,
    /// The body, typed by `type`.
    pub object: EventObject,
}

#[derive(Deserialize)]
struct TypeField {
    #[serde(rename = "type")]
    type_: types::WebhookEventType,
}

impl Event {
    /// Parses a body **without** verifying it (verify first: [`Verifier::construct_event`]).
    pub fn parse_unverified(body: &[u8]) -> Result<Event, WebhookError> {
        let payload: serde_json::Value = shared::parse_body(body)?;
        let TypeField { type_ } = serde_json::from_value(payload.clone())
            .map_err(|_| WebhookError::payload(None, "no string `type` field"))?;
        let object = EventObject::decode(type_.as_str(), payload)?;
        Ok(Event { type_, object })
    }
}

/// Checks `X-Signature` with the Webhook HMAC secret. Cheap to clone; `Debug` hides the secret.
#[derive(Clone, Debug)]
pub struct Verifier {
    secret: shared::WebhookSecret,
}

impl Verifier {
    /// `secret` is the dashboard's Webhook HMAC Secret, used as UTF-8 bytes. An empty secret
    /// is refused ([`WebhookError::InvalidSecret`]). There is no `.clock()` or `.tolerance()`:
    /// nothing signed carries a time (see the module docs on replays).
    pub fn new(secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        Ok(Verifier {
            secret: shared::WebhookSecret::new(secret)?,
        })
    }

    /// Checks `X-Signature` in `headers` against `body` as received, or as JavaScript
    /// re-serializes it. At most two HMACs, whatever the header holds.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        let signature = shared::signature_header(headers, SIGNATURE_HEADER)?;
        let key = self.secret.as_bytes();
        if shared::hex_matches(&hmac_sha256(key, &[body]), signature) {
            return Ok(());
        }
        match js::canonicalize(body) {
            Ok(canonical)
                if canonical.as_bytes() != body
                    && shared::hex_matches(
                        &hmac_sha256(key, &[canonical.as_bytes()]),
                        signature,
                    ) =>
            {
                Ok(())
            }
            _ => Err(WebhookError::BadSignature),
        }
    }

    /// Verifies, then parses the event.
    pub fn construct_event(&self, body: &[u8], headers: &HeaderMap) -> Result<Event, WebhookError> {
        self.verify(body, headers)?;
        Event::parse_unverified(body)
    }
}
