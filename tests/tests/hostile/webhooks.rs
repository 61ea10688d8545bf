//! Webhook and callback verifiers fed random, mutated and tampered deliveries (`webhooks_*`).

use super::*;

/// Random header values: printable ASCII, and `t=…,v1=…` shapes with extreme numbers.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,120}",
        (any::<i64>(), "[0-9a-f]{0,70}").prop_map(|(t, v)| format!("t={t},v1={v}")),
        (any::<i64>(), "[0-9a-f]{64}", "[a-z0-9]{0,4}")
            .prop_map(|(t, v, k)| format!("t={t},v1={v},{k}=x,v1=")),
        "[0-9a-fA-F]{0,80}",
    ]
}

fn random_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        "\\PC{0,300}".prop_map(String::into_bytes),
    ]
}

/// A body that is a mutated seed, and a second mutation of it (the tampered delivery).
fn tampered(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (hostile_body(seeds), mutation()).prop_map(|(signed, m)| {
        let delivered = mutate(&signed, &m);
        (signed, delivered)
    })
}

fn same_json(a: &[u8], b: &[u8]) -> bool {
    match (
        serde_json::from_slice::<Value>(a),
        serde_json::from_slice::<Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[test]
fn webhooks_xpay_platform() {
    use xpay_client::platform::webhook::{self, Verifier, WebhookError};
    let secret = "whsec_hostile_webhook_secret";
    let verifier = Verifier::new(secret).expect("a secret");
    let verifier = WithHeader(verifier, webhook::SIGNATURE_HEADER);
    let seeds = seeds(&[
        "xpay-client/tests/fixtures/platform/event_checkout_session_completed.json",
        "xpay-client/tests/fixtures/platform/heldout_event_refund_created.json",
        "xpay-client/tests/fixtures/platform/heldout_event_unknown_type.json",
    ]);
    let now = || chrono::Utc::now().timestamp();
    for seed in &seeds {
        let header = webhook::signature_header(secret, now(), seed);
        verifier
            .construct_event(seed, &header)
            .expect("a seed event verifies");
    }
    let mut n = check(
        "xpay webhook: random input",
        384,
        (random_body(), header_value()),
        |(body, header)| {
            let result = verifier.construct_event(&body, &header);
            let _ = format!("{result:?}");
            prop_assert!(result.is_err(), "a random signature verified");
            Ok(())
        },
    );
    n += check(
        "xpay webhook: signed hostile payloads",
        512,
        hostile_body(seeds.clone()),
        |body| {
            let header = webhook::signature_header(secret, now(), &body);
            match verifier.construct_event(&body, &header) {
                Ok(event) => {
                    let _ = format!("{event:?}");
                }
                Err(WebhookError::InvalidPayload { .. }) => {}
                Err(e) => prop_assert!(false, "a valid signature was refused: {e}"),
            }
            Ok(())
        },
    );
    n += check(
        "xpay webhook: tampered bodies",
        384,
        tampered(seeds),
        |(signed, delivered)| {
            let header = webhook::signature_header(secret, now(), &signed);
            let result = verifier.construct_event(&delivered, &header);
            if delivered != signed {
                prop_assert!(
                    matches!(result, Err(WebhookError::BadSignature)),
                    "tampered body: {result:?}"
                );
            }
            Ok(())
        },
    );
    println!("xpay webhook verifier: {n} cases");
}

#[test]
fn webhooks_xstak() {
    use xpay_client::xstak::webhook::{Verifier, WebhookError};
    let secret = "xstak_hostile_webhook_secret";
    let verifier = Verifier::new(secret).expect("a secret");
    let sign = |body: &[u8]| paygate_runtime::signature::hmac_sha256_hex(secret.as_bytes(), body);
    let headers_for = |signature: &str| {
        let mut h = reqwest::header::HeaderMap::new();
        if let Ok(v) = reqwest::header::HeaderValue::from_str(signature) {
            h.insert("x-signature", v);
        }
        h
    };
    let seeds = seeds(&[
        "xpay-client/tests/fixtures/xstak/webhook_payment_intent_notification.json",
        "xpay-client/tests/fixtures/xstak/heldout_webhook_unknown_type.json",
    ]);
    for seed in &seeds {
        verifier
            .construct_event(seed, &headers_for(&sign(seed)))
            .expect("a seed webhook verifies");
    }
    let mut n = check(
        "xstak webhook: random input",
        384,
        (random_body(), header_value()),
        |(body, sig)| {
            let by_headers = verifier.construct_event(&body, &headers_for(&sig));
            let direct = verifier.verify(&body, &headers_for(&sig));
            let _ = format!("{by_headers:?} {direct:?}");
            prop_assert!(
                by_headers.is_err() && direct.is_err(),
                "a random signature verified"
            );
            Ok(())
        },
    );
    n += check(
        "xstak webhook: signed hostile payloads",
        512,
        hostile_body(seeds.clone()),
        |body| {
            match verifier.construct_event(&body, &headers_for(&sign(&body))) {
                Ok(event) => {
                    let _ = format!("{event:?} {}", event.object.type_());
                }
                Err(WebhookError::InvalidPayload { .. }) => {}
                Err(e) => prop_assert!(false, "a valid signature was refused: {e}"),
            }
            Ok(())
        },
    );
    n += check(
        "xstak webhook: tampered bodies",
        384,
        tampered(seeds),
        |(signed, delivered)| {
            // XStak may sign the re-serialized body, so a delivery that JavaScript reads as the
            // same JSON is allowed through; anything that means something else is not.
            if let Ok(event) = verifier.construct_event(&delivered, &headers_for(&sign(&signed))) {
                let canonical = |b: &[u8]| paygate_runtime::js::canonicalize(b).ok();
                prop_assert!(
                    delivered == signed
                        || canonical(&delivered).is_some_and(|c| c.as_bytes() == signed.as_slice()),
                    "tampered body accepted: {event:?}"
                );
            }
            Ok(())
        },
    );
    println!("xstak webhook verifier: {n} cases");
}

#[test]
fn webhooks_collect() {
    use collect_client::webhook::{Verifier, WebhookError};
    let verifier = Verifier::new("whsec_hostile_collect_secret").expect("a secret");
    let verifier = WithHeader(verifier, "none: FYATU signs in the body");
    let envelopes: Vec<Value> = [
        "collect-client/tests/fixtures/doc/webhook_collection_received.json",
        "collect-client/tests/fixtures/doc/webhook_collection_initiated.json",
        "collect-client/tests/fixtures/heldout/webhook_collection_received.v3.json",
        "collect-client/tests/fixtures/heldout/webhook_unknown_event.json",
    ]
    .iter()
    .map(|p| fixture_json(p))
    .collect();
    // FYATU signs `data` alone: the fuzzed part is `data`, wrapped like FYATU wraps it.
    let data_seeds: Vec<Vec<u8>> = envelopes
        .iter()
        .map(|e| serde_json::to_vec(&e["data"]).expect("JSON"))
        .collect();
    let events: Vec<String> = envelopes
        .iter()
        .map(|e| {
            e["event"]
                .as_str()
                .unwrap_or("collection.received")
                .to_string()
        })
        .collect();
    let wrap = |event: &str, data: &[u8], sign: &str| -> Vec<u8> {
        let mut body = format!(
            "{{\"event\":{},\"version\":\"2.0\",\"sign\":\"{sign}\",\"data\":",
            serde_json::to_string(event).unwrap_or_default()
        )
        .into_bytes();
        body.extend_from_slice(data);
        body.push(b'}');
        body
    };
    for (event, data) in events.iter().zip(&data_seeds) {
        let body = wrap(event, data, &verifier.sign(data));
        verifier.verify(&body).expect("a seed webhook verifies");
    }
    let mut n = check(
        "collect webhook: random input",
        384,
        random_body(),
        |body| {
            let result = verifier.verify(&body);
            let _ = format!("{result:?}");
            prop_assert!(result.is_err(), "a random body verified");
            Ok(())
        },
    );
    n += check(
        "collect webhook: random sign",
        256,
        (prop::sample::select(data_seeds.clone()), "[ -~]{0,80}"),
        |(data, sign)| {
            let sign = sign.replace(['"', '\\'], "");
            let result = verifier.verify(&wrap("collection.received", &data, &sign));
            prop_assert!(result.is_err(), "a random sign verified");
            Ok(())
        },
    );
    let event_and_data = (
        prop::sample::select(events.clone()),
        hostile_body(data_seeds.clone()),
    );
    n += check(
        "collect webhook: signed hostile payloads",
        512,
        event_and_data,
        |(event, data)| {
            let body = wrap(&event, &data, &verifier.sign(&data));
            match verifier.verify(&body) {
                Ok(ev) => {
                    let _ = format!("{ev:?} {:?} {:?}", ev.collection_id(), ev.order_id());
                }
                Err(WebhookError::InvalidPayload { .. }) => {}
                Err(e) => prop_assert!(false, "a valid sign was refused: {e}"),
            }
            Ok(())
        },
    );
    n += check(
        "collect webhook: tampered data",
        384,
        tampered(data_seeds),
        |(signed, delivered)| {
            let body = wrap("collection.received", &delivered, &verifier.sign(&signed));
            if let Ok(ev) = verifier.verify(&body) {
                // Only a re-formatting of the signed data (FYATU's older docs sign it compact) may
                // pass.
                prop_assert!(
                    same_json(&signed, &delivered),
                    "tampered data accepted: {ev:?}"
                );
            }
            Ok(())
        },
    );
    let huge = wrap(
        "collection.received",
        format!("\"{}\"", "x".repeat(2 * 1024 * 1024)).as_bytes(),
        "00",
    );
    assert!(matches!(
        verifier.verify(&huge),
        Err(WebhookError::TooLarge { .. })
    ));
    println!("collect webhook verifier: {n} cases (+1 body over the size cap)");
}

#[test]
fn webhooks_payfect() {
    use payfect_client::webhook::{SIGNATURE_HEADER, Verifier, WebhookError};
    let key = fernet::Fernet::generate_key();
    let fernet = fernet::Fernet::new(&key).expect("a fresh key");
    let verifier = Verifier::new(key.clone()).expect("a valid key");
    let verifier = WithHeader(verifier, SIGNATURE_HEADER);
    let seeds = seeds(&[
        "payfect-client/tests/fixtures/checkout_callback.json",
        "payfect-client/tests/fixtures/heldout_callback_unknowns.json",
    ]);
    for seed in &seeds {
        verifier
            .verify(&fernet.encrypt(seed), seed)
            .expect("a seed callback verifies");
    }
    let token_like = prop_oneof!["[ -~]{0,200}", "gAAAAA[A-Za-z0-9_=-]{0,200}",];
    let mut n = check(
        "payfect callback: random input",
        384,
        (random_body(), token_like),
        |(body, token)| {
            let result = verifier.verify(&token, &body);
            let _ = format!("{result:?}");
            prop_assert!(result.is_err(), "a random token verified");
            Ok(())
        },
    );
    n += check(
        "payfect callback: signed hostile payloads",
        512,
        hostile_body(seeds.clone()),
        |body| {
            match verifier.verify(&fernet.encrypt(&body), &body) {
                Ok(callback) => {
                    let _ = format!("{callback:?}");
                }
                Err(WebhookError::InvalidPayload { .. }) => {}
                Err(e) => prop_assert!(false, "a valid token was refused: {e}"),
            }
            Ok(())
        },
    );
    n += check(
        "payfect callback: tampered bodies",
        384,
        tampered(seeds.clone()),
        |(signed, delivered)| {
            if let Ok(callback) = verifier.verify(&fernet.encrypt(&signed), &delivered) {
                prop_assert!(
                    same_json(&signed, &delivered),
                    "tampered body accepted: {callback:?}"
                );
            }
            Ok(())
        },
    );
    let token_edits = (prop::sample::select(seeds), any::<Index>(), any::<u8>());
    let accepted_edits = AtomicUsize::new(0);
    n += check(
        "payfect callback: tampered tokens",
        256,
        token_edits,
        |(body, at, byte)| {
            let mut token = fernet.encrypt(&body).into_bytes();
            let i = at.index(token.len());
            token[i] = byte;
            let token = String::from_utf8_lossy(&token).into_owned();
            // Fernet authenticates the token, so an edit is refused, unless it left the decoded
            // bytes unchanged (a base64 padding bit), in which case the payload is still the body.
            let result = verifier.verify(&token, &body);
            let _ = format!("{result:?}");
            if result.is_ok() {
                accepted_edits.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        },
    );
    println!(
        "payfect callback verifier: {n} cases ({} token edits left the token valid)",
        accepted_edits.load(Ordering::Relaxed)
    );
}

/// The verifiers' `construct_event(body, headers)` called the way these checks were written:
/// `(signature, body)` for header verifiers, `(body)` for FYATU, which signs in the body.
struct WithHeader<V>(V, &'static str);

impl<V> WithHeader<V> {
    fn headers(&self, value: &str) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        if let Ok(v) = reqwest::header::HeaderValue::from_str(value) {
            h.insert(self.1, v);
        }
        h
    }
}

impl WithHeader<xpay_client::platform::webhook::Verifier> {
    fn construct_event(
        &self,
        body: &[u8],
        signature: &str,
    ) -> Result<xpay_client::platform::webhook::Event, paygate_runtime::webhook::WebhookError> {
        self.0.construct_event(body, &self.headers(signature))
    }
}

impl WithHeader<collect_client::webhook::Verifier> {
    fn verify(
        &self,
        body: &[u8],
    ) -> Result<collect_client::webhook::Event, paygate_runtime::webhook::WebhookError> {
        self.0.construct_event(body, &Default::default())
    }

    fn sign(&self, data: &[u8]) -> String {
        self.0.sign(data)
    }
}

impl WithHeader<payfect_client::webhook::Verifier> {
    fn verify(
        &self,
        token: &str,
        body: &[u8],
    ) -> Result<payfect_client::webhook::Event, paygate_runtime::webhook::WebhookError> {
        self.0.construct_event(body, &self.headers(token))
    }
}
