//! `XPay-Signature` verification: vectors, every failure mode, rotation, tolerance, typed
//! events.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paygate_runtime::ManualClock;
use reqwest::header::{HeaderMap, HeaderValue};
use xpay_client::platform::types;
use xpay_client::platform::webhook::{self, EventObject, Verifier, WebhookError};

const SECRET: &str = "whsec_sandbox_Qm9vZ0FuZFNhbmRib3hTZWNyZXQ";
const T: i64 = 1_714_564_800;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/platform/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn at(t: i64) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        DateTime::<Utc>::from_timestamp(t, 0).expect("valid"),
    ))
}

fn verifier_at(t: i64) -> Verifier {
    Verifier::new(SECRET).clock(at(t))
}

#[test]
fn known_vectors() {
    // Computed independently (Python hmac/hashlib) over "{t}.{raw body}".
    assert_eq!(
        webhook::signature("whsec_test_secret", T, br#"{"id":"evt_1"}"#),
        "d5269d64a9840bdafac796f7a5bdb16b5ec33b1e068805a62caf66d38a6d30b7"
    );
    let body = fixture("event_checkout_session_completed.json");
    assert_eq!(
        webhook::signature_header(SECRET, T, &body),
        format!("t={T},v1=d5c468ad9b491308fc9584d3b580fc6b2ba9ecba56ad0779d4eef900c8b2df94")
    );
}

#[test]
fn verifies_and_types_a_checkout_event() {
    let body = fixture("event_checkout_session_completed.json");
    let header = webhook::signature_header(SECRET, T, &body);
    let event = verifier_at(T + 10)
        .construct_event(&body, &header)
        .expect("valid");
    assert_eq!(event.id, "evt_test_5kqPzR2mYbN8wXc1VtQeLs");
    assert_eq!(event.event_type, types::EventType::CheckoutSessionCompleted);
    assert_eq!(event.api_version.as_deref(), Some("3.1.0"));
    assert_eq!(event.livemode, Some(false));
    let EventObject::CheckoutSession(session) = &event.object else {
        panic!("expected a session, got {:?}", event.object);
    };
    assert_eq!(session.status, Some(types::CheckoutSessionStatus::Complete));
    assert_eq!(
        session.payment_intent_id.clone().flatten().as_deref(),
        Some("pi_test_xyz789")
    );
}

#[test]
fn refund_events_carry_refunds() {
    let body = fixture("heldout_event_refund_created.json");
    let header = webhook::signature_header(SECRET, T, &body);
    let event = verifier_at(T)
        .construct_event(&body, &header)
        .expect("valid");
    let EventObject::Refund(refund) = event.object else {
        panic!("expected a refund");
    };
    assert_eq!(refund.status, Some(types::RefundStatus::SUCCEEDED));
    assert_eq!(refund.amount, Some(50000));
}

#[test]
fn unknown_event_types_keep_raw_json() {
    let body = fixture("heldout_event_unknown_type.json");
    let header = webhook::signature_header(SECRET, T, &body);
    let event = verifier_at(T)
        .construct_event(&body, &header)
        .expect("valid");
    assert_eq!(
        event.event_type,
        types::EventType::Unknown("payout.paid".into())
    );
    let EventObject::Unknown(raw) = event.object else {
        panic!("expected raw JSON");
    };
    assert_eq!(raw["id"], "po_live_1");
    assert_eq!(raw["amount"], 1_000_000);
}

#[test]
fn unlisted_types_of_a_known_family_are_typed() {
    let body = br#"{"id":"evt_2","type":"refund.updated","data":{"object":{"id":"re_1","status":"PENDING"}}}"#;
    let event = webhook::parse_event(body).expect("parses");
    assert!(!event.event_type.is_known());
    assert!(matches!(event.object, EventObject::Refund(ref r) if r.id == "re_1"));
    // …and fall back to raw when the object does not fit.
    let body = br#"{"id":"evt_3","type":"refund.updated","data":{"object":{"status":"PENDING"}}}"#;
    assert!(matches!(
        webhook::parse_event(body).expect("parses").object,
        EventObject::Unknown(_)
    ));
}

#[test]
fn missing_header() {
    let body = fixture("event_checkout_session_completed.json");
    assert_eq!(
        verifier_at(T).construct_event(&body, ""),
        Err(WebhookError::MissingHeader)
    );
    assert_eq!(
        verifier_at(T).construct_event_from_headers(&HeaderMap::new(), &body),
        Err(WebhookError::MissingHeader)
    );
}

#[test]
fn header_lookup_is_case_insensitive() {
    let body = fixture("event_checkout_session_completed.json");
    let mut headers = HeaderMap::new();
    let value = webhook::signature_header(SECRET, T, &body);
    headers.insert(
        "xpay-signature",
        HeaderValue::from_str(&value).expect("ascii"),
    );
    assert!(
        verifier_at(T)
            .construct_event_from_headers(&headers, &body)
            .is_ok()
    );
}

#[test]
fn malformed_headers() {
    let body = b"{}";
    let sig = webhook::signature(SECRET, T, body);
    for header in [
        format!("v1={sig}"),             // no t
        format!("t={T}"),                // no v1
        format!("t=yesterday,v1={sig}"), // t not a number
        format!("t={T},t={T},v1={sig}"), // two t
        format!("t={T};v1={sig}"),       // wrong separator
        "garbage".to_string(),
    ] {
        assert!(
            matches!(
                verifier_at(T).verify(body, &header),
                Err(WebhookError::MalformedHeader(_))
            ),
            "{header}"
        );
    }
}

#[test]
fn bad_signatures() {
    let body = fixture("event_checkout_session_completed.json");
    let header = webhook::signature_header(SECRET, T, &body);
    // Another secret.
    assert_eq!(
        Verifier::new("whsec_other")
            .clock(at(T))
            .verify(&body, &header),
        Err(WebhookError::BadSignature)
    );
    // One byte of the body changed.
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verifier_at(T).verify(&tampered, &header),
        Err(WebhookError::BadSignature)
    );
    // The timestamp changed (a replay with a fresh t).
    let moved = header.replace(&format!("t={T}"), &format!("t={}", T + 1));
    assert_eq!(
        verifier_at(T).verify(&body, &moved),
        Err(WebhookError::BadSignature)
    );
    // Not hex.
    assert_eq!(
        verifier_at(T).verify(&body, &format!("t={T},v1=zz")),
        Err(WebhookError::BadSignature)
    );
    // Re-serialised JSON is not the signed body.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).expect("json"))
            .expect("json");
    assert_ne!(reserialized, body);
    assert_eq!(
        verifier_at(T).verify(&reserialized, &header),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn any_of_several_v1_is_accepted() {
    let body = br#"{"id":"evt_1"}"#;
    let good = webhook::signature(SECRET, T, body);
    let other = webhook::signature("whsec_old", T, body);
    let header = format!("t={T},v1={other},v1={good}");
    assert_eq!(verifier_at(T).verify(body, &header), Ok(T));
    // Spaces and unknown schemes are tolerated.
    let header = format!("t={T}, v0=abc, v1={good}");
    assert_eq!(verifier_at(T).verify(body, &header), Ok(T));
}

#[test]
fn any_of_several_secrets_is_accepted() {
    let body = br#"{"id":"evt_1"}"#;
    let header = webhook::signature_header("whsec_old", T, body);
    let verifier = Verifier::new(SECRET).with_secret("whsec_old").clock(at(T));
    assert_eq!(verifier.verify(body, &header), Ok(T));
    assert_eq!(
        verifier_at(T).verify(body, &header),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn stale_and_future_timestamps() {
    let body = br#"{"id":"evt_1"}"#;
    let header = webhook::signature_header(SECRET, T, body);
    assert_eq!(verifier_at(T + 300).verify(body, &header), Ok(T));
    assert_eq!(verifier_at(T - 300).verify(body, &header), Ok(T));
    assert_eq!(
        verifier_at(T + 301).verify(body, &header),
        Err(WebhookError::StaleTimestamp {
            timestamp: T,
            now: T + 301,
            tolerance_secs: 300
        })
    );
    assert!(matches!(
        verifier_at(T - 301).verify(body, &header),
        Err(WebhookError::StaleTimestamp { .. })
    ));
    // A configurable window.
    let wide = verifier_at(T + 3600).tolerance(Duration::from_secs(3600));
    assert_eq!(wide.verify(body, &header), Ok(T));
    let narrow = verifier_at(T + 6).tolerance(Duration::from_secs(5));
    assert!(matches!(
        narrow.verify(body, &header),
        Err(WebhookError::StaleTimestamp { .. })
    ));
}

#[test]
fn the_injected_clock_is_read_on_every_call() {
    let clock = at(T);
    let verifier = Verifier::new(SECRET).clock(clock.clone());
    let body = br#"{"id":"evt_1"}"#;
    let header = webhook::signature_header(SECRET, T, body);
    assert!(verifier.verify(body, &header).is_ok());
    clock.advance(chrono::Duration::seconds(301));
    assert!(matches!(
        verifier.verify(body, &header),
        Err(WebhookError::StaleTimestamp { .. })
    ));
}

#[test]
fn bad_json_after_a_good_signature() {
    for body in [
        &b"not json"[..],
        br#"{"id":"evt_1","type":"checkout.session.completed"}"#, // no data
        br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"status":"complete"}}}"#, // no id
        br#"{"id":"evt_1","type":"refund.created","data":{"object":{"id":"re_1","amount":"fifty"}}}"#,
    ] {
        let header = webhook::signature_header(SECRET, T, body);
        assert!(
            matches!(verifier_at(T).construct_event(body, &header), Err(WebhookError::InvalidJson(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let verifier = Verifier::new(SECRET).with_secret("whsec_second_secret");
    let debug = format!("{verifier:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("whsec_second_secret"),
        "{debug}"
    );
    let err = verifier
        .verify(b"{}", "t=1,v1=00")
        .expect_err("stale or bad");
    assert!(!err.to_string().contains(SECRET));
}
