//! Webhook verification: FYATU's documented test vector, typed events, and every way a
//! webhook is rejected.

use collect_client::types::CollectionStatus;
use collect_client::webhook::{Event, EventObject, MAX_BODY_BYTES, Verifier, WebhookError};
use reqwest::header::HeaderMap;
use std::path::PathBuf;

fn with_secret(secret: &str) -> Verifier {
    Verifier::new(secret).expect("a secret")
}

/// FYATU signs in the body: no header is read.
trait Check {
    fn check(&self, body: &[u8]) -> Result<Event, WebhookError>;
}

impl Check for Verifier {
    fn check(&self, body: &[u8]) -> Result<Event, WebhookError> {
        self.construct_event(body, &HeaderMap::new())
    }
}

/// FYATU's documented test secret (used as text, not hex-decoded) and expected `sign`.
const DOC_SECRET: &str = "975127f2e7165836d99f54cf9c298da5b8bd43060bc0634e8cb3774e8bd6db4c";
const DOC_SIGN: &str = "c580cd5259a8d2289a22ca6f97af56ed5ebd8a7a783bf56636761ef9d59b1830";
const SECRET: &str = "whsec_test_collect_0123456789abcdef";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A body as FYATU builds it: `data` compact, `sign` over exactly those bytes.
fn signed(event: &str, data: &str, secret: &str) -> Vec<u8> {
    let sign = with_secret(secret).sign(data.as_bytes());
    format!(r#"{{"event":"{event}","version":"2.0","sign":"{sign}","data":{data}}}"#).into_bytes()
}

const RECEIVED: &str = r#"{"reference":"COL678A3B4C5D6E7","externalReference":"ORDER-12345","providerReference":"PAY-20260112-ABC123","amount":100,"charge":1.9,"netAmount":98.1,"currency":"USD","paymentMethod":"FYATU_BALANCE","customerEmail":"customer@example.com","customerPhone":"+12025559999","customerName":"John Doe","status":"COMPLETED","appId":"D0H6R7Z6R1C2N5O5","timestamp":"2026-01-12T18:30:00+00:00"}"#;

#[test]
fn documented_test_vector_pretty_body() {
    // The doc's body is pretty-printed; its `sign` is over the compact `data`.
    let body = fixture("doc/webhook_signature_test_vector.json");
    let event = with_secret(DOC_SECRET)
        .check(&body)
        .expect("doc vector verifies");
    assert_eq!(event.type_.as_str(), "card.funded");
    assert_eq!(event.version.as_deref(), Some("3.0"));
    assert_eq!(
        event.id.as_deref(),
        Some("112dff51-8275-4d60-9cd4-ad9aeb930478")
    );
    assert!(
        matches!(event.object, EventObject::Unknown { .. }),
        "card events are not collection events"
    );
}

#[test]
fn documented_test_vector_compact_body_and_sign() {
    let data = r#"{"cardId":"c78041e26160072b02e04e855ae8d6e5b5dedfe5b3c9edc9cd","cardholderId":"2d35aecc059dc46b68bdee8b3d009fe789a0","reference":"333550a7-aea3-4cfd-b250-6eacd18828fa","amount":5,"fee":0,"currency":"USD","appId":"F3R0Q8D1Z5B8O6F8","timestamp":"2026-05-10T23:18:45+00:00"}"#;
    assert_eq!(with_secret(DOC_SECRET).sign(data.as_bytes()), DOC_SIGN);
    let body = signed("card.funded", data, DOC_SECRET);
    assert!(with_secret(DOC_SECRET).check(&body).is_ok());
    // The secret is text: the same hex digits in upper case are a different key.
    let wrong = with_secret(&DOC_SECRET.to_uppercase());
    assert_eq!(wrong.check(&body), Err(WebhookError::BadSignature));
}

#[test]
fn raw_bytes_are_hashed_as_received() {
    // A sender that signs its own (non-compact) bytes must verify too.
    let data = "{ \"reference\": \"COL1\",\n  \"amount\": 100.50, \"status\": \"PENDING\" }";
    let sign = with_secret(SECRET).sign(data.as_bytes());
    let body = format!(r#"{{"event":"collection.initiated","sign":"{sign}","data":{data}}}"#);
    let event = with_secret(SECRET).check(body.as_bytes()).unwrap();
    match event.object {
        EventObject::CollectionInitiated(d) => {
            assert_eq!(d.reference, "COL1");
            assert_eq!(d.amount.unwrap().to_string(), "100.5");
            assert_eq!(d.status, Some(CollectionStatus::Pending));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn compact_re_serialization_is_accepted() {
    // Signed over JSON.stringify(data): `/` and non-ASCII unescaped. Delivered with escapes.
    let canonical =
        r#"{"reference":"COL1","checkoutUrl":"https://checkout.fyatu.com/x","description":"café"}"#;
    let sign = with_secret(SECRET).sign(canonical.as_bytes());
    let escaped = r#"{"reference": "COL1", "checkoutUrl": "https:\/\/checkout.fyatu.com\/x", "description": "caf\u00e9"}"#;
    let body = format!(r#"{{"event":"collection.initiated","sign":"{sign}","data":{escaped}}}"#);
    assert!(with_secret(SECRET).check(body.as_bytes()).is_ok());
}

#[test]
fn typed_collection_received() {
    let body = signed("collection.received", RECEIVED, SECRET);
    let event = with_secret(SECRET).check(&body).unwrap();
    assert_eq!(event.collection_id(), Some("COL678A3B4C5D6E7"));
    assert_eq!(event.order_id(), Some("ORDER-12345"));
    let EventObject::CollectionReceived(d) = event.object else {
        panic!()
    };
    assert_eq!(d.net_amount.unwrap().to_string(), "98.1");
    assert_eq!(d.status, Some(CollectionStatus::Completed));
}

#[test]
fn documented_event_payloads_parse() {
    for (name, id) in [
        ("doc/webhook_collection_initiated.json", "COL678A3B4C5D6E7"),
        ("doc/webhook_collection_received.json", "COL678A3B4C5D6E7"),
        ("doc/webhook_collection_completed.json", "col_a1b2c3d4e5f6"),
    ] {
        let event =
            Event::parse_unverified(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.collection_id(), Some(id), "{name}");
        assert!(
            !matches!(event.object, EventObject::Unknown { .. }),
            "{name}"
        );
    }
    let completed =
        Event::parse_unverified(&fixture("doc/webhook_collection_completed.json")).unwrap();
    assert_eq!(
        completed.timestamp.unwrap().as_str(),
        "2026-01-08T11:35:01+00:00"
    );
    // Their `sign` is a placeholder: verifying them must fail, not pass.
    assert!(matches!(
        with_secret(SECRET).check(&fixture("doc/webhook_collection_received.json")),
        Err(WebhookError::MalformedSignature { .. })
    ));
}

#[test]
fn unknown_events_and_fields_parse() {
    let event = Event::parse_unverified(&fixture("heldout/webhook_unknown_event.json")).unwrap();
    assert_eq!(event.type_.as_str(), "payout.completed");
    assert_eq!(event.collection_id(), None);
    let EventObject::Unknown { raw: v, .. } = &event.object else {
        panic!()
    };
    assert_eq!(v["payoutId"], "PO123");

    // A newer collection.received with nulls, non-ASCII and an extra field, signed for real.
    let raw: serde_json::Value =
        serde_json::from_slice(&fixture("heldout/webhook_collection_received.v3.json")).unwrap();
    let data = serde_json::to_string(&raw["data"]).unwrap();
    let event = with_secret(SECRET)
        .check(&signed("collection.received", &data, SECRET))
        .unwrap();
    let EventObject::CollectionReceived(d) = event.object else {
        panic!()
    };
    assert_eq!(d.customer_phone, Some(None));
    assert_eq!(
        d.customer_name.clone().flatten().as_deref(),
        Some("Amani “K” / Ünïcode")
    );
}

#[test]
fn rejections() {
    let verifier = with_secret(SECRET);
    let good = signed("collection.received", RECEIVED, SECRET);
    assert!(verifier.check(&good).is_ok());

    // Wrong secret.
    assert_eq!(
        with_secret("whsec_other").check(&good),
        Err(WebhookError::BadSignature)
    );
    // Tampered amount.
    let tampered = String::from_utf8(good.clone())
        .unwrap()
        .replace("\"amount\":100", "\"amount\":1000");
    assert_eq!(
        verifier.check(tampered.as_bytes()),
        Err(WebhookError::BadSignature)
    );
    // Signature over the whole envelope instead of `data`.
    let sign = verifier.sign(br#"{"event":"collection.received"}"#);
    let body = format!(r#"{{"event":"collection.received","sign":"{sign}","data":{RECEIVED}}}"#);
    assert_eq!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::BadSignature)
    );
    // Sign of another payload.
    let other = verifier.sign(b"{}");
    let body = format!(r#"{{"event":"collection.received","sign":"{other}","data":{RECEIVED}}}"#);
    assert_eq!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::BadSignature)
    );
    // Missing / empty sign.
    let body = format!(r#"{{"event":"collection.received","data":{RECEIVED}}}"#);
    assert!(matches!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::MissingSignature(_))
    ));
    let body = format!(r#"{{"event":"collection.received","sign":"","data":{RECEIVED}}}"#);
    assert!(matches!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::MissingSignature(_))
    ));
    // Malformed sign: not hex, wrong length, truncated.
    for bad in ["zz".repeat(32), "abcd".into(), DOC_SIGN[..63].to_string()] {
        let body = format!(r#"{{"event":"collection.received","sign":"{bad}","data":{RECEIVED}}}"#);
        assert!(
            matches!(
                verifier.check(body.as_bytes()),
                Err(WebhookError::MalformedSignature { .. })
            ),
            "{bad}"
        );
    }
    // Missing data / event.
    let body = format!(r#"{{"event":"collection.received","sign":"{other}"}}"#);
    assert!(matches!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::InvalidPayload { type_: None, .. })
    ));
    let sign = verifier.sign(RECEIVED.as_bytes());
    let body = format!(r#"{{"sign":"{sign}","data":{RECEIVED}}}"#);
    assert!(matches!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::InvalidPayload { type_: None, .. })
    ));
    // Not JSON, not an object, truncated, duplicate keys, wrong types.
    for bad in [&b"not json"[..], b"[]", b"", &good[..good.len() / 2]] {
        assert!(
            matches!(
                verifier.check(bad),
                Err(WebhookError::InvalidPayload { type_: None, .. })
            ),
            "{bad:?}"
        );
    }
    let dup = format!(
        r#"{{"event":"collection.received","sign":"{sign}","data":{RECEIVED},"data":{{}}}}"#
    );
    assert!(matches!(
        verifier.check(dup.as_bytes()),
        Err(WebhookError::InvalidPayload { type_: None, .. })
    ));
    let body = format!(r#"{{"event":7,"sign":"{sign}","data":{RECEIVED}}}"#);
    assert!(matches!(
        verifier.check(body.as_bytes()),
        Err(WebhookError::InvalidPayload { type_: None, .. })
    ));
    // Too large.
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        verifier.check(&huge),
        Err(WebhookError::TooLarge {
            len: MAX_BODY_BYTES + 1,
            max: MAX_BODY_BYTES
        })
    );
}

#[test]
fn signed_but_inconsistent_payloads_are_rejected() {
    let verifier = with_secret(SECRET);
    // A known event whose data has the wrong shape.
    let body = signed("collection.received", r#"{"reference":42}"#, SECRET);
    assert!(matches!(
        verifier.check(&body),
        Err(WebhookError::InvalidPayload { .. })
    ));
    // netAmount != amount - charge.
    let broken = RECEIVED.replace("\"netAmount\":98.1", "\"netAmount\":98.2");
    let body = signed("collection.received", &broken, SECRET);
    assert!(matches!(
        verifier.check(&body),
        Err(WebhookError::InvalidPayload { type_: Some(ref t), .. }) if t == "collection.received"
    ));
}

#[test]
fn errors_and_debug_never_show_the_secret() {
    let verifier = with_secret(SECRET);
    assert!(!format!("{verifier:?}").contains(SECRET));
    let err = verifier.check(b"{}").unwrap_err();
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn empty_secrets_are_refused() {
    // An empty key would accept any `sign` an attacker computes with an empty key.
    for secret in ["", "  "] {
        assert!(matches!(
            Verifier::new(secret),
            Err(WebhookError::InvalidSecret(_))
        ));
    }
}

#[test]
fn every_mapped_type_has_a_variant() {
    assert_eq!(
        EventObject::TYPES,
        [
            "collection.initiated",
            "collection.received",
            "collection.completed"
        ]
    );
}
