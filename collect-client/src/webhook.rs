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
//! constant-time. The signature travels in the body, not in a header, so
//! [`Verifier::construct_event`] reads no header; it takes them for the shape every client's
//! verifier shares.
//!
//! **Replays.** No timestamp is signed (the envelope's `eventId` and `timestamp` are outside
//! `sign`), so a captured delivery verifies forever and there is no `.clock()` or
//! `.tolerance()`. Deduplicate on what `data` signs (the collection `reference` with the event
//! type; `eventId` only as a hint, since it is unsigned), and confirm with a GET before acting.
//!
//! **A verified webhook is still not proof of payment.** FYATU's advice, and this crate's:
//! acknowledge quickly (2xx within 10 s), then confirm with
//! [`CollectClient::confirm_webhook`](crate::CollectClient::confirm_webhook), which reads the
//! collection with `GET /collections/{id}`, and fulfil only if
//! [`Collection::is_paid`](crate::types::Collection::is_paid) holds for the amount you expect.
//!
//! ```
//! use collect_client::webhook::{EventObject, Verifier};
//!
//! let verifier = Verifier::new("975127f2e7165836d99f54cf9c298da5b8bd43060bc0634e8cb3774e8bd6db4c")?;
//! let body = br#"{"event":"card.funded","version":"3.0","eventId":"112dff51-8275-4d60-9cd4-ad9aeb930478","sign":"c580cd5259a8d2289a22ca6f97af56ed5ebd8a7a783bf56636761ef9d59b1830","data":{"cardId":"c78041e26160072b02e04e855ae8d6e5b5dedfe5b3c9edc9cd","cardholderId":"2d35aecc059dc46b68bdee8b3d009fe789a0","reference":"333550a7-aea3-4cfd-b250-6eacd18828fa","amount":5,"fee":0,"currency":"USD","appId":"F3R0Q8D1Z5B8O6F8","timestamp":"2026-05-10T23:18:45+00:00"}}"#;
//! let event = verifier.construct_event(body, &Default::default())?;
//! assert_eq!(event.type_.as_str(), "card.funded");
//! assert!(matches!(event.object, EventObject::Unknown { .. }));
//! # Ok::<(), collect_client::webhook::WebhookError>(())
//! ```

use crate::CollectClient;
use crate::callback::CallbackRedirect;
use crate::error::Error;
use crate::money::Checked;
use crate::time::Timestamp;
use crate::types;
use paygate_runtime::webhook::{self as shared, HeaderMap};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::value::RawValue;

pub use crate::EventObject;
pub use paygate_runtime::webhook::WebhookError;

/// Bodies larger than this are refused unread (FYATU's payloads are well under 10 KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where the signature is read from (a body field, not a header).
const SIGN_FIELD: &str = "`sign` field";

/// A FYATU webhook.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// `eventId`, present in `"3.0"` payloads. Unsigned: a hint for deduplication, not proof.
    pub id: Option<String>,
    /// The `event` as sent (`collection.received`); open, new types arrive as `Unknown`.
    pub type_: types::WebhookEventType,
    /// `"2.0"` on the collection event pages, `"3.0"` on newer ones.
    pub version: Option<String>,
    /// The envelope's own `timestamp` (concepts-page variant only).
    pub timestamp: Option<Timestamp>,
    /// `data`, typed by `event`.
    pub object: EventObject,
}

impl Event {
    /// Parses a webhook **without verifying it**. For logging, tests and the unsigned
    /// `collection.completed` variant; never act on an event parsed this way.
    pub fn parse_unverified(body: &[u8]) -> Result<Event, WebhookError> {
        Envelope::read(body)?.into_event()
    }

    /// The collection the event is about: `reference` in `collection.initiated` /
    /// `collection.received` (FYATU's webhook `reference` is the collection id, the checkout's
    /// `batch`, not the REST "human-readable reference"), `collectionId` in
    /// `collection.completed`.
    pub fn collection_id(&self) -> Option<&str> {
        match &self.object {
            EventObject::CollectionInitiated(d) => Some(&d.reference),
            EventObject::CollectionReceived(d) => Some(&d.reference),
            EventObject::CollectionCompleted(d) => Some(&d.collection_id),
            _ => None,
        }
    }

    /// Your `orderId` (`externalReference` in webhooks).
    pub fn order_id(&self) -> Option<&str> {
        match &self.object {
            EventObject::CollectionInitiated(d) => d.external_reference.as_deref(),
            EventObject::CollectionReceived(d) => d.external_reference.as_deref(),
            EventObject::CollectionCompleted(d) => d.order_id.as_deref(),
            _ => None,
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
            return Err(WebhookError::TooLarge {
                len: body.len(),
                max: MAX_BODY_BYTES,
            });
        }
        shared::parse_body(body)
    }

    fn data(&self) -> Result<&'a RawValue, WebhookError> {
        self.data
            .ok_or_else(|| WebhookError::payload(None, "no `data`"))
    }

    fn into_event(self) -> Result<Event, WebhookError> {
        let data = self.data()?;
        let event = self
            .event
            .ok_or_else(|| WebhookError::payload(None, "no `event`"))?;
        let payload =
            serde_json::from_str(data.get()).map_err(|e| WebhookError::payload(Some(&event), e))?;
        let object = EventObject::decode(&event, payload)?;
        let amounts = match &object {
            EventObject::CollectionReceived(d) => d.check(),
            EventObject::CollectionCompleted(d) => d.check(),
            _ => Ok(()),
        };
        amounts.map_err(|why| WebhookError::payload(Some(&event), why))?;
        let version = self.version.map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(Event {
            id: self.event_id,
            type_: event.into(),
            version,
            timestamp: self.timestamp,
            object,
        })
    }
}

/// Verifies webhooks with the app's webhook secret (`whsec_…`, from
/// `POST /webhooks/secret/regenerate`). Cheap to clone; `Debug` hides the secret.
#[derive(Clone, Debug)]
pub struct Verifier {
    secret: shared::WebhookSecret,
}

impl Verifier {
    /// A verifier for the app's webhook secret. An empty secret is refused
    /// ([`WebhookError::InvalidSecret`]).
    pub fn new(secret: impl Into<SecretString>) -> Result<Self, WebhookError> {
        Ok(Verifier {
            secret: shared::WebhookSecret::new(secret)?,
        })
    }

    /// The `sign` FYATU puts on `data` (lowercase hex). For tests and local senders.
    pub fn sign(&self, data: &[u8]) -> String {
        paygate_runtime::signature::hmac_sha256_hex(self.secret.as_bytes(), data)
    }

    /// Checks `sign` against the raw bytes of `data` in `body`. `headers` are not read: FYATU
    /// signs in the body. Pass the body exactly as received, before any JSON parsing.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<(), WebhookError> {
        self.verified(body, headers).map(drop)
    }

    /// Verifies, then parses the event.
    pub fn construct_event(&self, body: &[u8], headers: &HeaderMap) -> Result<Event, WebhookError> {
        self.verified(body, headers)?.into_event()
    }

    fn verified<'a>(&self, body: &'a [u8], _: &HeaderMap) -> Result<Envelope<'a>, WebhookError> {
        let envelope = Envelope::read(body)?;
        let sign = envelope
            .sign
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(WebhookError::MissingSignature(SIGN_FIELD))?;
        if sign.len() != 64 || !sign.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(WebhookError::malformed(SIGN_FIELD, "not 64 hex digits"));
        }
        if !self.matches(envelope.data()?.get(), sign) {
            return Err(WebhookError::BadSignature);
        }
        Ok(envelope)
    }

    /// The raw bytes, then the compact forms FYATU's older docs describe. One HMAC per form.
    fn matches(&self, raw: &str, sign: &str) -> bool {
        let key = self.secret.as_bytes();
        let check = |text: &str| {
            shared::hex_matches(
                &paygate_runtime::signature::hmac_sha256(key, &[text.as_bytes()]),
                sign,
            )
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
    pub async fn confirm_webhook(&self, event: &Event) -> Result<types::Collection, Error> {
        let id = event.collection_id().ok_or_else(|| {
            Error::InvalidRequest(format!(
                "webhook `{}` names no collection to confirm",
                event.type_
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
