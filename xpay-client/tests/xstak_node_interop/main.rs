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

mod fixed_cases;
mod random;

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
