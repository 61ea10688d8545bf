//! Oversized and crowded signature headers against all four verifiers: a megabyte header and a
//! header of 1,000 entries are refused with a short typed error, never a panic and never an
//! echo of the header. (XPay's 10,000 `v1` entries and its cost are in
//! `xpay-client/tests/platform_webhook.rs`; random headers in `hostile/webhooks.rs`.)

use paygate_runtime::webhook::WebhookError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

const MEGABYTE: usize = 1024 * 1024;

/// The hostile header values every verifier gets: a megabyte of one character, a megabyte of
/// printable noise, 1,000 `v1=` entries, and 1,000 comma-separated hex signatures.
fn hostile_values() -> Vec<(&'static str, String)> {
    let hex64 = "ab".repeat(32);
    let noise: String = (0..MEGABYTE)
        .map(|i| char::from(b' ' + (i * 7 % 95) as u8))
        .collect();
    vec![
        ("1 MB of one character", "a".repeat(MEGABYTE)),
        ("1 MB of printable noise", noise),
        (
            "1,000 v1 entries",
            format!(
                "t=1700000000,{}",
                vec![format!("v1={hex64}"); 1000].join(",")
            ),
        ),
        ("1,000 signatures", vec![hex64.clone(); 1000].join(",")),
    ]
}

fn headers(name: &str, value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
        HeaderValue::from_str(value).expect("printable ASCII"),
    );
    h
}

/// The error is typed, short, and quotes none of the header.
fn assert_refused<T: std::fmt::Debug>(
    api: &str,
    case: &str,
    value: &str,
    result: Result<T, WebhookError>,
) {
    let err = result.expect_err(&format!("{api}, {case}: a hostile header verified"));
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            text.len() < 1024,
            "{api}, {case}: a {}-byte error",
            text.len()
        );
        let probe = &value[value.len() / 2..value.len() / 2 + 64];
        assert!(
            !text.contains(probe),
            "{api}, {case}: the error echoes the header"
        );
    }
}

const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{}}}"#;

#[test]
fn xpay_platform_refuses_hostile_headers() {
    use xpay_client::platform::webhook::{SIGNATURE_HEADER, Verifier};
    let verifier = Verifier::new("whsec_header_test").expect("a secret");
    for (case, value) in hostile_values() {
        let result = verifier.construct_event(BODY, &headers(SIGNATURE_HEADER, &value));
        assert_refused("xpay", case, &value, result);
    }
}

#[test]
fn xstak_refuses_hostile_headers() {
    use xpay_client::xstak::webhook::Verifier;
    let verifier = Verifier::new("xstak_header_test").expect("a secret");
    for (case, value) in hostile_values() {
        let result = verifier.construct_event(BODY, &headers("x-signature", &value));
        assert_refused("xstak", case, &value, result);
    }
}

#[test]
fn payfect_refuses_hostile_headers() {
    use payfect_client::webhook::{SIGNATURE_HEADER, Verifier};
    let verifier = Verifier::new(fernet::Fernet::generate_key()).expect("a key");
    for (case, value) in hostile_values() {
        let result = verifier.construct_event(BODY, &headers(SIGNATURE_HEADER, &value));
        assert_refused("payfect", case, &value, result);
    }
}

#[test]
fn collect_refuses_hostile_signatures_in_the_body() {
    // FYATU signs in the body: the hostile values go where its signature goes.
    use collect_client::webhook::Verifier;
    let verifier = Verifier::new("whsec_header_test").expect("a secret");
    for (case, value) in hostile_values() {
        let body = serde_json::to_vec(&serde_json::json!({
            "event": "collection.received",
            "data": {"collectionId": "SCI1"},
            "sign": value,
        }))
        .expect("JSON");
        let result = verifier.construct_event(&body, &HeaderMap::new());
        assert_refused("collect", case, &value, result);
    }
}
