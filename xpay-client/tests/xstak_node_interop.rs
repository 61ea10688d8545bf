//! Interop with real Node.js, the runtime XStak's server runs on.
//!
//! The client sends to `tests/node/xstak_verify_server.js` over loopback; that server does what
//! XStak does (`JSON.stringify(JSON.parse(body))`, HMAC-SHA256 hex with the API HMAC secret,
//! compare with `x-signature`) and reports what it received. Bodies come from the seed, from a
//! hand-picked list of hard cases, and from proptest. Bodies the client refuses to send are
//! checked against Node too (`tests/node/xstak_canonical.js`), so a refusal is only accepted
//! when JavaScript really would have rewritten the bytes.
//!
//! Needs `node` on `PATH` (CI installs it). Set `XSTAK_SKIP_NODE_INTEROP=1` to skip locally.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::str::FromStr;
use std::sync::Mutex;

use paygate_runtime::{JsonDecimal, RetryPolicy, js};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value, json};
use xpay_client::xstak::{Client, Credentials, EnvelopeExt, Error, signing, types};

const API_KEY: &str = "sk_interop";
const ACCOUNT_ID: &str = "acct_interop";
// Non-ASCII on purpose: the key is used as UTF-8 bytes on both sides.
const HMAC_SECRET: &str = "interop_hmac_secret_ü";

/// Doubles exactly halfway between two shortest decimal candidates (…944.25 is written
/// …944.2 by V8, which takes the even digit): 1376765519500944.25, 1758833263804771.25,
/// 123384756408918.625.
const TIES: [u64; 3] = [
    0x4313_90a4_ceea_5a41,
    0x4318_fe99_1fa2_058d,
    0x42dc_0df0_24e4_95a8,
];

fn node_dir() -> String {
    format!("{}/tests/node", env!("CARGO_MANIFEST_DIR"))
}

fn skip() -> bool {
    if std::env::var_os("XSTAK_SKIP_NODE_INTEROP").is_some() {
        eprintln!("XSTAK_SKIP_NODE_INTEROP is set: skipping the Node.js interop checks");
        return true;
    }
    false
}

fn spawn_node(script: &str, args: &[&str]) -> Child {
    Command::new("node")
        .arg(format!("{}/{script}", node_dir()))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `node` ({e}): install Node.js, or set XSTAK_SKIP_NODE_INTEROP=1 to skip"
            )
        })
}

/// `xstak_verify_server.js`, stopped when dropped.
struct NodeServer {
    child: Child,
    url: String,
}

impl NodeServer {
    fn start() -> NodeServer {
        let mut child = spawn_node("xstak_verify_server.js", &[HMAC_SECRET]);
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server announces its port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from node: {line:?}"));
        NodeServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `xstak_canonical.js`: what Node makes of given bytes.
struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    fn start() -> Oracle {
        let mut child = spawn_node("xstak_canonical.js", &[]);
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Oracle {
            child,
            stdin,
            stdout,
        }
    }

    fn ask(&mut self, bytes: &[u8], key: &str) -> Value {
        let line = json!({
            "body_hex": to_hex(bytes),
            "key": key,
        });
        writeln!(self.stdin, "{line}").expect("write to node");
        self.stdin.flush().expect("flush to node");
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).expect("read from node");
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer:?}"))
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from the lowercase hex the Node scripts write.
fn unhex(v: &Value) -> Vec<u8> {
    let text = v.as_str().expect("hex string");
    assert!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Digits of the decimal without leading/trailing zeros.
fn significant_digits(d: Decimal) -> usize {
    let m = d.mantissa().unsigned_abs().to_string();
    m.trim_end_matches('0').len().max(1)
}

fn client(url: &str) -> Client {
    Client::staging(Credentials::new(API_KEY, ACCOUNT_ID, HMAC_SECRET))
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("valid XStak settings")
}

/// What happened to one request.
enum Sent {
    Accepted,
    Refused,
}

/// Sends `request` through the client to the Node server and checks both sides agree on the
/// bytes and the signature; or, if the client refuses, checks that Node confirms the refusal.
async fn check(client: &Client, oracle: &Mutex<Oracle>, request: &types::CheckoutRequest) -> Sent {
    let result = client
        .create_checkout_link()
        .body(request.clone())
        .send()
        .await;
    let expected = serde_json::to_vec(request);
    match (result, expected) {
        (Ok(reply), Ok(expected)) => {
            let envelope = reply.into_inner();
            assert_eq!(envelope.success, Some(true));
            let verdict: Value =
                serde_json::from_str(envelope.message.as_deref().expect("verdict")).expect("JSON");
            assert_eq!(verdict["method"], "POST");
            assert_eq!(verdict["url"], "/public/v1/payment/checkout");
            assert_eq!(verdict["api_key"], API_KEY);
            assert_eq!(verdict["account_id"], ACCOUNT_ID);
            assert_eq!(verdict["content_type"], "application/json");
            // Node received exactly the bytes the client serialized, as valid UTF-8 …
            assert_eq!(unhex(&verdict["body_hex"]), expected);
            assert_eq!(verdict["utf8"], true);
            // … JSON.stringify(JSON.parse(them)) changes nothing …
            assert_eq!(verdict["canonical"], true, "{verdict}");
            assert_eq!(unhex(&verdict["canonical_hex"]), expected);
            // … and Node's recomputed signature is the one we sent.
            assert_eq!(verdict["signature"], verdict["canonical_signature"]);
            assert_eq!(verdict["signature"], verdict["raw_signature"]);
            assert_eq!(
                verdict["signature"],
                signing::sign(&HMAC_SECRET.into(), &expected)
            );
            assert!(verdict["idempotency_key"].is_string());
            // The amount JavaScript echoes back reads as the same decimal. (Checked up to 15
            // significant digits: reading 16-17 digit numbers back goes through serde_json's
            // float parser and Rust's tie-breaking, see the report on JsonDecimal.)
            let data = envelope.data.expect("data");
            if significant_digits(request.amount.0) <= 15 {
                assert_eq!(data.amount, Some(request.amount));
            }
            Sent::Accepted
        }
        (Err(e), Ok(expected)) => {
            let e = Error::from(e);
            assert!(matches!(e, Error::InvalidRequest(_)), "{e:?}");
            assert!(!js::is_canonical(&expected));
            let node = oracle.lock().expect("oracle").ask(&expected, HMAC_SECRET);
            assert_eq!(node["parses"], true);
            assert_eq!(
                node["canonical"],
                false,
                "we refused bytes that Node would have kept: {}",
                String::from_utf8_lossy(&expected)
            );
            // Sending them signed as-is would have failed verification.
            assert_ne!(node["canonical_signature"], node["raw_signature"]);
            Sent::Refused
        }
        (result, Err(serialize)) => {
            // Only an amount a double cannot hold fails to serialize.
            assert!(result.is_err(), "sent a body that does not serialize");
            let text = request.amount.0.normalize().to_string();
            assert!(serialize.to_string().contains(&text), "{serialize}");
            let node = oracle
                .lock()
                .expect("oracle")
                .ask(text.as_bytes(), HMAC_SECRET);
            let js_text = String::from_utf8(unhex(&node["canonical_hex"])).expect("UTF-8");
            let js_value = Decimal::from_str(&js_text)
                .or_else(|_| Decimal::from_scientific(&js_text))
                .expect("JS writes a decimal");
            assert_ne!(
                js_value, request.amount.0,
                "refused {text}, but JavaScript keeps it as {js_text}"
            );
            Sent::Refused
        }
    }
}

fn base_request() -> types::CheckoutRequest {
    let seed = std::fs::read(format!(
        "{}/tests/fixtures/xstak/checkout_request.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("seed fixture");
    serde_json::from_slice(&seed).expect("seed parses")
}

fn metadata(v: Value) -> Option<types::Metadata> {
    match v {
        Value::Object(m) => Some(types::Metadata(m)),
        _ => None,
    }
}

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
    // JavaScript lists "9" before "10"; whether serde_json keeps our order depends on its
    // `preserve_order` feature, so either outcome is fine as long as Node agrees.
    let mut index_keys = base_request();
    index_keys.metadata = metadata(json!({"9": "nine", "10": "ten"}));
    cases.push((index_keys, None));
    let mut float = base_request();
    float.metadata = metadata(json!({"weight": 5.0}));
    cases.push((float, Some(false)));
    // serde_json writes these floats as `1e+20` and `1e-6`; V8 writes them out in full.
    let mut big = base_request();
    big.metadata = metadata(json!({"big": 1e20}));
    cases.push((big, Some(false)));
    let mut small = base_request();
    small.metadata = metadata(json!({"small": 0.000001}));
    cases.push((small, Some(false)));
    // serde_json writes these the V8 way.
    let mut same = base_request();
    same.metadata = metadata(json!({"a": 1e21, "b": 1e-7, "c": f64::from_bits(TIES[0])}));
    cases.push((same, Some(true)));

    for (case, expected) in &cases {
        let sent = matches!(check(&client, &oracle, case).await, Sent::Accepted);
        if let Some(expected) = expected {
            assert_eq!(sent, *expected, "{:?}", serde_json::to_string(case));
        }
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

// ---------------------------------------------------------------- random bodies

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        "[a-z0-9 ./:?=&%-]{0,24}",
        prop::sample::select(vec![
            "عائشہ",
            "کراچی",
            "💸🇵🇰",
            "a/b//c",
            "\"\\",
            "\u{2028}",
            "\u{0}\u{1f}",
            "</script>",
        ])
        .prop_map(str::to_owned),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1_000_000i64..1_000_000).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        (-10_000i32..10_000, 0u32..4)
            .prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e as i32))),
        any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any_key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_]{1,10}",
        1 => "[0-9]{1,2}",
        1 => any_text(),
    ]
}

fn any_amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        6 => (1i64..1_000_000_000_000, 0u32..=4).prop_map(|(m, s)| Decimal::new(m, s)),
        2 => (any::<i64>(), 0u32..=12).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => (1i64..100, 15u32..=22)
            .prop_map(|(m, e)| Decimal::from_i128_with_scale(i128::from(m) * 10i128.pow(e), 0)),
        1 => prop::sample::select(vec!["5", "5.5", "0.1", "1234567.891", "1000000000000000000000"])
            .prop_map(|s| Decimal::from_str(s).expect("decimal")),
    ]
}

fn any_request() -> impl Strategy<Value = types::CheckoutRequest> {
    let customer = (
        any_text(),
        prop::option::of(any_text()),
        prop::option::of("03[0-9]{9}"),
        prop::option::of(prop::sample::select(vec!["Yes", "No"])),
    )
        .prop_map(|(name, email, phone, vip)| types::Customer {
            email,
            name,
            phone,
            previous_customer: vip.map(str::to_owned),
            vip_customer: vip.map(str::to_owned),
        });
    let shipping = prop::option::of((any_text(), any_text(), any_text()).prop_map(
        |(address1, city, zip)| types::Shipping {
            address1: Some(address1),
            city: Some(city),
            country: Some("Pakistan".into()),
            province: None,
            shipping_method: Some("Standard".into()),
            zip: Some(zip),
        },
    ));
    let metadata = prop::option::of(
        prop::collection::vec((any_key(), any_json()), 0..5)
            .prop_map(|kv| types::Metadata(kv.into_iter().collect())),
    );
    let url = "https://[a-z]{1,8}\\.pk(/[a-z0-9%.-]{0,6}){0,4}(\\?[a-z]=[a-z0-9/%]{0,8})?";
    let methods = prop::collection::vec(
        prop::sample::select(vec![
            "card",
            "easypaisa",
            "jazzcash",
            "googlepay",
            "dqr",
            "new_wallet",
        ])
        .prop_map(types::PaymentMethod::from),
        0..4,
    );
    (
        any_amount(),
        customer,
        shipping,
        metadata,
        url,
        url,
        methods,
    )
        .prop_map(
            |(amount, customer, shipping, metadata, success_url, failure_url, payment_methods)| {
                types::CheckoutRequest {
                    amount: JsonDecimal(amount),
                    currency: "PKR".into(),
                    customer,
                    failure_url,
                    metadata,
                    payment_methods,
                    shipping,
                    success_url,
                }
            },
        )
}

#[test]
fn random_bodies_agree_with_node() {
    if skip() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let server = NodeServer::start();
    let oracle = Mutex::new(Oracle::start());
    let client = client(&server.url);
    let accepted = Mutex::new(0u32);
    let total = Mutex::new(0u32);

    let mut runner = TestRunner::new(Config {
        cases: 192,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&any_request(), |request| {
            let sent = rt.block_on(check(&client, &oracle, &request));
            *total.lock().expect("lock") += 1;
            if let Sent::Accepted = sent {
                *accepted.lock().expect("lock") += 1;
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let (accepted, total) = (
        *accepted.lock().expect("lock"),
        *total.lock().expect("lock"),
    );
    eprintln!("{accepted} of {total} random bodies sent; the rest refused with Node's agreement");
    // About half are sent (integral floats like `5.0` in metadata and 19-digit amounts are
    // refused); both paths must be exercised.
    assert!(
        accepted * 4 > total,
        "too few bodies sent ({accepted} of {total})"
    );
    assert!(accepted < total, "no refusal exercised ({total} bodies)");
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
