//! Against Node: the seed, hand-picked hard cases, reference vectors, number formatting, GETs.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_and_hard_cases_agree_with_node() {
    if skip() {
        return;
    }
    let server = NodeServer::start();
    let oracle = Mutex::new(Oracle::start());
    let client = client(&server.url);

    // (request, whether it must be sent: Some(true) sent, Some(false) refused, None either).
    let mut cases = vec![(base_request(), Some(true))];
    for (amount, sent) in [
        ("5", true),
        ("5.5", true),
        ("0.1", true),
        ("1234567.891", true),
        ("1000000000000000000000", true),
        ("0.0000001", true),
        ("5.50", true),
        ("-0.5", true),
        // The nearest double prints as 99999999999999.98 in JavaScript.
        ("99999999999999.99", false),
        ("0.10000000000000001", false),
    ] {
        let mut r = base_request();
        r.amount = JsonDecimal(Decimal::from_str(amount).expect("decimal"));
        cases.push((r, Some(sent)));
    }
    let mut urdu = base_request();
    urdu.customer.name = "محمد علی جناح".into();
    urdu.shipping = Some(types::Shipping {
        address1: Some("مکان نمبر ۷، گلی ۳".into()),
        city: Some("لاہور".into()),
        country: Some("پاکستان".into()),
        province: Some("پنجاب".into()),
        shipping_method: Some("Standard 🚚".into()),
        zip: Some("54000".into()),
    });
    cases.push((urdu, Some(true)));
    let mut emoji = base_request();
    emoji.customer.name =
        "Zain 👋🏽 \u{200d}👩‍👩‍👧 \u{2028}\u{2029} \"quoted\" \\ back\tslash\u{7f}\u{1}".into();
    emoji.metadata = metadata(json!({"note": "🎁 عید مبارک", "ctl": "\u{0}\u{1f}\u{8}\u{c}\n\r"}));
    cases.push((emoji, Some(true)));
    let mut urls = base_request();
    urls.success_url =
        "https://shop.example.pk/checkout/success?order=ord/2025/10&next=/thanks#done".into();
    urls.failure_url = "https://shop.example.pk/a/b/c/../fail?x=%2F%2F".into();
    cases.push((urls, Some(true)));
    let mut nested = base_request();
    nested.metadata = metadata(json!({
        "order_reference": "ord-42",
        "cart": {"items": [{"sku": "A/1", "qty": 2, "price": 1499.99}, {"sku": "B", "qty": 1, "price": 0.5}],
                 "coupon": null, "gift": false, "tags": ["eid", "sale"]},
        "ratios": [0.1, 0.2, 0.30000000000000004, 1e-7, 1.5e-7, 123456789012u64, -0.5],
        "deep": {"a": {"b": {"c": {"d": [[[]], {}]}}}}
    }));
    cases.push((nested, Some(true)));
    // JavaScript lists integer-like keys first, ascending, and writes numbers its own way:
    // the client sends them in that form.
    for (metadata, sent) in [
        (json!({"9": "nine", "10": "ten"}), true),
        (json!({"b": 1, "2": 0, "1": 0}), true),
        (json!({"weight": 5.0}), true),
        // serde_json writes these `1e20`, `1e-6` and `1e21`; V8 writes them
        // `100000000000000000000`, `0.000001` and `1e+21`.
        (json!({"big": 1e20}), true),
        (json!({"small": 0.000001}), true),
        (
            json!({"a": 1e21, "b": 1e-7, "c": f64::from_bits(TIES[0])}),
            true,
        ),
        (json!({"price": 9_007_199_254_740_992u64}), true),
        // Beyond 2^53: a double cannot hold it.
        (json!({"price": 9_007_199_254_740_993u64}), false),
        (
            json!({"cart": {"items": [{"qty": 1}, {"qty": u64::MAX}]}}),
            false,
        ),
    ] {
        let mut r = base_request();
        r.metadata = self::metadata(metadata);
        cases.push((r, Some(sent)));
    }

    for (case, expected) in &cases {
        let sent = check(&client, &oracle, case).await;
        let body = serde_json::to_string(case);
        match (sent, expected) {
            (Sent::Accepted, Some(true) | None) | (Sent::Refused, Some(false) | None) => {}
            (sent, _) => panic!("{sent:?} for {body:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integer_like_keys_and_exponents_are_sent_as_v8_writes_them() {
    if skip() {
        return;
    }
    let server = NodeServer::start();
    let oracle = Mutex::new(Oracle::start());
    let client = client(&server.url);
    let mut request = base_request();
    request.metadata = metadata(json!({"b": 1, "2": 0, "1": 0, "big": 1e21, "small": 1e-7}));
    let sent = check(&client, &oracle, &request).await;
    assert!(matches!(sent, Sent::Accepted), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_a_double_cannot_hold_are_refused_naming_the_field() {
    if skip() {
        return;
    }
    let server = NodeServer::start();
    let client = client(&server.url);
    let mut price = base_request();
    price.metadata = metadata(json!({"note": "x", "price": 9_007_199_254_740_993u64}));
    let mut amount = base_request();
    amount.amount = JsonDecimal(Decimal::from_str("12345678901234567.89").expect("decimal"));
    let mut nested = base_request();
    nested.metadata = metadata(json!({"cart": [{"b": 1}, {"9": u64::MAX}]}));
    for (request, path, number) in [
        (price, "`metadata.price`", "9007199254740993"),
        (amount, "`amount`", "12345678901234567.89"),
        (nested, "`metadata.cart[1][\"9\"]`", "18446744073709551615"),
    ] {
        let err = client
            .create_checkout_link()
            .body(request)
            .send()
            .await
            .expect_err("refused");
        let err = Error::from(err);
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(path), "{message} should name {path}");
        assert!(message.contains(number), "{message} should quote {number}");
    }
}

#[test]
fn the_reference_and_webhook_vectors_hold_in_node() {
    if skip() {
        return;
    }
    let mut oracle = Oracle::start();
    let dir = format!("{}/tests/fixtures/xstak", env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read(format!("{dir}/{name}")).expect("fixture");
    let vector: Value = serde_json::from_slice(&read("signature_vector.json")).expect("JSON");
    let node = oracle.ask(
        &read("signature_vector_body.json"),
        vector["key"].as_str().expect("key"),
    );
    assert_eq!(node["canonical"], true);
    assert_eq!(node["raw_signature"], vector["signature"]);

    let vector: Value = serde_json::from_slice(&read("webhook_vector.json")).expect("JSON");
    let node = oracle.ask(
        &read("webhook_payment_intent_notification.json"),
        vector["secret"].as_str().expect("secret"),
    );
    assert_eq!(node["canonical"], true);
    assert_eq!(node["raw_signature"], vector["signature"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_rejects_what_it_should_so_this_test_can_fail() {
    if skip() {
        return;
    }
    let server = NodeServer::start();
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::new();
    let post = |body: &'static str, signature: String| {
        http.post(format!("{}/public/v1/payment/checkout", server.url))
            .header("content-type", "application/json")
            .header("x-signature", signature)
            .body(body)
            .send()
    };
    // Signed over the raw bytes, but JavaScript re-serializes 5.0 as 5.
    let body = r#"{"amount":5.0}"#;
    let reply = post(body, signing::sign(&HMAC_SECRET.into(), body.as_bytes()))
        .await
        .expect("node answers");
    assert_eq!(reply.status(), 401);
    // Altered after signing.
    let reply = post(
        r#"{"amount":50}"#,
        signing::sign(&HMAC_SECRET.into(), br#"{"amount":5}"#),
    )
    .await
    .expect("node answers");
    assert_eq!(reply.status(), 401);
    // The control: correct bytes and signature pass.
    let reply = post(
        r#"{"amount":5}"#,
        signing::sign(&HMAC_SECRET.into(), br#"{"amount":5}"#),
    )
    .await
    .expect("node answers");
    assert_eq!(reply.status(), 200);
}

#[test]
fn number_formatting_matches_v8_on_random_values() {
    if skip() {
        return;
    }
    let mut oracle = Oracle::start();
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let doubles = prop::collection::vec(any::<u64>().prop_map(f64::from_bits), 4000);
    let decimals = prop::collection::vec(
        prop_oneof![
            (-999_999_999_999_999i64..=999_999_999_999_999, 0u32..=20),
            (any::<i64>(), 0u32..=20),
        ]
        .prop_map(|(m, s)| Decimal::new(m, s)),
        4000,
    );
    let tree = doubles.new_tree(&mut runner).expect("strategy");
    let mut texts: Vec<String> = tree
        .current()
        .into_iter()
        .filter_map(js::format_f64)
        .collect();
    let tree = decimals.new_tree(&mut runner).expect("strategy");
    let representable: Vec<String> = tree
        .current()
        .iter()
        .filter_map(|d| js::format_decimal(d).ok())
        .collect();
    assert!(
        representable.len() > 1000,
        "most random decimals survive a double"
    );
    texts.extend(representable);
    // Exact ties between two shortest candidates, where V8 picks the even digit.
    texts.extend(
        TIES.map(f64::from_bits)
            .into_iter()
            .filter_map(js::format_f64),
    );
    let array = format!("[{}]", texts.join(","));
    let node = oracle.ask(array.as_bytes(), "k");
    assert_eq!(node["parses"], true);
    if node["canonical"] != true {
        let theirs = String::from_utf8(unhex(&node["canonical_hex"])).expect("UTF-8");
        let ours: Vec<&str> = array[1..array.len() - 1].split(',').collect();
        let theirs: Vec<&str> = theirs[1..theirs.len() - 1].split(',').collect();
        let diff: Vec<_> = ours
            .iter()
            .zip(&theirs)
            .filter(|(a, b)| a != b)
            .take(5)
            .collect();
        panic!("V8 writes these numbers differently: {diff:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_requests_reach_node_unsigned() {
    if skip() {
        return;
    }
    let server = NodeServer::start();
    let reply = client(&server.url)
        .retrieve_payment_intent()
        .pi_id("xpay_pi_x")
        .send()
        .await
        .expect("node accepts an unsigned GET")
        .into_inner();
    let verdict: Value =
        serde_json::from_str(reply.message.as_deref().expect("verdict")).expect("JSON");
    assert_eq!(verdict["method"], "GET");
    assert_eq!(verdict["signature"], Value::Null);
    assert_eq!(verdict["body_hex"], "");
    // And `.data()` unwraps the same kind of reply.
    client(&server.url)
        .retrieve_payment_intent()
        .pi_id("xpay_pi_x")
        .send()
        .await
        .data()
        .expect("data");
}
