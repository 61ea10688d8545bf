//! Callback verification against tokens from an independent Fernet implementation (Python's
//! `cryptography`, as Payfect uses), and every failure mode.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::{fixture, python_fernet};
use payfect_client::callback::{
    CallbackError, CallbackVerifier, JsonPart, SIGNATURE_HEADER, token_issued_at,
};
use payfect_client::types::{CallbackStatus, Network};
use reqwest::header::{HeaderMap, HeaderValue};

fn verifier(key: &str) -> CallbackVerifier {
    CallbackVerifier::new(key.to_owned().into()).expect("valid key")
}

#[test]
fn python_encrypted_callback_verifies_and_parses() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt(&key, body.as_bytes());

    let cb = verifier(&key)
        .verify(&token, body.as_bytes())
        .expect("authentic");
    assert_eq!(cb.id, "ed8d24aa-a860-426b-8e56-87cb9f55a081");
    assert_eq!(cb.amount.to_string(), "20.00");
    assert_eq!(cb.status, CallbackStatus::Succeeded);
    assert_eq!(
        cb.payment_method.payment_method_detail.network,
        Network::Tron
    );
    assert!(!cb.is_livemode);

    // Through the headers, with a max age that the fresh token meets.
    let mut headers = HeaderMap::new();
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&token).unwrap());
    let cb2 = verifier(&key)
        .max_age(Duration::from_secs(300))
        .verify_headers(&headers, body.as_bytes())
        .expect("authentic and fresh");
    assert_eq!(cb2, cb);
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
    let cb = verifier(&key)
        .verify(&token, body.as_bytes())
        .expect("equal JSON");
    assert_eq!(
        cb.client_reference_id.clone().flatten().as_deref(),
        Some("頑碼")
    );
}

#[test]
fn a_tampered_body_is_a_mismatch() {
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
            .verify(&token, tampered.as_bytes())
            .unwrap_err();
        assert!(matches!(err, CallbackError::Mismatch), "{err:?}");
    }
}

#[test]
fn a_token_from_another_key_or_modified_is_invalid() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let other = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt(&other, body.as_bytes());
    let err = verifier(&key).verify(&token, body.as_bytes()).unwrap_err();
    assert!(matches!(err, CallbackError::InvalidToken), "{err:?}");

    let token = py.encrypt(&key, body.as_bytes());
    // Flip one character in the ciphertext area.
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let modified: String = chars.into_iter().collect();
    let err = verifier(&key)
        .verify(&modified, body.as_bytes())
        .unwrap_err();
    assert!(matches!(err, CallbackError::InvalidToken), "{err:?}");

    for garbage in ["x", "not a token", "gAAAAA", &"A".repeat(500), "💥"] {
        let err = verifier(&key).verify(garbage, body.as_bytes()).unwrap_err();
        assert!(
            matches!(err, CallbackError::InvalidToken),
            "{garbage}: {err:?}"
        );
    }
}

#[test]
fn an_old_token_is_expired_only_when_a_max_age_is_set() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let issued = Utc::now().timestamp() - 3600;
    let token = py.encrypt_at(&key, body.as_bytes(), issued);
    assert_eq!(token_issued_at(&token).unwrap().timestamp(), issued);

    // Without a maximum age an hour-old token is fine…
    verifier(&key)
        .verify(&token, body.as_bytes())
        .expect("no max age");
    verifier(&key)
        .max_age(Duration::from_secs(2 * 3600))
        .verify(&token, body.as_bytes())
        .expect("within two hours");
    // …with ten minutes it is not.
    let err = verifier(&key)
        .max_age(Duration::from_secs(600))
        .verify(&token, body.as_bytes())
        .unwrap_err();
    match err {
        CallbackError::Expired {
            issued_at,
            age,
            max_age,
        } => {
            assert_eq!(issued_at.timestamp(), issued);
            assert!(age >= Duration::from_secs(3600));
            assert_eq!(max_age, Duration::from_secs(600));
        }
        other => panic!("expected Expired, got {other:?}"),
    }
}

#[test]
fn the_max_age_is_measured_on_the_injected_clock() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let issued = 1_700_000_000;
    let token = py.encrypt_at(&key, body.as_bytes(), issued);
    let at = |secs: i64| move || chrono::DateTime::from_timestamp(secs, 0).unwrap();
    let v = verifier(&key).max_age(Duration::from_secs(60));
    v.clone()
        .clock(at(issued + 60))
        .verify(&token, body.as_bytes())
        .expect("exactly at the limit");
    let err = v
        .clock(at(issued + 61))
        .verify(&token, body.as_bytes())
        .unwrap_err();
    assert!(matches!(err, CallbackError::Expired { .. }), "{err:?}");
}

#[test]
fn a_token_from_the_future_is_invalid() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");
    let token = py.encrypt_at(&key, body.as_bytes(), Utc::now().timestamp() + 3600);
    let err = verifier(&key).verify(&token, body.as_bytes()).unwrap_err();
    assert!(matches!(err, CallbackError::InvalidToken), "{err:?}");
}

#[test]
fn bad_json_on_either_side_is_reported_as_such() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = fixture("checkout_callback.json");

    let token = py.encrypt(&key, b"not json");
    let err = verifier(&key).verify(&token, body.as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            CallbackError::InvalidJson {
                part: JsonPart::Plaintext,
                ..
            }
        ),
        "{err:?}"
    );

    let token = py.encrypt(&key, body.as_bytes());
    for bad_body in [&b"{"[..], b"", b"<html>", &[0xff, 0xfe][..]] {
        let err = verifier(&key).verify(&token, bad_body).unwrap_err();
        assert!(
            matches!(
                err,
                CallbackError::InvalidJson {
                    part: JsonPart::Body,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("body is not valid JSON"), "{err}");
    }
}

#[test]
fn authentic_json_of_another_shape_is_an_invalid_payload_but_readable_raw() {
    let Some(py) = python_fernet() else { return };
    let key = py.key();
    let body = br#"{"id": "c1", "status": "succeeded"}"#;
    let token = py.encrypt(&key, body);
    let err = verifier(&key).verify(&token, body).unwrap_err();
    assert!(matches!(err, CallbackError::InvalidPayload(_)), "{err:?}");
    let raw = verifier(&key)
        .verify_value(&token, body)
        .expect("authentic");
    assert_eq!(raw["status"], "succeeded");
}

#[test]
fn rust_made_tokens_verify_too() {
    // No Python needed: the fernet crate on both sides, with a key Python would produce.
    let key = "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=";
    let body = fixture("checkout_callback.json");
    let token = fernet::Fernet::new(key).unwrap().encrypt(body.as_bytes());
    verifier(key)
        .verify(&token, body.as_bytes())
        .expect("authentic");
    // Decided on the injected clock: two hours later the token is over a one-hour limit.
    let later = Utc::now() + TimeDelta::hours(2);
    let err = verifier(key)
        .max_age(Duration::from_secs(3600))
        .clock(move || later)
        .verify(&token, body.as_bytes())
        .unwrap_err();
    assert!(matches!(err, CallbackError::Expired { .. }), "{err:?}");
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
        let err = CallbackVerifier::new(bad.to_owned().into()).unwrap_err();
        assert!(matches!(err, CallbackError::InvalidKey), "{bad}: {err:?}");
        assert!(!err.to_string().contains(bad) || bad.is_empty());
    }
    // Surrounding whitespace (a pasted key) and standard base64 (which Python accepts) are
    // tolerated.
    CallbackVerifier::new(
        " cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=\n"
            .to_owned()
            .into(),
    )
    .expect("trimmed");
    CallbackVerifier::new(
        "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0+/E="
            .to_owned()
            .into(),
    )
    .expect("standard alphabet");

    let v = verifier("cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=");
    let err = v.verify_headers(&HeaderMap::new(), b"{}").unwrap_err();
    assert!(matches!(err, CallbackError::MissingSignature), "{err:?}");
    let err = v.verify("  ", b"{}").unwrap_err();
    assert!(matches!(err, CallbackError::MissingSignature), "{err:?}");
}

#[test]
fn debug_never_shows_the_key() {
    let key = "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=";
    let v = verifier(key).max_age(Duration::from_secs(5));
    let debug = format!("{v:?}");
    assert!(!debug.contains(key), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
}
