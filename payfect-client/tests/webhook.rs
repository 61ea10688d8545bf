//! Callback (webhook) verification against tokens from an independent Fernet implementation
//! (Python's `cryptography`, as Payfect uses), the default maximum age, and every failure mode.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use common::{fixture, python_fernet};
use payfect_client::types::{CallbackStatus, Network};
use payfect_client::webhook::{
    DEFAULT_TOLERANCE, Event, EventObject, SIGNATURE_HEADER, Verifier, WebhookError,
    token_issued_at,
};
use paygate_runtime::ManualClock;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};

fn verifier(key: &str) -> Verifier {
    Verifier::new(key).expect("valid key")
}

fn headers(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(SIGNATURE_HEADER, HeaderValue::from_str(token).unwrap());
    h
}

fn at(secs: i64) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(DateTime::from_timestamp(secs, 0).unwrap()))
}

#[test]
fn python_encrypted_callback_verifies_and_parses() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt(&key, body.as_bytes());

    let event = verifier(&key)
        .construct_event(body.as_bytes(), &headers(&token))
        .expect("authentic");
    assert_eq!(event.type_, CallbackStatus::Succeeded);
    assert_eq!(
        event.id.as_deref(),
        Some("ed8d24aa-a860-426b-8e56-87cb9f55a081")
    );
    let EventObject::Succeeded(cb) = event.object else {
        panic!("expected the success callback")
    };
    assert_eq!(cb.id, "ed8d24aa-a860-426b-8e56-87cb9f55a081");
    assert_eq!(cb.amount.to_string(), "20.00");
    assert_eq!(cb.status, CallbackStatus::Succeeded);
    assert_eq!(
        cb.payment_method.payment_method_detail.network,
        Network::Tron
    );
    assert!(!cb.is_livemode);
    // Header names are case-insensitive.
    let mut h = HeaderMap::new();
    h.insert(
        "x-payfect-signature",
        HeaderValue::from_str(&token).unwrap(),
    );
    assert!(verifier(&key).verify(body.as_bytes(), &h).is_ok());
}

#[test]
fn plaintext_and_body_are_compared_as_json_not_bytes() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    // Python's json.dumps escapes non-ASCII and uses ", " separators; the body is compact
    // UTF-8 with other key order. Same JSON value.
    let signed = r#"{"id": "c1", "amount": "20.00", "status": "succeeded", "currency": "usdt", "merchant": "m", "is_livemode": false, "payment_intent": "pi", "payment_method": {"id": "pm", "payment_method_detail": {"network": "tron", "currency": "usdt"}}, "client_reference_id": "\u9811\u78bc"}"#;
    let body = r#"{"client_reference_id":"頑碼","amount":"20.00","currency":"usdt","id":"c1","is_livemode":false,"merchant":"m","payment_intent":"pi","payment_method":{"payment_method_detail":{"currency":"usdt","network":"tron"},"id":"pm"},"status":"succeeded"}"#;
    let token = py.encrypt(&key, signed.as_bytes());
    let event = verifier(&key)
        .construct_event(body.as_bytes(), &headers(&token))
        .expect("equal JSON");
    let EventObject::Succeeded(cb) = event.object else {
        panic!()
    };
    assert_eq!(
        cb.client_reference_id.clone().flatten().as_deref(),
        Some("頑碼")
    );
}

#[test]
fn a_tampered_body_is_a_bad_signature() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt(&key, body.as_bytes());
    for tampered in [
        body.replace("\"20.00\"", "\"2000.00\""),
        // Same number, other scale: money must match exactly.
        body.replace("\"20.00\"", "\"20.0\""),
        body.replace("\"is_livemode\": false", "\"is_livemode\": true"),
        body.replace("\"succeeded\"", "\"succeeded\", \"extra\": 1"),
    ] {
        assert_ne!(tampered, body);
        let err = verifier(&key)
            .verify(tampered.as_bytes(), &headers(&token))
            .unwrap_err();
        assert_eq!(err, WebhookError::BadSignature);
    }
}

#[test]
fn a_token_from_another_key_or_modified_is_a_bad_signature() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let other = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt(&other, body.as_bytes());
    let err = verifier(&key)
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert_eq!(err, WebhookError::BadSignature);

    let token = py.encrypt(&key, body.as_bytes());
    // Flip one character in the ciphertext area.
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let modified: String = chars.into_iter().collect();
    let err = verifier(&key)
        .verify(body.as_bytes(), &headers(&modified))
        .unwrap_err();
    assert_eq!(err, WebhookError::BadSignature);

    for garbage in ["x", "not a token", "gAAAAA", &"A".repeat(500)] {
        let err = verifier(&key)
            .verify(body.as_bytes(), &headers(garbage))
            .unwrap_err();
        assert_eq!(err, WebhookError::BadSignature, "{garbage}");
    }
}

#[test]
fn an_hour_old_token_is_refused_by_default() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let issued = Utc::now().timestamp() - 3600;
    let token = py.encrypt_at(&key, body.as_bytes(), issued);
    assert_eq!(token_issued_at(&token).unwrap().timestamp(), issued);

    // The default window is 5 minutes: an hour-old token is a replay.
    let err = verifier(&key)
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    match err {
        WebhookError::Stale {
            signed_at,
            now,
            tolerance,
        } => {
            assert_eq!(signed_at, issued);
            assert!(now - signed_at >= 3600);
            assert_eq!(tolerance, DEFAULT_TOLERANCE);
        }
        other => panic!("expected Stale, got {other:?}"),
    }
    // Overridable.
    verifier(&key)
        .tolerance(Duration::from_secs(2 * 3600))
        .verify(body.as_bytes(), &headers(&token))
        .expect("within two hours");
}

#[test]
fn a_year_old_token_is_refused_by_default() {
    // No Python needed: the fernet crate signs at a chosen time through the injected clock.
    let key = "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=";
    let body = fixture("checkout_callback.json");
    let token = fernet::Fernet::new(key).unwrap().encrypt(body.as_bytes());
    let year_later = Utc::now() + TimeDelta::days(365);
    let err = verifier(key)
        .clock(Arc::new(ManualClock::new(year_later)))
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert!(matches!(err, WebhookError::Stale { .. }), "{err:?}");
}

#[test]
fn the_tolerance_is_measured_on_the_injected_clock() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let issued = 1_700_000_000;
    let token = py.encrypt_at(&key, body.as_bytes(), issued);
    let v = verifier(&key).tolerance(Duration::from_secs(60));
    v.clone()
        .clock(at(issued + 60))
        .verify(body.as_bytes(), &headers(&token))
        .expect("exactly at the limit");
    let err = v
        .clock(at(issued + 61))
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert!(matches!(err, WebhookError::Stale { .. }), "{err:?}");
}

#[test]
fn a_token_from_the_future_is_refused() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt_at(&key, body.as_bytes(), Utc::now().timestamp() + 3600);
    let err = verifier(&key)
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert_eq!(err, WebhookError::BadSignature);
}

#[test]
fn bad_json_on_either_side_is_reported_as_such() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");

    let token = py.encrypt(&key, b"not json");
    let err = verifier(&key)
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::InvalidPayload { type_: None, ref reason } if reason.contains(SIGNATURE_HEADER)),
        "{err:?}"
    );

    let token = py.encrypt(&key, body.as_bytes());
    for bad_body in [&b"{"[..], b"", b"<html>", &[0xff, 0xfe][..]] {
        let err = verifier(&key)
            .verify(bad_body, &headers(&token))
            .unwrap_err();
        assert!(
            matches!(err, WebhookError::InvalidPayload { type_: None, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("not an event"), "{err}");
    }
}

#[test]
fn authentic_json_of_another_shape_names_the_type() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = br#"{"id": "c1", "status": "succeeded"}"#;
    let token = py.encrypt(&key, body);
    let err = verifier(&key)
        .construct_event(body, &headers(&token))
        .unwrap_err();
    assert!(
        matches!(err, WebhookError::InvalidPayload { type_: Some(ref t), .. } if t == "succeeded"),
        "{err:?}"
    );
    // A status Payfect may add later is kept whole, not refused.
    let body = br#"{"id": "c1", "status": "refunded", "amount": "1.00"}"#;
    let token = py.encrypt(&key, body);
    let event = verifier(&key)
        .construct_event(body, &headers(&token))
        .expect("authentic");
    let EventObject::Unknown { type_, raw } = event.object else {
        panic!()
    };
    assert_eq!(type_, "refunded");
    assert_eq!(raw["amount"], "1.00");
}

#[test]
fn rust_made_tokens_verify_too() {
    // No Python needed: the fernet crate on both sides, with a key Python would produce.
    let key = "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=";
    let body = fixture("checkout_callback.json");
    let token = fernet::Fernet::new(key).unwrap().encrypt(body.as_bytes());
    verifier(key)
        .construct_event(body.as_bytes(), &headers(&token))
        .expect("authentic");
    // Decided on the injected clock: two hours later the token is over a one-hour limit.
    let later = Utc::now() + TimeDelta::hours(2);
    let err = verifier(key)
        .tolerance(Duration::from_secs(3600))
        .clock(Arc::new(ManualClock::new(later)))
        .verify(body.as_bytes(), &headers(&token))
        .unwrap_err();
    assert!(matches!(err, WebhookError::Stale { .. }), "{err:?}");
}

#[test]
fn the_documented_payload_parses() {
    let event = Event::parse_unverified(fixture("checkout_callback.json").as_bytes())
        .expect("documented payload");
    assert!(matches!(event.object, EventObject::Succeeded(_)));
    assert_eq!(EventObject::TYPES, ["succeeded"]);
}

#[test]
fn bad_keys_and_missing_signatures_are_their_own_errors() {
    for bad in [
        "",
        "not-a-key",
        "cGF5Z2F0ZS1zYW5kYm94",                         // 15 bytes
        "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISEh", // 33 bytes
        "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0I*E=", // not base64
    ] {
        let err = Verifier::new(bad).unwrap_err();
        assert!(
            matches!(err, WebhookError::InvalidSecret(_)),
            "{bad}: {err:?}"
        );
        assert!(!err.to_string().contains(bad) || bad.is_empty());
    }
    // Surrounding whitespace (a pasted key) and standard base64 (which Python accepts) are
    // tolerated.
    Verifier::new(" cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=\n").expect("trimmed");
    Verifier::new("cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0+/E=").expect("standard alphabet");

    let v = verifier("cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=");
    let err = v.verify(b"{}", &HeaderMap::new()).unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature(SIGNATURE_HEADER));
    let err = v.verify(b"{}", &headers("  ")).unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature(SIGNATURE_HEADER));
}

#[test]
fn debug_never_shows_the_key() {
    let key = "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=";
    let v = verifier(key).tolerance(Duration::from_secs(5));
    let debug = format!("{v:?}");
    assert!(!debug.contains(key), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random header bytes and megabyte tokens: an error, never a panic or a long echo.
    #[test]
    fn hostile_headers_never_panic(
        raw in proptest::collection::vec(any::<u8>(), 0..4096),
        pad in 0usize..(1 << 20),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let v = verifier("cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=");
        let mut candidates = vec![HeaderValue::from_str(&format!("gAAAAA{}", "A".repeat(pad))).unwrap()];
        if let Ok(h) = HeaderValue::from_bytes(&raw) {
            candidates.push(h);
        }
        for value in candidates {
            let mut h = HeaderMap::new();
            h.insert(SIGNATURE_HEADER, value);
            let err = v.construct_event(&body, &h).expect_err("not a token of this key");
            prop_assert!(err.to_string().len() < 400);
        }
    }
}
