//! Interop with real Node.js, the runtime XStak's server runs on.
//!
//! The client sends to `tests/node/xstak_verify_server.js` over loopback; that server does what
//! XStak does (`JSON.stringify(JSON.parse(body))`, HMAC-SHA256 hex with the API HMAC secret,
//! compare with `x-signature`) and reports what it received. Bodies come from the seed, from a
//! hand-picked list of hard cases, and from proptest. Every body is also given to
//! `tests/node/xstak_canonical.js`, which says what V8 makes of serde_json's bytes and which
//! numbers (if any) change value on the way, with V8's own source text of each number. The
//! client must send exactly V8's bytes, signed, and refuse only when V8 changes a number,
//! naming the same field.
//!
//! Needs `node` on `PATH` (CI installs it). Set `XSTAK_SKIP_NODE_INTEROP=1` to skip locally.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

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

/// Node 20 needs a flag for `JSON.parse` source text access (used by the oracle); later
/// versions have it on by default and may not know the flag.
fn node_flags() -> &'static [&'static str] {
    static FLAGS: OnceLock<&'static [&'static str]> = OnceLock::new();
    FLAGS.get_or_init(|| {
        const FLAG: &str = "--harmony-json-parse-with-source";
        let works = Command::new("node")
            .args([FLAG, "-e", "0"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works { &[FLAG] } else { &[] }
    })
}

fn spawn_node(script: &str, args: &[&str]) -> Child {
    Command::new("node")
        .args(node_flags())
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

/// Bodies the client's former rule (send serde_json's bytes only if V8 would keep them
/// unchanged) would have refused.
static OLD_RULE_REFUSALS: AtomicU32 = AtomicU32::new(0);

/// What happened to one request, judged against V8.
#[derive(Debug)]
enum Sent {
    /// Sent as V8 writes it, and Node verified the signature.
    Accepted,
    /// Refused, naming the first number V8 changes.
    Refused,
    /// Refused, though V8 changes no number (or another one than named).
    WronglyRefused(String),
    /// Sent, but Node's bytes or signature differ from ours, or V8 changes a number in it.
    Mismatch(String),
}

/// What V8 makes of `bytes`: its canonical bytes, their signature, and the numbers it
/// changes (`[{path, number, nearest}]`, in output order).
fn ask_v8(oracle: &Mutex<Oracle>, bytes: &[u8]) -> (Vec<u8>, Value, Vec<Value>) {
    let node = oracle.lock().expect("oracle").ask(bytes, HMAC_SECRET);
    assert_eq!(node["parses"], true, "{}", String::from_utf8_lossy(bytes));
    let changed = node["changed"].as_array().expect("changed list").clone();
    (
        unhex(&node["canonical_hex"]),
        node["canonical_signature"].clone(),
        changed,
    )
}

/// Sends `request` through the client to the Node server and judges the outcome against what
/// V8 makes of serde_json's bytes for it.
async fn check(client: &Client, oracle: &Mutex<Oracle>, request: &types::CheckoutRequest) -> Sent {
    let serialized = serde_json::to_vec(request).expect("every request serializes");
    let (v8_bytes, v8_signature, changed) = ask_v8(oracle, &serialized);
    // The rule before this client sent V8's form: refuse whatever V8 would rewrite.
    if !js::is_canonical(&serialized) {
        OLD_RULE_REFUSALS.fetch_add(1, Ordering::Relaxed);
    }
    let result = client
        .create_checkout_link()
        .body(request.clone())
        .send()
        .await;
    let reply = match result {
        Ok(reply) => reply,
        Err(e) => {
            let e = Error::from(e);
            let Error::InvalidRequest(message) = &e else {
                return Sent::Mismatch(format!("{e:?}"));
            };
            return match changed.first() {
                Some(first) => {
                    let path = first["path"].as_str().expect("path");
                    if message.contains(&format!("`{path}`")) {
                        Sent::Refused
                    } else {
                        Sent::WronglyRefused(format!("{message} (V8 changes {first})"))
                    }
                }
                None => Sent::WronglyRefused(format!(
                    "{message}; V8 keeps every number of {}",
                    String::from_utf8_lossy(&serialized)
                )),
            };
        }
    };
    let envelope = reply.into_inner();
    assert_eq!(envelope.success, Some(true));
    let verdict: Value =
        serde_json::from_str(envelope.message.as_deref().expect("verdict")).expect("JSON");
    assert_eq!(verdict["method"], "POST");
    assert_eq!(verdict["url"], "/public/v1/payment/checkout");
    assert_eq!(verdict["api_key"], API_KEY);
    assert_eq!(verdict["account_id"], ACCOUNT_ID);
    assert_eq!(verdict["content_type"], "application/json");
    assert!(verdict["idempotency_key"].is_string());
    let received = unhex(&verdict["body_hex"]);
    if !changed.is_empty() {
        return Sent::Mismatch(format!("sent although V8 changes {changed:?}"));
    }
    // Node received exactly V8's form of serde_json's bytes, as valid UTF-8; re-serializing
    // changes nothing, and Node's recomputed signature is the one we sent.
    if received != v8_bytes
        || verdict["utf8"] != true
        || verdict["canonical"] != true
        || verdict["signature"] != verdict["canonical_signature"]
        || verdict["signature"] != verdict["raw_signature"]
        || verdict["signature"] != v8_signature
        || verdict["signature"] != signing::sign(&HMAC_SECRET.into(), &received)
    {
        return Sent::Mismatch(format!(
            "{verdict}\nV8: {}",
            String::from_utf8_lossy(&v8_bytes)
        ));
    }
    // The amount JavaScript echoes back reads as the same decimal. (Checked up to 15
    // significant digits: reading 16-17 digit numbers back goes through serde_json's float
    // parser and Rust's tie-breaking, see the report on JsonDecimal.)
    let data = envelope.data.expect("data");
    if significant_digits(request.amount.0) <= 15 {
        assert_eq!(data.amount, Some(request.amount));
    }
    Sent::Accepted
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
            "\u{2028}\u{2029}",
            "\u{0}\u{1f}\u{8}\u{c}\n\r\t",
            "\u{7f}\u{80}\u{9f}",
            "\u{feff}\u{fffd}\u{d7ff}\u{e000}",
            "</script>",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Numbers as serde_json writes them: doubles in every magnitude (exponent forms included),
/// integers within 2^53, and some beyond it, which a double may not hold.
fn any_number() -> impl Strategy<Value = Value> {
    const SAFE: i64 = 1 << 53;
    prop_oneof![
        3 => (-SAFE..=SAFE).prop_map(Value::from),
        1 => (-1_000_000i64..1_000_000).prop_map(Value::from),
        2 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        2 => (-10_000i32..10_000, -30i32..30)
            .prop_map(|(m, e)| Value::from(f64::from(m) * 10f64.powi(e))),
        1 => prop::sample::select(vec![1e21, 1e20, 1e-7, 1e-6, 1.5e-7, 5.0, -0.0, 5e-324, f64::MAX])
            .prop_map(Value::from),
        1 => prop_oneof![any::<u64>().prop_map(Value::from), any::<i64>().prop_map(Value::from)],
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => any_number(),
        3 => any_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any_key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Keys in random order, many of them integer-like (array indices up to 2^32 - 2, which
/// JavaScript lists first) or nearly so.
fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,10}",
        2 => "[0-9]{1,3}",
        1 => prop::sample::select(vec!["0", "4294967294", "4294967295", "01", "-1", "1.5", "1e3"])
            .prop_map(str::to_owned),
        1 => any::<u32>().prop_map(|n| n.to_string()),
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

/// How many random cases to run: `XSTAK_INTEROP_CASES`, 300 by default.
fn random_cases() -> u32 {
    std::env::var("XSTAK_INTEROP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

/// Counts of [`Sent`] outcomes, printed before anything is asserted.
#[derive(Default)]
struct Tally {
    accepted: u32,
    refused: u32,
    wrongly_refused: Vec<String>,
    mismatched: Vec<String>,
}

impl Tally {
    fn add(&mut self, sent: Sent) {
        match sent {
            Sent::Accepted => self.accepted += 1,
            Sent::Refused => self.refused += 1,
            Sent::WronglyRefused(why) => self.wrongly_refused.push(why),
            Sent::Mismatch(why) => self.mismatched.push(why),
        }
    }

    fn assert_clean(&self, what: &str) {
        let total = self.accepted
            + self.refused
            + self.wrongly_refused.len() as u32
            + self.mismatched.len() as u32;
        eprintln!(
            "{what}: {total} bodies: {} sent, {} refused with V8's agreement (a number it \
             changes), {} refused though representable, {} signature/byte mismatches",
            self.accepted,
            self.refused,
            self.wrongly_refused.len(),
            self.mismatched.len()
        );
        assert!(
            self.wrongly_refused.is_empty(),
            "refused bodies JavaScript carries: {:#?}",
            &self.wrongly_refused[..self.wrongly_refused.len().min(5)]
        );
        assert!(
            self.mismatched.is_empty(),
            "mismatches: {:#?}",
            &self.mismatched[..self.mismatched.len().min(5)]
        );
        // Both paths must be exercised.
        assert!(self.refused > 0, "no refusal exercised");
        assert!(self.accepted > 0, "nothing sent");
    }
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
    let tally = Mutex::new(Tally::default());
    let mut runner = TestRunner::new(Config {
        cases: random_cases(),
        failure_persistence: None,
        ..Config::default()
    });
    OLD_RULE_REFUSALS.store(0, Ordering::Relaxed);
    runner
        .run(&any_request(), |request| {
            let sent = rt.block_on(check(&client, &oracle, &request));
            tally.lock().expect("lock").add(sent);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "random checkout requests: the former rule (refuse what V8 rewrites) would have \
         refused {}",
        OLD_RULE_REFUSALS.load(Ordering::Relaxed)
    );
    tally
        .lock()
        .expect("lock")
        .assert_clean("random checkout requests");
}

// ---------------------------------------------------------------- random JSON texts

/// A JSON number spelled any way the grammar allows.
fn raw_number() -> impl Strategy<Value = String> {
    let spelled = (
        any::<bool>(),
        "0|[1-9][0-9]{0,9}",
        prop::option::of("[0-9]{1,9}"),
        prop::option::of("[eE][+-]?[0-9]{1,2}"),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let sign = if negative { "-" } else { "" };
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{sign}{int}{frac}{}", exp.unwrap_or_default())
        });
    prop_oneof![
        3 => spelled,
        2 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_flat_map(|f| prop::sample::select(vec![format!("{f:e}"), format!("{f:?}"), format!("{f:E}")])),
        2 => prop::sample::select(vec![
            "1e21", "1E21", "1e+21", "1e20", "1e-7", "0.0000001", "-0", "0.0", "-0.0e5", "5.0",
            "1e400", "-1e400", "1e-400", "9007199254740993", "9007199254740992",
            "0.10000000000000001", "123456789012345678901234567890", "5e-324", "2e-324",
            "1.7976931348623157e308", "0e99999999999999999999",
        ])
        .prop_map(str::to_owned),
    ]
}

/// A JSON string literal with the escapes `JSON.parse` accepts, lone surrogates included.
fn raw_string() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "[a-z0-9 ]{1,4}",
        // Any printable text, minus what would end the string or start an escape.
        "\\PC{1,3}".prop_map(|s| s.replace(['"', '\\'], "x")),
        prop::sample::select(vec![
            r"\/",
            r"\u00e9",
            r"\ud800",
            r"\udc00",
            r"\udbff\udfff",
            r"\ud83d\ude00",
            r"\ud83d\ud83d",
            r"\u2028",
            "\u{2028}",
            "\u{2029}",
            r"\b\f\n\r\t",
            r#"\""#,
            r"\\",
            r"\u0000",
            r"\u001F",
            r"\u007f",
            "é",
            "😀",
            "\u{7f}",
            r"\uD834\uDD1E",
            r"\uFEFF",
            r"\u0037",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(part, 0..5).prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn raw_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,4}".prop_map(|k| format!("\"{k}\"")),
        3 => (0u32..40).prop_map(|n| format!("\"{n}\"")),
        1 => prop::sample::select(vec![
            r#""4294967294""#, r#""4294967295""#, r#""01""#, r#""-1""#, r#""\u0037""#, r#""1\u0030""#,
        ])
        .prop_map(str::to_owned),
        1 => raw_string(),
    ]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n", "\t ", "\r\n"])
}

/// JSON texts with whitespace, duplicate keys, keys in any order and numbers and strings
/// spelled any valid way.
fn raw_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => raw_number(),
        2 => raw_string(),
        1 => prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..5).prop_map(|items| {
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(a, v, b)| format!("{a}{v}{b}"))
                    .collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((ws(), raw_key(), ws(), inner, ws()), 0..6).prop_map(|kv| {
                let kv: Vec<String> = kv
                    .into_iter()
                    .map(|(a, k, b, v, c)| format!("{a}{k}{b}:{v}{c}"))
                    .collect();
                format!("{{{}}}", kv.join(","))
            }),
        ]
    })
}

/// The signing step alone, on texts serde_json would never write: V8's bytes and signature
/// exactly, or a refusal naming the first number V8 changes.
#[test]
fn random_json_texts_are_signed_as_v8_writes_them() {
    if skip() {
        return;
    }
    let oracle = Mutex::new(Oracle::start());
    let secret = HMAC_SECRET.into();
    let mut tally = Tally::default();
    let mut old_rule_refusals = 0;
    let mut runner = TestRunner::new(Config {
        cases: random_cases() * 3,
        failure_persistence: None,
        ..Config::default()
    });
    let texts = prop::collection::vec((ws(), raw_json(), ws()), runner.config().cases as usize);
    let tree = texts.new_tree(&mut runner).expect("strategy");
    for (before, text, after) in tree.current() {
        let text = format!("{before}{text}{after}");
        let (v8_bytes, v8_signature, changed) = ask_v8(&oracle, text.as_bytes());
        if !js::is_canonical(text.as_bytes()) {
            old_rule_refusals += 1;
        }
        let sent = match (
            signing::canonical_signed_body(&secret, text.as_bytes()),
            changed.first(),
        ) {
            (Ok(signed), None) => {
                if signed.body() == v8_bytes && signed.signature() == v8_signature {
                    Sent::Accepted
                } else {
                    Sent::Mismatch(format!(
                        "{text}\n  ours {}\n  V8   {}",
                        String::from_utf8_lossy(signed.body()),
                        String::from_utf8_lossy(&v8_bytes)
                    ))
                }
            }
            (Ok(_), Some(first)) => Sent::Mismatch(format!("{text}: sent, but V8 changes {first}")),
            (Err(e), Some(first)) if e.path() == first["path"].as_str() => Sent::Refused,
            (Err(e), first) => Sent::WronglyRefused(format!("{text}: {e} (V8 changes {first:?})")),
        };
        tally.add(sent);
    }
    eprintln!("random JSON texts: the former rule would have refused {old_rule_refusals}");
    tally.assert_clean("random JSON texts");
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
