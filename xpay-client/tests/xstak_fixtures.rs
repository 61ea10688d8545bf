//! XStak seed fixtures, signature vectors, webhook verification and money, without a server.

use std::str::FromStr;

use paygate_runtime::JsonDecimal;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use xpay_client::xstak::webhook::{
    EventObject, PAYMENT_INTENT_NOTIFICATION, SIGNATURE_HEADER, Verifier, WebhookError,
};
use xpay_client::xstak::{Client, Credentials, signing, types};

fn webhook_verifier(secret: &str) -> Verifier {
    Verifier::new(secret).expect("a secret")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/xstak/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json_fixture(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}

/// Parses `bytes` as `T`, serializes it back, and returns both as JSON values.
fn round_trip<T>(bytes: &[u8]) -> (Value, Value, T)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let original: Value = serde_json::from_slice(bytes).expect("fixture is JSON");
    let typed: T = serde_json::from_slice(bytes).expect("fixture parses into the generated type");
    let back = serde_json::to_value(&typed).expect("generated types serialize");
    (original, back, typed)
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

// ---------------------------------------------------------------- seed round trips

#[test]
fn seed_checkout_request_round_trips_and_serializes_canonically() {
    let bytes = fixture("checkout_request.json");
    let (original, back, request) = round_trip::<types::CheckoutRequest>(&bytes);
    assert_eq!(back, original);
    assert_eq!(request.amount, JsonDecimal(dec("5")));
    assert_eq!(
        request.payment_methods,
        vec![types::PaymentMethod::Card, types::PaymentMethod::Jazzcash]
    );
    assert_eq!(
        request
            .metadata
            .as_ref()
            .and_then(|m| m.get("order_reference")),
        Some(&json!("checkout-pl-02"))
    );
    // What the client sends for it is exactly what JavaScript would re-serialize.
    let wire = serde_json::to_vec(&request).expect("serializes");
    signing::check_body(&wire).expect("JS-canonical");
    assert!(
        String::from_utf8_lossy(&wire).contains(r#""amount":5,"#),
        "amount must be written as 5, not 5.0"
    );
}

#[test]
fn seed_checkout_response_round_trips_value_for_value() {
    let bytes = fixture("checkout_response.json");
    let (original, back, response) = round_trip::<types::PaymentIntentResponse>(&bytes);
    assert_eq!(back, original);

    assert_eq!(response.success, Some(true));
    assert_eq!(response.response_status.as_deref(), Some("OK"));
    assert_eq!(
        response.message.as_deref(),
        Some("Request processed successfully.")
    );
    let intent = response.data.expect("data");
    assert!(intent.id.starts_with("xpay_pi_"));
    assert_eq!(
        intent.pi_status,
        Some(types::PaymentIntentStatus::RequiresPaymentMethod)
    );
    assert_eq!(intent.capture_method, Some(types::CaptureMethod::Automatic));
    assert_eq!(intent.amount, Some(JsonDecimal(dec("5"))));
    assert_eq!(
        intent.checkout_page_url.as_deref(),
        Some(
            "https://xpay-checkout-stage.xstak.com/?source=headless&order_id=checkout-pl-03&id=670cc16ca4f54be748916396"
        )
    );
    assert_eq!(
        intent.created_at.map(|t| t.to_rfc3339()),
        Some("2025-09-16T13:00:11.045+00:00".to_owned())
    );
    assert_eq!(intent.token, Some(None));
    assert_eq!(
        intent.refund.and_then(|r| r.refund_object_id.flatten()),
        None
    );
}

#[test]
fn seed_webhook_round_trips_byte_for_byte() {
    let bytes = fixture("webhook_payment_intent_notification.json");
    let (original, back, notification) = round_trip::<types::PaymentIntentNotification>(&bytes);
    assert_eq!(back, original);
    assert_eq!(
        notification.type_,
        types::WebhookEventType::PaymentIntentNotification
    );
    assert_eq!(
        notification.status,
        Some(types::PaymentIntentStatus::Succeeded)
    );
    assert_eq!(notification.amount, Some(JsonDecimal(dec("10"))));
    let tx = notification
        .transaction_details
        .expect("transaction_details");
    assert_eq!(tx.status.as_deref(), Some("CAPTURED"));
    let activity = &tx.activity[0];
    assert_eq!(
        activity.x3ds.as_ref().and_then(|t| t.eci.as_deref()),
        Some("02")
    );
    assert_eq!(
        activity
            .card
            .as_ref()
            .and_then(|c| c.last4digits.as_deref()),
        Some("0008")
    );
    // Compact JS output, fields in a different order from ours: equal as values, and our own
    // serialization is itself JS-canonical.
    let ours = serde_json::to_vec(&back).expect("serializes");
    signing::check_body(&ours).expect("JS-canonical");
}

// ---------------------------------------------------------------- held-out payloads

#[test]
fn heldout_intent_with_unknown_values_parses_and_keeps_them() {
    let bytes = fixture("heldout_intent_unknown_values.json");
    let (mut original, back, response) = round_trip::<types::PaymentIntentResponse>(&bytes);
    // A field the spec does not know is tolerated, not kept.
    let unknown = original["data"]
        .as_object_mut()
        .and_then(|d| d.remove("a_field_added_later"));
    assert!(unknown.is_some());
    // `null` of an optional field reads as absent; everything else survives.
    assert_eq!(without_nulls(&back), without_nulls(&original));
    assert_eq!(back["data"]["metadata"], original["data"]["metadata"]);

    let intent = response.data.expect("data");
    assert_eq!(
        intent.pi_status,
        Some(types::PaymentIntentStatus::Unknown(
            "partially_refunded".into()
        ))
    );
    assert_eq!(
        intent.capture_method.as_ref().map(|c| c.as_str()),
        Some("scheduled")
    );
    assert!(!intent.capture_method.expect("set").is_known());
    assert_eq!(intent.amount, Some(JsonDecimal(dec("1234.5"))));
    assert_eq!(
        intent.refund.and_then(|r| r.refunded_amount),
        Some(JsonDecimal(dec("0.25")))
    );
    assert_eq!(
        intent.customer.and_then(|c| c.name),
        Some("عائشہ خان".to_owned())
    );
}

#[test]
fn heldout_error_bodies_keep_their_message() {
    for (name, reason) in [
        (
            "heldout_error_success_false.json",
            "Signature verification failed.",
        ),
        ("heldout_error_flag.json", "Invalid credentials."),
        ("heldout_error_object.json", "Payment intent not found."),
    ] {
        let body: types::ErrorResponse =
            serde_json::from_slice(&fixture(name)).expect("error body parses");
        assert_eq!(body.reason(), Some(reason), "{name}");
    }
}

#[test]
fn heldout_checkout_request_with_unicode_and_js_numbers_is_sent_as_is() {
    let bytes = fixture("heldout_checkout_request_unicode.json");
    let (original, back, request) = round_trip::<types::CheckoutRequest>(&bytes);
    assert_eq!(back, original);
    assert_eq!(request.amount, JsonDecimal(dec("1234567.891")));
    // Our field order is alphabetical; the JS-canonical property holds for our bytes.
    let wire = serde_json::to_vec(&request).expect("serializes");
    signing::check_body(&wire).expect("JS-canonical");
    let text = String::from_utf8(wire).expect("UTF-8");
    assert!(
        text.contains("کراچی") && text.contains("👋"),
        "non-ASCII raw"
    );
    assert!(text.contains("https://shop.example.pk/checkout/success?o=ord%2F1"));
    assert!(text.contains(r#""big":1e+21"#) && text.contains(r#""tiny":1e-7"#));
}

// ---------------------------------------------------------------- request signing

#[test]
fn reference_signature_vector() {
    let body = fixture("signature_vector_body.json");
    let vector = json_fixture("signature_vector.json");
    let key = vector["key"].as_str().expect("key");
    let expected = vector["signature"].as_str().expect("signature");
    assert_eq!(signing::sign(&key.into(), &body), expected);
    signing::check_body(&body).expect("the vector body is JS-canonical");
    // Any change to the body changes the signature.
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert_ne!(signing::sign(&key.into(), &tampered), expected);
    assert_ne!(signing::sign(&"other".into(), &body), expected);
}

#[test]
fn bodies_javascript_would_rewrite_are_refused_with_a_reason() {
    for (body, hint) in [
        (&br#"{"amount":5.0}"#[..], "5.0"),
        (br#"{"amount":1e21}"#, "+21"),
        (br#"{"amount": 5}"#, " 5"),
        (br#"{"u":"https:\/\/x"}"#, "\\/"),
        (br#"{"n":"\u00e9"}"#, "\\u00e9"),
        (br#"{"metadata":{"10":1,"9":2}}"#, "10"),
        (b"{\"a\":1}\n", "\\n"),
    ] {
        let err = signing::check_body(body).expect_err("not canonical");
        let message = err.to_string();
        assert!(message.contains("JSON.stringify"), "{message}");
        assert!(message.contains(hint), "{message} should quote {hint:?}");
    }
    let err = signing::check_body(b"<html>").expect_err("not JSON");
    assert!(err.to_string().contains("not JSON"), "{err}");
    signing::check_body(r#"{"metadata":{"9":2,"10":1},"url":"https://a/b","n":"é😀"}"#.as_bytes())
        .expect("canonical");
}

// ---------------------------------------------------------------- money

#[test]
fn amounts_are_written_the_javascript_way() {
    for (amount, wire) in [
        ("5", "5"),
        ("5.00", "5"),
        ("5.5", "5.5"),
        ("5.50", "5.5"),
        ("0.1", "0.1"),
        ("1234567.891", "1234567.891"),
        ("1000000000000000000000", "1e+21"),
        ("0.0000001", "1e-7"),
    ] {
        let capture = types::CaptureRequest {
            amount: Some(JsonDecimal(dec(amount))),
        };
        assert_eq!(
            serde_json::to_string(&capture).expect("serializes"),
            format!(r#"{{"amount":{wire}}}"#),
            "{amount}"
        );
        // And read back exactly.
        let back: types::CaptureRequest =
            serde_json::from_str(&format!(r#"{{"amount":{wire}}}"#)).expect("parses");
        assert_eq!(back.amount.map(|a| a.0), Some(dec(amount)));
    }
}

#[test]
fn an_amount_javascript_cannot_hold_is_refused_naming_the_field_not_rounded() {
    let capture = types::CaptureRequest {
        amount: Some(JsonDecimal(dec("12345678901234567.89"))),
    };
    // Written in full, never rounded; the signing step refuses it and names the field.
    let wire = serde_json::to_string(&capture).expect("serializes");
    assert_eq!(wire, r#"{"amount":12345678901234567.89}"#);
    let err = signing::canonical_signed_body(&"k".into(), wire.as_bytes()).expect_err("refused");
    assert_eq!(err.path(), Some("amount"));
    assert!(err.to_string().contains("12345678901234567.89"), "{err}");
}

// ---------------------------------------------------------------- webhooks

const WEBHOOK_SECRET: &str = "test_webhook_hmac_secret";

fn webhook_vector() -> (Vec<u8>, String) {
    let vector = json_fixture("webhook_vector.json");
    assert_eq!(vector["secret"], WEBHOOK_SECRET);
    (
        fixture("webhook_payment_intent_notification.json"),
        vector["signature"].as_str().expect("signature").to_owned(),
    )
}

/// `bytes` with whitespace added between tokens, keys and strings untouched.
fn spread(bytes: &[u8]) -> Vec<u8> {
    let (mut out, mut in_string, mut escaped) = (Vec::new(), false, false);
    for &b in bytes {
        out.push(b);
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' | b',' => out.extend_from_slice(b"\n  "),
            b':' => out.push(b' '),
            _ => {}
        }
    }
    out
}

fn headers(signature: &str) -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("X-Signature", signature.parse().expect("header value"));
    h
}

#[test]
fn webhook_vector_verifies_and_parses() {
    let (body, signature) = webhook_vector();
    let verifier = webhook_verifier(WEBHOOK_SECRET);
    verifier.verify(&body, &headers(&signature)).expect("valid");
    verifier
        .verify(&body, &headers(&signature.to_uppercase()))
        .expect("hex case does not matter");
    let event = verifier
        .construct_event(&body, &headers(&signature))
        .expect("valid");
    assert_eq!(event.object.type_(), PAYMENT_INTENT_NOTIFICATION);
    let EventObject::PaymentIntentNotification(n) = event.object else {
        panic!("typed notification expected");
    };
    assert_eq!(
        n.payment_intent_id.as_deref(),
        Some("xpay_pi_1573edc2074d54b60eb265e448cdf1eb5c09bfad5cac10153b107b0c780515fb")
    );
    assert_eq!(n.refund_id, Some(None));
}

#[test]
fn webhook_signed_over_the_js_canonical_form_is_accepted() {
    // A receiver that got a pretty-printed body whose signature covers the compact form.
    let (body, signature) = webhook_vector();
    let pretty = spread(&body);
    assert_ne!(pretty, body);
    assert_eq!(
        serde_json::from_slice::<Value>(&pretty).expect("still JSON"),
        serde_json::from_slice::<Value>(&body).expect("JSON")
    );
    let verifier = webhook_verifier(WEBHOOK_SECRET);
    verifier
        .verify(&pretty, &headers(&signature))
        .expect("canonical form matches");
    // The same holds for a signature over the raw pretty bytes.
    let raw_sig = signing::sign(&WEBHOOK_SECRET.into(), &pretty);
    verifier
        .verify(&pretty, &headers(&raw_sig))
        .expect("raw bytes match");
}

#[test]
fn every_webhook_failure_mode_is_rejected() {
    let (body, signature) = webhook_vector();
    let verifier = webhook_verifier(WEBHOOK_SECRET);

    // No header at all, or a blank one.
    assert_eq!(
        verifier.construct_event(&body, &reqwest::header::HeaderMap::new()),
        Err(WebhookError::MissingSignature(SIGNATURE_HEADER))
    );
    assert_eq!(
        verifier.construct_event(&body, &headers(" ")),
        Err(WebhookError::MissingSignature(SIGNATURE_HEADER))
    );
    // Wrong secret (the API HMAC secret is a different value).
    assert_eq!(
        webhook_verifier("test_api_hmac_secret").verify(&body, &headers(&signature)),
        Err(WebhookError::BadSignature)
    );
    // Tampered content: the amount changed, even with the formatting kept.
    let tampered = String::from_utf8(body.clone()).expect("UTF-8").replacen(
        r#""amount":10"#,
        r#""amount":1000"#,
        1,
    );
    assert_eq!(
        verifier.verify(tampered.as_bytes(), &headers(&signature)),
        Err(WebhookError::BadSignature)
    );
    // Malformed signatures.
    for bad in [
        "not-hex",
        &signature[..63],
        &signature[..62],
        &format!("{signature}00"),
        &format!("sha256={signature}"),
    ] {
        assert_eq!(
            verifier.verify(&body, &headers(bad)),
            Err(WebhookError::BadSignature),
            "{bad:?}"
        );
    }
    // A header that is not visible ASCII.
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        SIGNATURE_HEADER,
        reqwest::header::HeaderValue::from_bytes(&[0xff, 0xfe]).expect("opaque bytes"),
    );
    assert!(matches!(
        verifier.construct_event(&body, &h),
        Err(WebhookError::MalformedSignature { .. })
    ));
    // Correctly signed garbage is still refused, as a payload problem.
    for garbage in [&b"<html>oops</html>"[..], b"{\"no_type\":1}", b"[1,2]"] {
        let sig = signing::sign(&WEBHOOK_SECRET.into(), garbage);
        assert!(
            matches!(
                verifier.construct_event(garbage, &headers(&sig)),
                Err(WebhookError::InvalidPayload { .. })
            ),
            "{}",
            String::from_utf8_lossy(garbage)
        );
    }
    // A known type with the wrong shape.
    let wrong = br#"{"type":"PAYMENT_INTENT_NOTIFICATION","refund_id":null,"amount":"ten"}"#;
    let sig = signing::sign(&WEBHOOK_SECRET.into(), wrong);
    assert!(matches!(
        verifier.construct_event(wrong, &headers(&sig)),
        Err(WebhookError::InvalidPayload { type_: Some(ref t), .. }) if t == PAYMENT_INTENT_NOTIFICATION
    ));
}

#[test]
fn unknown_webhook_types_parse() {
    let body = fixture("heldout_webhook_unknown_type.json");
    let sig = signing::sign(&WEBHOOK_SECRET.into(), &body);
    let event = webhook_verifier(WEBHOOK_SECRET)
        .construct_event(&body, &headers(&sig))
        .expect("verifies and parses");
    assert_eq!(event.type_.as_str(), "REFUND_NOTIFICATION");
    let EventObject::Unknown { type_, raw } = event.object else {
        panic!("unknown type expected");
    };
    assert_eq!(type_, "REFUND_NOTIFICATION");
    assert_eq!(raw["refund_id"], "xpay_rf_77");
    // The open enum reads it too.
    assert_eq!(
        types::WebhookEventType::from("REFUND_NOTIFICATION"),
        types::WebhookEventType::Unknown("REFUND_NOTIFICATION".into())
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn secrets_never_show_in_debug_output() {
    let credentials = Credentials::new("sk_SECRET_KEY_1", "ACCOUNT_ID_2", "HMAC_SECRET_3");
    let client = Client::staging(credentials.clone())
        .build()
        .expect("valid XStak settings");
    let verifier = webhook_verifier("WEBHOOK_SECRET_4");
    for text in [
        format!("{credentials:?}"),
        format!("{client:?}"),
        format!("{verifier:?}"),
    ] {
        for secret in [
            "SECRET_KEY_1",
            "ACCOUNT_ID_2",
            "HMAC_SECRET_3",
            "WEBHOOK_SECRET_4",
        ] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
}

#[test]
fn named_environments_and_overridable_base_url() {
    use progenitor_client::ClientInfo;
    let creds = || Credentials::new("k", "a", "h");
    assert_eq!(
        Client::staging(creds())
            .build()
            .expect("valid XStak settings")
            .baseurl(),
        "https://xstak-pay-stg.xstak.com"
    );
    assert_eq!(
        Client::production(creds())
            .build()
            .expect("valid XStak settings")
            .baseurl(),
        "https://xstak-pay.xstak.com"
    );
    assert_eq!(
        Client::production(creds())
            .base_url("http://127.0.0.1:9/xstak/")
            .build()
            .expect("valid XStak settings")
            .baseurl(),
        "http://127.0.0.1:9/xstak"
    );
}

#[test]
fn empty_webhook_secrets_are_refused() {
    assert!(matches!(
        Verifier::new(""),
        Err(WebhookError::InvalidSecret(_))
    ));
}

#[test]
fn a_megabyte_signature_header_is_refused_without_an_echo() {
    let (body, _) = webhook_vector();
    let verifier = webhook_verifier(WEBHOOK_SECRET);
    for value in [
        "ab".repeat(1 << 19),
        format!("{},v1=00", "x".repeat(1 << 20)),
    ] {
        let err = verifier
            .construct_event(&body, &headers(&value))
            .unwrap_err();
        assert_eq!(err, WebhookError::BadSignature);
        assert!(err.to_string().len() < 200);
    }
}
