//! FYATU's IPN webhooks: verification and typed events.
//!
//! FYATU POSTs JSON to the collection's `webhookUrl` (or the app's dashboard URL):
//!
//! ```json
//! {"event": "collection.received", "version": "2.0", "sign": "<hex>", "data": {…}}
//! ```
//!
//! `sign` is the lowercase-hex HMAC-SHA256 of the **`data` value alone**, keyed with the
//! webhook secret used as its UTF-8 text (not hex-decoded). FYATU's newer page says to hash the
//! exact bytes of `data` as received; its older page says to re-encode `data` compactly. The
//! verifier accepts either: the raw bytes first, then the same value written compactly
//! (whitespace removed, original order), then `JSON.stringify` of it. Comparison is
//! constant-time. No timestamp is signed, so FYATU webhooks carry no replay window of their
//! own: deduplicate on `eventId` (newer payloads) or on `event` + collection id.
//!
//! **A verified webhook is still not proof of payment.** FYATU's advice, and this crate's:
//! acknowledge quickly (2xx within 10 s), then confirm with
//! [`CollectClient::confirm_webhook`](crate::CollectClient::confirm_webhook), which reads the
//! collection with `GET /collections/{id}`, and fulfil only if
//! [`Collection::is_paid`](crate::types::Collection::is_paid) holds for the amount you expect.
//!
//! ```
//! use collect_client::webhook::{EventData, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::new("975127f2e7165836d99f54cf9c298da5b8bd43060bc0634e8cb3774e8bd6db4c");
//! let body = br#"{"event":"card.funded","version":"3.0","eventId":"112dff51-8275-4d60-9cd4-ad9aeb930478","sign":"c580cd5259a8d2289a22ca6f97af56ed5ebd8a7a783bf56636761ef9d59b1830","data":{"cardId":"c78041e26160072b02e04e855ae8d6e5b5dedfe5b3c9edc9cd","cardholderId":"2d35aecc059dc46b68bdee8b3d009fe789a0","reference":"333550a7-aea3-4cfd-b250-6eacd18828fa","amount":5,"fee":0,"currency":"USD","appId":"F3R0Q8D1Z5B8O6F8","timestamp":"2026-05-10T23:18:45+00:00"}}"#;
//! let event = verifier.verify(body).unwrap();
//! assert_eq!(event.event, "card.funded");
//! assert!(matches!(event.data, EventData::Unknown(_)));
//! ```

use crate::CollectClient;
use crate::callback::CallbackRedirect;
use crate::error::Error;
use crate::money::Checked;
use crate::time::Timestamp;
use crate::types;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

/// Bodies larger than this are refused unread (FYATU's payloads are well under 10 KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The collection events FYATU documents.
pub const COLLECTION_INITIATED: &str = "collection.initiated";
pub const COLLECTION_RECEIVED: &str = "collection.received";
/// Unconfirmed: named on the collections concepts page only.
pub const COLLECTION_COMPLETED: &str = "collection.completed";

/// Why a webhook was rejected. The `Display` text is safe to log (no secret, no signature).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// Over [`MAX_BODY_BYTES`].
    TooLarge(usize),
    /// Not a JSON object, or a field of the envelope has the wrong type.
    Malformed(String),
    /// A required envelope field is absent (`event`, `data`).
    MissingField(&'static str),
    /// No `sign` (or an empty one).
    MissingSignature,
    /// `sign` is not 64 hex digits.
    MalformedSignature,
    /// `sign` does not match the payload under this secret.
    SignatureMismatch,
    /// A known event whose `data` does not have the documented shape.
    InvalidPayload { event: String, reason: String },
    /// A known event whose amounts break `netAmount = amount − fee`.
    AmountMismatch(String),
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::TooLarge(n) => write!(f, "webhook body of {n} bytes is too large"),
            WebhookError::Malformed(m) => write!(f, "webhook body is not a FYATU event: {m}"),
            WebhookError::MissingField(field) => write!(f, "webhook body has no `{field}`"),
            WebhookError::MissingSignature => f.write_str("webhook body has no `sign`"),
            WebhookError::MalformedSignature => {
                f.write_str("webhook `sign` is not a hex HMAC-SHA256")
            }
            WebhookError::SignatureMismatch => {
                f.write_str("webhook `sign` does not match: wrong secret or altered payload")
            }
            WebhookError::InvalidPayload { event, reason } => {
                write!(f, "webhook `{event}` has an unexpected payload: {reason}")
            }
            WebhookError::AmountMismatch(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for WebhookError {}

/// The typed `data` of an event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// `collection.initiated`: a checkout session was created.
    CollectionInitiated(types::CollectionInitiatedData),
    /// `collection.received`: a payment succeeded.
    CollectionReceived(types::CollectionReceivedData),
    /// `collection.completed` (unconfirmed variant from the concepts page).
    CollectionCompleted(types::CollectionCompletedData),
    /// Any other event (payouts, refunds, cards, events FYATU adds later), kept as JSON.
    Unknown(serde_json::Value),
}

/// A FYATU webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The event name as sent (`collection.received`).
    pub event: String,
    /// `"2.0"` on the collection event pages, `"3.0"` on newer ones.
    pub version: Option<String>,
    /// Present in `"3.0"` payloads; the deduplication key.
    pub event_id: Option<String>,
    /// The envelope's own `timestamp` (concepts-page variant only).
    pub timestamp: Option<Timestamp>,
    pub data: EventData,
}

impl WebhookEvent {
    /// Parses a webhook **without verifying it**. For logging, tests and the unsigned
    /// `collection.completed` variant; never act on an event parsed this way.
    pub fn parse_unverified(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let envelope = Envelope::read(body)?;
        envelope.into_event()
    }

    /// The collection the event is about: `reference` in `collection.initiated` /
    /// `collection.received` (FYATU's webhook `reference` is the collection id, the checkout's
    /// `batch`, not the REST "human-readable reference"), `collectionId` in
    /// `collection.completed`.
    pub fn collection_id(&self) -> Option<&str> {
        match &self.data {
            EventData::CollectionInitiated(d) => Some(&d.reference),
            EventData::CollectionReceived(d) => Some(&d.reference),
            EventData::CollectionCompleted(d) => Some(&d.collection_id),
            EventData::Unknown(_) => None,
        }
    }

    /// Your `orderId` (`externalReference` in webhooks).
    pub fn order_id(&self) -> Option<&str> {
        match &self.data {
            EventData::CollectionInitiated(d) => d.external_reference.as_deref(),
            EventData::CollectionReceived(d) => d.external_reference.as_deref(),
            EventData::CollectionCompleted(d) => d.order_id.as_deref(),
            EventData::Unknown(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    event: Option<String>,
    version: Option<serde_json::Value>,
    #[serde(rename = "eventId")]
    event_id: Option<String>,
    sign: Option<String>,
    timestamp: Option<Timestamp>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    fn read(body: &'a [u8]) -> Result<Envelope<'a>, WebhookError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(WebhookError::TooLarge(body.len()));
        }
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))
    }

    fn into_event(self) -> Result<WebhookEvent, WebhookError> {
        let event = self.event.ok_or(WebhookError::MissingField("event"))?;
        let data = self.data.ok_or(WebhookError::MissingField("data"))?;
        let invalid = |e: serde_json::Error| WebhookError::InvalidPayload {
            event: event.clone(),
            reason: e.to_string(),
        };
        let data = match event.as_str() {
            COLLECTION_INITIATED => {
                EventData::CollectionInitiated(serde_json::from_str(data.get()).map_err(invalid)?)
            }
            COLLECTION_RECEIVED => {
                let d: types::CollectionReceivedData =
                    serde_json::from_str(data.get()).map_err(invalid)?;
                d.check().map_err(WebhookError::AmountMismatch)?;
                EventData::CollectionReceived(d)
            }
            COLLECTION_COMPLETED => {
                let d: types::CollectionCompletedData =
                    serde_json::from_str(data.get()).map_err(invalid)?;
                d.check().map_err(WebhookError::AmountMismatch)?;
                EventData::CollectionCompleted(d)
            }
            _ => EventData::Unknown(serde_json::from_str(data.get()).map_err(invalid)?),
        };
        let version = self.version.map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(WebhookEvent {
            event,
            version,
            event_id: self.event_id,
            timestamp: self.timestamp,
            data,
        })
    }
}

/// Verifies webhooks with the app's webhook secret (`whsec_…`, from
/// `POST /webhooks/secret/regenerate`).
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: SecretString,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookVerifier { secret: [REDACTED] }")
    }
}

impl WebhookVerifier {
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookVerifier {
            secret: SecretString::from(secret.into()),
        }
    }

    pub fn from_secret(secret: SecretString) -> Self {
        WebhookVerifier { secret }
    }

    /// The `sign` FYATU puts on `data` (lowercase hex). For tests and local senders.
    pub fn sign(&self, data: &[u8]) -> String {
        paygate_runtime::signature::hmac_sha256_hex(self.secret.expose_secret().as_bytes(), data)
    }

    /// Checks `sign` against the raw request body, then parses the event.
    ///
    /// Pass the body exactly as received, before any JSON parsing.
    pub fn verify(&self, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let envelope = Envelope::read(body)?;
        let sign = envelope
            .sign
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(WebhookError::MissingSignature)?;
        if sign.len() != 64 || !sign.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(WebhookError::MalformedSignature);
        }
        let data = envelope.data.ok_or(WebhookError::MissingField("data"))?;
        if !self.matches(data.get(), sign) {
            return Err(WebhookError::SignatureMismatch);
        }
        envelope.into_event()
    }

    /// The raw bytes, then the compact forms FYATU's older docs describe.
    fn matches(&self, raw: &str, sign: &str) -> bool {
        let key = self.secret.expose_secret().as_bytes();
        let check = |text: &str| {
            paygate_runtime::signature::verify_hmac_sha256_hex(key, &[text.as_bytes()], sign)
        };
        if check(raw) {
            return true;
        }
        let compact = compact(raw);
        if compact != raw && check(&compact) {
            return true;
        }
        match paygate_runtime::js::canonicalize(raw.as_bytes()) {
            Ok(canonical) if canonical != compact => check(&canonical),
            _ => false,
        }
    }
}

/// `raw` with the whitespace between tokens removed; strings, numbers and key order untouched.
fn compact(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in raw.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}

impl CollectClient {
    /// Confirms a webhook the way FYATU requires before fulfilling: reads the collection it
    /// names with `GET /collections/{id}`. Check the result with
    /// [`Collection::is_paid`](crate::types::Collection::is_paid).
    pub async fn confirm_webhook(&self, event: &WebhookEvent) -> Result<types::Collection, Error> {
        let id = event.collection_id().ok_or_else(|| {
            Error::InvalidRequest(format!(
                "webhook `{}` names no collection to confirm",
                event.event
            ))
        })?;
        self.get_collection(id).await
    }

    /// Confirms a browser redirect: reads the collection its `batch` names.
    pub async fn confirm_callback(
        &self,
        redirect: &CallbackRedirect,
    ) -> Result<types::Collection, Error> {
        self.get_collection(&redirect.batch).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_keeps_strings() {
        assert_eq!(
            compact("{ \"a b\" : [1, 2],\n \"c\": \"x \\\" y\" }"),
            "{\"a b\":[1,2],\"c\":\"x \\\" y\"}"
        );
    }
}
