//! `XPay-Signature` verification: vectors, every failure mode, rotation, tolerance, typed
//! events, and hostile headers (10,000 `v1` entries, megabyte values, random bytes).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use paygate_runtime::ManualClock;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use xpay_client::platform::types;
use xpay_client::platform::webhook::{
    self, Event, EventObject, MAX_SIGNATURES, SIGNATURE_HEADER, Verifier, WebhookError,
};

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
    Verifier::new(SECRET).expect("a secret").clock(at(t))
}

/// `XPay-Signature: value`.
fn headers(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        SIGNATURE_HEADER,
        HeaderValue::from_str(value).expect("a header value"),
    );
    h
}

fn signed(secret: &str, t: i64, body: &[u8]) -> HeaderMap {
    headers(&webhook::signature_header(secret, t, body))
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
    let event = verifier_at(T + 10)
        .construct_event(&body, &signed(SECRET, T, &body))
        .expect("valid");
    assert_eq!(event.id, "evt_test_5kqPzR2mYbN8wXc1VtQeLs");
    assert_eq!(event.type_, types::EventType::CheckoutSessionCompleted);
    assert_eq!(event.api_version.as_deref(), Some("3.1.0"));
    assert_eq!(event.livemode, Some(false));
    let EventObject::CheckoutSessionCompleted(session) = &event.object else {
        panic!("expected a completed session, got {:?}", event.object);
    };
    assert_eq!(session.status, Some(types::CheckoutSessionStatus::Complete));
    assert_eq!(
        session.payment_intent_id.clone().flatten().as_deref(),
        Some("pi_test_xyz789")
    );
    assert_eq!(event.object.type_(), "checkout.session.completed");
}

#[test]
fn refund_events_carry_refunds() {
    let body = fixture("heldout_event_refund_created.json");
    let event = verifier_at(T)
        .construct_event(&body, &signed(SECRET, T, &body))
        .expect("valid");
    let EventObject::RefundCreated(refund) = event.object else {
        panic!("expected a refund");
    };
    assert_eq!(refund.status, Some(types::RefundStatus::SUCCEEDED));
    assert_eq!(refund.amount, Some(50000));
}

#[test]
fn every_mapped_type_has_a_variant() {
    for t in EventObject::TYPES {
        let body = format!(r#"{{"id":"evt_1","type":"{t}","data":{{"object":{{"id":"x_1"}}}}}}"#);
        match Event::parse_unverified(body.as_bytes()) {
            Ok(event) => {
                assert_eq!(event.object.type_(), *t);
                assert!(!matches!(event.object, EventObject::Unknown { .. }), "{t}");
            }
            // A resource with more required fields than `id` names the type.
            Err(e) => assert!(e.to_string().contains(t), "{t}: {e}"),
        }
    }
}

#[test]
fn unknown_event_types_keep_raw_json() {
    let body = fixture("heldout_event_unknown_type.json");
    let event = verifier_at(T)
        .construct_event(&body, &signed(SECRET, T, &body))
        .expect("valid");
    assert_eq!(event.type_, types::EventType::Unknown("payout.paid".into()));
    let EventObject::Unknown { type_, raw } = event.object else {
        panic!("expected raw JSON");
    };
    assert_eq!(type_, "payout.paid");
    assert_eq!(raw["id"], "po_live_1");
    assert_eq!(raw["amount"], 1_000_000);
}

#[test]
fn unlisted_types_are_unknown_even_in_a_known_family() {
    let body = br#"{"id":"evt_2","type":"refund.updated","data":{"object":{"id":"re_1","status":"PENDING"}}}"#;
    let event = Event::parse_unverified(body).expect("parses");
    assert!(!event.type_.is_known());
    assert!(
        matches!(event.object, EventObject::Unknown { ref type_, ref raw } if type_ == "refund.updated" && raw["id"] == "re_1")
    );
}

#[test]
fn missing_header() {
    let body = fixture("event_checkout_session_completed.json");
    assert_eq!(
        verifier_at(T).construct_event(&body, &HeaderMap::new()),
        Err(WebhookError::MissingSignature(SIGNATURE_HEADER))
    );
    assert_eq!(
        verifier_at(T).construct_event(&body, &headers("  ")),
        Err(WebhookError::MissingSignature(SIGNATURE_HEADER))
    );
}

#[test]
fn header_lookup_is_case_insensitive() {
    let body = fixture("event_checkout_session_completed.json");
    let mut h = HeaderMap::new();
    let value = webhook::signature_header(SECRET, T, &body);
    h.insert(
        "xpay-signature",
        HeaderValue::from_str(&value).expect("ascii"),
    );
    assert!(verifier_at(T).construct_event(&body, &h).is_ok());
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
                verifier_at(T).verify(body, &headers(&header)),
                Err(WebhookError::MalformedSignature { .. })
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
            .expect("a secret")
            .clock(at(T))
            .verify(&body, &headers(&header)),
        Err(WebhookError::BadSignature)
    );
    // One byte of the body changed.
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_eq!(
        verifier_at(T).verify(&tampered, &headers(&header)),
        Err(WebhookError::BadSignature)
    );
    // The timestamp changed (a replay with a fresh t).
    let moved = header.replace(&format!("t={T}"), &format!("t={}", T + 1));
    assert_eq!(
        verifier_at(T).verify(&body, &headers(&moved)),
        Err(WebhookError::BadSignature)
    );
    // Not hex.
    assert_eq!(
        verifier_at(T).verify(&body, &headers(&format!("t={T},v1=zz"))),
        Err(WebhookError::BadSignature)
    );
    // Re-serialised JSON is not the signed body.
    let reserialized =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&body).expect("json"))
            .expect("json");
    assert_ne!(reserialized, body);
    assert_eq!(
        verifier_at(T).verify(&reserialized, &headers(&header)),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn any_of_several_v1_is_accepted() {
    let body = br#"{"id":"evt_1"}"#;
    let good = webhook::signature(SECRET, T, body);
    let other = webhook::signature("whsec_old", T, body);
    let header = format!("t={T},v1={other},v1={good}");
    assert_eq!(verifier_at(T).verify(body, &headers(&header)), Ok(()));
    // Spaces and unknown schemes are tolerated.
    let header = format!("t={T}, v0=abc, v1={good}");
    assert_eq!(verifier_at(T).verify(body, &headers(&header)), Ok(()));
    // Uppercase hex too.
    let header = format!("t={T},v1={}", good.to_uppercase());
    assert_eq!(verifier_at(T).verify(body, &headers(&header)), Ok(()));
}

#[test]
fn any_of_several_secrets_is_accepted() {
    let body = br#"{"id":"evt_1"}"#;
    let header = signed("whsec_old", T, body);
    let verifier = Verifier::new(SECRET)
        .and_then(|v| v.with_secret("whsec_old"))
        .expect("secrets")
        .clock(at(T));
    assert_eq!(verifier.verify(body, &header), Ok(()));
    assert_eq!(
        verifier_at(T).verify(body, &header),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn empty_secrets_are_refused() {
    // An empty key would accept anything an attacker signs with an empty key.
    assert!(matches!(
        Verifier::new(""),
        Err(WebhookError::InvalidSecret(_))
    ));
    assert!(matches!(
        Verifier::new(SECRET).and_then(|v| v.with_secret(" ")),
        Err(WebhookError::InvalidSecret(_))
    ));
}

#[test]
fn stale_and_future_timestamps() {
    let body = br#"{"id":"evt_1"}"#;
    let header = signed(SECRET, T, body);
    assert_eq!(verifier_at(T + 300).verify(body, &header), Ok(()));
    assert_eq!(verifier_at(T - 300).verify(body, &header), Ok(()));
    assert_eq!(
        verifier_at(T + 301).verify(body, &header),
        Err(WebhookError::Stale {
            signed_at: T,
            now: T + 301,
            tolerance: Duration::from_secs(300)
        })
    );
    assert!(matches!(
        verifier_at(T - 301).verify(body, &header),
        Err(WebhookError::Stale { .. })
    ));
    // A configurable window.
    let wide = verifier_at(T + 3600).tolerance(Duration::from_secs(3600));
    assert_eq!(wide.verify(body, &header), Ok(()));
    let narrow = verifier_at(T + 6).tolerance(Duration::from_secs(5));
    assert!(matches!(
        narrow.verify(body, &header),
        Err(WebhookError::Stale { .. })
    ));
}

#[test]
fn the_injected_clock_is_read_on_every_call() {
    let clock = at(T);
    let verifier = Verifier::new(SECRET)
        .expect("a secret")
        .clock(clock.clone());
    let body = br#"{"id":"evt_1"}"#;
    let header = signed(SECRET, T, body);
    assert!(verifier.verify(body, &header).is_ok());
    clock.advance(chrono::Duration::seconds(301));
    assert!(matches!(
        verifier.verify(body, &header),
        Err(WebhookError::Stale { .. })
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
        assert!(
            matches!(
                verifier_at(T).construct_event(body, &signed(SECRET, T, body)),
                Err(WebhookError::InvalidPayload { .. })
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // A mapped type with the wrong payload names the type.
    let body = br#"{"id":"evt_1","type":"refund.created","data":{"object":{"id":"re_1","amount":"fifty"}}}"#;
    let err = verifier_at(T)
        .construct_event(body, &signed(SECRET, T, body))
        .unwrap_err();
    assert!(err.to_string().contains("refund.created"), "{err}");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let verifier = Verifier::new(SECRET)
        .and_then(|v| v.with_secret("whsec_second_secret"))
        .expect("secrets");
    let debug = format!("{verifier:?}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("whsec_second_secret"),
        "{debug}"
    );
    let err = verifier
        .verify(b"{}", &headers("t=1,v1=00"))
        .expect_err("stale or bad");
    assert!(!err.to_string().contains(SECRET));
}

/// `t=<T>` and `n` `v1` entries, the last of them valid for `body`.
fn many_entries(n: usize, body: &[u8]) -> String {
    let mut header = format!("t={T}");
    for i in 0..n - 1 {
        header.push_str(&format!(",v1={i:064x}"));
    }
    header.push_str(&format!(",v1={}", webhook::signature(SECRET, T, body)));
    header
}

#[test]
fn ten_thousand_v1_entries_are_refused_with_a_short_error() {
    let body = fixture("event_checkout_session_completed.json");
    let header = many_entries(10_000, &body);
    assert!(header.len() > 600_000);
    let err = verifier_at(T)
        .construct_event(&body, &headers(&header))
        .expect_err("a header with 10,000 v1 entries is hostile");
    assert!(
        matches!(err, WebhookError::MalformedSignature { .. }),
        "{err:?}"
    );
    assert!(err.to_string().len() < 200, "{err}");
    // At the cap, the valid entry is still found.
    let header = many_entries(MAX_SIGNATURES, &body);
    assert!(
        verifier_at(T)
            .construct_event(&body, &headers(&header))
            .is_ok()
    );
}

#[test]
fn a_megabyte_malformed_header_is_not_echoed() {
    for header in [
        format!("t={T},{}", "x".repeat(1 << 20)),
        format!("t={}", "9".repeat(1 << 20)),
        format!("t={T},v1={}", "ab".repeat(1 << 19)),
    ] {
        let err = verifier_at(T)
            .construct_event(b"{}", &headers(&header))
            .expect_err("refused");
        let text = format!("{err} {err:?}");
        assert!(text.len() < 400, "{} bytes echoed", text.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random bytes, random entry counts up to 1,000 and megabyte values: an error or a
    /// verdict, never a panic, and never a long echo.
    #[test]
    fn hostile_headers_never_panic(
        raw in proptest::collection::vec(any::<u8>(), 0..4096),
        entries in 0usize..1_000,
        pad in 0usize..(1 << 20),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let verifier = verifier_at(T);
        let mut candidates = Vec::new();
        if let Ok(v) = HeaderValue::from_bytes(&raw) {
            candidates.push(v);
        }
        let mut listed = format!("t={T}");
        for i in 0..entries {
            listed.push_str(&format!(",v1={i:x}"));
        }
        candidates.push(HeaderValue::from_str(&listed).expect("ascii"));
        candidates.push(HeaderValue::from_str(&format!("t={T},v1={}", "f".repeat(pad))).expect("ascii"));
        for value in candidates {
            let mut h = HeaderMap::new();
            h.insert(SIGNATURE_HEADER, value);
            if let Err(e) = verifier.construct_event(&body, &h) {
                prop_assert!(e.to_string().len() < 400);
            }
        }
    }
}
