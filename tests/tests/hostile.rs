//! Hostile input, for all four clients: replies and webhooks that are broken, malicious or from
//! a newer API version never panic, and every failure is a typed error.
//!
//! - `parsers_*`: every response type the generated clients decode is fed random bytes and
//!   mutated valid payloads (proptest); parsing never panics, and whatever parses serializes
//!   and parses again.
//! - `typed_calls_*`: the same hostile bodies, with random statuses, served by a stub to the
//!   clients' typed calls; the call never panics, succeeds only on a 2xx, and otherwise fails
//!   with `Api`, `Decode` or `UnexpectedStatus` carrying the status that was sent.
//! - `catalogue_*`: one named case per hostile reply the issue lists (HTML page, truncated,
//!   empty, wrong types, missing required field, huge body, unknown enum values), plus the
//!   sandbox's own HTML and truncated-JSON faults on real routes.
//! - `webhooks_*`: every webhook/callback verifier is fed random bytes, mutated payloads that
//!   carry a valid signature (so the parser behind the signature is reached) and tampered
//!   bodies; it never panics, never rejects a valid signature as forged, and never accepts a
//!   tampered body that means something else.
//!
//! Case counts are printed (`cargo test -p workspace-tests --test hostile -- --nocapture`).

use std::fmt::Debug;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, Uri};
use bytes::Bytes;
use paygate_runtime::RetryPolicy;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ------------------------------------------------------------------------------------------
// Fixtures and mutations
// ------------------------------------------------------------------------------------------

/// A fixture of another crate, `path` relative to the workspace root, optionally followed by
/// `#<JSON pointer>` to take one part of it (a list item as a seed for the item type).
fn fixture(spec: &str) -> Vec<u8> {
    let (path, pointer) = spec.split_once('#').unwrap_or((spec, ""));
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let text = std::fs::read(&full).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()));
    if pointer.is_empty() {
        return text;
    }
    let value: Value = serde_json::from_slice(&text).expect("a pointer needs a JSON fixture");
    let part = value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{spec}: no {pointer}"));
    serde_json::to_vec(part).expect("a JSON value serializes")
}

fn fixture_json(spec: &str) -> Value {
    serde_json::from_slice(&fixture(spec)).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// A placeholder string that no fixture contains; replaced by raw JSON text after
/// serialization, so numbers serde_json cannot hold (`1e400`) can be planted.
const PLACEHOLDER: &str = "__hostile_placeholder__";

/// What is done to a valid payload.
#[derive(Debug, Clone)]
enum Mutation {
    /// Not a payload at all.
    RandomBytes(Vec<u8>),
    /// Cut off at some byte.
    Truncate(Index),
    /// One byte overwritten.
    SetByte(Index, u8),
    /// Bytes inserted somewhere.
    Insert(Index, Vec<u8>),
    /// A member (object key or array item) removed anywhere in the document.
    Remove(Index),
    /// A value anywhere replaced by other JSON (wrong types, huge numbers, odd strings).
    Replace(Index, String),
    /// An object key renamed (an unknown field appears, a known one disappears).
    Rename(Index, String),
    /// Several value replacements at once.
    ReplaceMany(Vec<(Index, String)>),
}

/// Raw JSON values that break parsers: wrong types, numbers out of every range, decimals in
/// strings that overflow, dates that do not exist, deep nesting, unicode.
fn hostile_json() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "null",
        "true",
        "false",
        "0",
        "-0",
        "-1",
        "0.1",
        "1.0",
        "1e400",
        "-1e400",
        "1.5e-7",
        "123456789012345678901234567890123",
        "18446744073709551616",
        "-9223372036854775809",
        "\"\"",
        "\" \"",
        "\"1e5\"",
        "\"NaN\"",
        "\"-0.0000000000000000000000000000001\"",
        "\"79228162514264337593543950336\"",
        "\"2026-02-30T25:61:61Z\"",
        "\"1690532072.288761999999999999\"",
        "\"99999999999999999999\"",
        "\"-1\"",
        "[]",
        "{}",
        "[null,1,\"a\",{}]",
        "{\"unknown\":{\"deep\":[1,2,3]}}",
        "\"\\ud800\"",
        "\"\\u0000\"",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        4 => fixed,
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap_or_else(|_| "0".into())),
        2 => "\\PC{0,40}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        1 => (1usize..400).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Mutation::RandomBytes),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        3 => any::<Index>().prop_map(Mutation::Remove),
        5 => (any::<Index>(), hostile_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (any::<Index>(), "[a-zA-Z_]{1,12}").prop_map(|(i, k)| Mutation::Rename(i, k)),
        2 => prop::collection::vec((any::<Index>(), hostile_json()), 2..6)
            .prop_map(Mutation::ReplaceMany),
    ]
}

/// Every JSON pointer below the root.
fn pointers(value: &Value) -> Vec<String> {
    fn walk(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    out.push(p.clone());
                    walk(v, &p, out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    walk(v, &p, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

fn split_pointer(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

fn remove_at(doc: &mut Value, pointer: &str) {
    let (parent, key) = split_pointer(pointer);
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

fn rename_at(doc: &mut Value, pointer: &str, new_key: &str) {
    let (parent, key) = split_pointer(pointer);
    if let Some(Value::Object(map)) = doc.pointer_mut(parent)
        && let Some(v) = map.remove(&key)
    {
        map.insert(new_key.to_string(), v);
    }
}

/// `seed` with `mutation` applied.
fn mutate(seed: &[u8], mutation: &Mutation) -> Vec<u8> {
    let structured = |edit: &dyn Fn(&mut Value, &[String]) -> Vec<String>| -> Vec<u8> {
        let Ok(mut doc) = serde_json::from_slice::<Value>(seed) else {
            return seed.to_vec();
        };
        let all = pointers(&doc);
        if all.is_empty() {
            return seed.to_vec();
        }
        let raws = edit(&mut doc, &all);
        let mut text = serde_json::to_string(&doc).unwrap_or_default();
        for raw in raws {
            text = text.replacen(&format!("\"{PLACEHOLDER}\""), &raw, 1);
        }
        text.into_bytes()
    };
    match mutation {
        Mutation::RandomBytes(bytes) => bytes.clone(),
        Mutation::Truncate(i) => seed[..i.index(seed.len() + 1)].to_vec(),
        Mutation::SetByte(i, b) => {
            let mut out = seed.to_vec();
            if !out.is_empty() {
                let at = i.index(out.len());
                out[at] = *b;
            }
            out
        }
        Mutation::Insert(i, bytes) => {
            let mut out = seed.to_vec();
            let at = i.index(out.len() + 1);
            out.splice(at..at, bytes.iter().copied());
            out
        }
        Mutation::Remove(i) => structured(&|doc, all| {
            remove_at(doc, &all[i.index(all.len())]);
            Vec::new()
        }),
        Mutation::Rename(i, key) => structured(&|doc, all| {
            rename_at(doc, &all[i.index(all.len())], key);
            Vec::new()
        }),
        Mutation::Replace(i, raw) => structured(&|doc, all| {
            let p = &all[i.index(all.len())];
            if let Some(slot) = doc.pointer_mut(p) {
                *slot = Value::String(PLACEHOLDER.into());
            }
            vec![raw.clone()]
        }),
        Mutation::ReplaceMany(edits) => structured(&|doc, all| {
            // Pointers come from the original document: a child whose parent was replaced
            // first no longer resolves and is skipped; a parent replaced after its child
            // swallows the child's placeholder, so that edit is dropped below.
            let mut planted: Vec<(String, String)> = Vec::new();
            for (i, raw) in edits {
                let p = all[i.index(all.len())].clone();
                if let Some(slot) = doc.pointer_mut(&p)
                    && *slot != Value::String(PLACEHOLDER.into())
                {
                    *slot = Value::String(PLACEHOLDER.into());
                    planted.push((p, raw.clone()));
                }
            }
            // Placeholders are filled in serialization order, which is the pointer walk order.
            let order = pointers(doc);
            let mut live: Vec<(usize, String)> = planted
                .into_iter()
                .filter_map(|(p, raw)| order.iter().position(|q| *q == p).map(|at| (at, raw)))
                .collect();
            live.sort_by_key(|(at, _)| *at);
            live.into_iter().map(|(_, raw)| raw).collect()
        }),
    }
}

/// Runs a property for `cases` cases (no persistence files; shrinking on failure) and returns
/// the number of cases run.
fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u32
where
    S::Value: Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("property `{name}` failed: {e}");
    }
    println!("property `{name}`: {cases} cases passed");
    cases
}

/// A hostile body for a type with these valid seeds: a mutated seed, or random bytes.
fn hostile_body(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    if seeds.is_empty() {
        return prop::collection::vec(any::<u8>(), 0..512).boxed();
    }
    (prop::sample::select(seeds), mutation())
        .prop_map(|(seed, m)| mutate(&seed, &m))
        .boxed()
}

// ------------------------------------------------------------------------------------------
// Part A: every response type, parsed directly
// ------------------------------------------------------------------------------------------

/// Parses like the generated client does. What parses and serializes again must parse again.
/// (Serializing may refuse a value on purpose: `JsonDecimal` will not write a number that a
/// JavaScript server would read differently, even one the provider sent.)
fn parse_as<T: DeserializeOwned + Serialize + Debug>(body: &[u8]) -> Result<(), String> {
    let value: T = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let _ = format!("{value:?}");
    let again = serde_json::to_vec(&value).map_err(|e| format!("NOT SERIALIZABLE: {e}"))?;
    serde_json::from_slice::<T>(&again)
        .map_err(|e| format!("BUG: own output does not parse: {e}"))?;
    Ok(())
}

type Parser = fn(&[u8]) -> Result<(), String>;

/// `(type, parser, valid seeds)`.
type ParserCase = (&'static str, Parser, &'static [&'static str]);

fn seeds(paths: &[&str]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| fixture(p)).collect()
}

fn fuzz_parsers(api: &str, table: &[ParserCase], cases_per_type: u32) -> u32 {
    let mut total = 0;
    let unserializable = AtomicUsize::new(0);
    for (name, parse, seed_paths) in table {
        let seeds = seeds(seed_paths);
        for (path, seed) in seed_paths.iter().zip(&seeds) {
            if let Err(e) = parse(seed) {
                panic!("{api} {name}: seed {path} does not parse: {e}");
            }
        }
        total += check(
            &format!("{api} {name} parser"),
            cases_per_type,
            hostile_body(seeds),
            |body| {
                if let Err(e) = parse(&body) {
                    prop_assert!(!e.starts_with("BUG"), "{e}");
                    if e.starts_with("NOT SERIALIZABLE") {
                        unserializable.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(())
            },
        );
    }
    println!(
        "{api}: {} hostile payloads parsed but were refused on serialization",
        unserializable.load(Ordering::Relaxed)
    );
    total
}

#[test]
fn parsers_xpay_platform() {
    use xpay_client::platform::types as t;
    let table: &[ParserCase] = &[
        (
            "CheckoutSession",
            parse_as::<t::CheckoutSession>,
            &[
                "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
                "xpay-client/tests/fixtures/platform/heldout_checkout_session_unknown_enums.json",
            ],
        ),
        (
            "Customer",
            parse_as::<t::Customer>,
            &["xpay-client/tests/fixtures/platform/heldout_customer.json"],
        ),
        (
            "CustomerList",
            parse_as::<t::CustomerList>,
            &["xpay-client/tests/fixtures/platform/heldout_customer_list.json"],
        ),
        ("CustomerStats", parse_as::<t::CustomerStats>, &[]),
        (
            "PaymentLink",
            parse_as::<t::PaymentLink>,
            &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json#/data/0"],
        ),
        (
            "PaymentLinkList",
            parse_as::<t::PaymentLinkList>,
            &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json"],
        ),
        (
            "Product",
            parse_as::<t::Product>,
            &["xpay-client/tests/fixtures/platform/product_get.json"],
        ),
        (
            "ProductList",
            parse_as::<t::ProductList>,
            &["xpay-client/tests/fixtures/platform/heldout_product_list.json"],
        ),
        ("ProductStats", parse_as::<t::ProductStats>, &[]),
        (
            "Price",
            parse_as::<t::Price>,
            &["xpay-client/tests/fixtures/platform/price_create_response.json"],
        ),
        (
            "Refund",
            parse_as::<t::Refund>,
            &["xpay-client/tests/fixtures/platform/heldout_refund.json"],
        ),
        ("RefundList", parse_as::<t::RefundList>, &[]),
        ("UploadUrl", parse_as::<t::UploadUrl>, &[]),
        (
            "ErrorResponse",
            parse_as::<t::ErrorResponse>,
            &[
                "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
                "xpay-client/tests/fixtures/platform/heldout_error_nulls.json",
                "xpay-client/tests/fixtures/platform/heldout_error_unknown_type.json",
            ],
        ),
    ];
    let total = fuzz_parsers("xpay", table, 384);
    println!(
        "xpay platform parsers: {} types, {total} cases",
        table.len()
    );
}

#[test]
fn parsers_xstak() {
    use xpay_client::xstak::types as t;
    let table: &[ParserCase] = &[
        (
            "PaymentIntentResponse",
            parse_as::<t::PaymentIntentResponse>,
            &[
                "xpay-client/tests/fixtures/xstak/checkout_response.json",
                "xpay-client/tests/fixtures/xstak/heldout_intent_unknown_values.json",
            ],
        ),
        ("RefundResponse", parse_as::<t::RefundResponse>, &[]),
        (
            "ErrorResponse",
            parse_as::<t::ErrorResponse>,
            &[
                "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
                "xpay-client/tests/fixtures/xstak/heldout_error_flag.json",
                "xpay-client/tests/fixtures/xstak/heldout_error_object.json",
            ],
        ),
    ];
    let total = fuzz_parsers("xstak", table, 512);
    println!("xstak parsers: {} types, {total} cases", table.len());
}

#[test]
fn parsers_collect() {
    use collect_client::types as t;
    let table: &[ParserCase] = &[
        (
            "TokenEnvelope",
            parse_as::<t::TokenEnvelope>,
            &["collect-client/tests/fixtures/doc/auth_token.response.json"],
        ),
        ("RevokeEnvelope", parse_as::<t::RevokeEnvelope>, &[]),
        (
            "CheckoutSessionEnvelope",
            parse_as::<t::CheckoutSessionEnvelope>,
            &["collect-client/tests/fixtures/doc/create_collection.response.json"],
        ),
        (
            "CollectionEnvelope",
            parse_as::<t::CollectionEnvelope>,
            &[
                "collect-client/tests/fixtures/heldout/get_collection.completed.json",
                "collect-client/tests/fixtures/heldout/get_collection.unknown_values.json",
            ],
        ),
        (
            "CollectionListEnvelope",
            parse_as::<t::CollectionListEnvelope>,
            &["collect-client/tests/fixtures/heldout/list_collections.prose_keys.json"],
        ),
        (
            "RefundEnvelope",
            parse_as::<t::RefundEnvelope>,
            &["collect-client/tests/fixtures/heldout/create_refund.response.json"],
        ),
        ("RefundListEnvelope", parse_as::<t::RefundListEnvelope>, &[]),
        (
            "RefundReasonListEnvelope",
            parse_as::<t::RefundReasonListEnvelope>,
            &["collect-client/tests/fixtures/doc/refund_reasons.response.json"],
        ),
        (
            "ErrorEnvelope",
            parse_as::<t::ErrorEnvelope>,
            &[
                "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
                "collect-client/tests/fixtures/heldout/error.unknown_code.json",
                "collect-client/tests/fixtures/heldout/error.validation_nested.json",
            ],
        ),
    ];
    let total = fuzz_parsers("collect", table, 384);
    println!("collect parsers: {} types, {total} cases", table.len());
}

#[test]
fn parsers_payfect() {
    use payfect_client::types as t;
    let table: &[ParserCase] = &[
        (
            "Checkout",
            parse_as::<t::Checkout>,
            &[
                "payfect-client/tests/fixtures/checkout_response.json",
                "payfect-client/tests/fixtures/checkout_response_2023_draft.json",
                "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
                "payfect-client/tests/fixtures/heldout_checkout_nulls.json",
                "payfect-client/tests/fixtures/heldout_checkout_complete.json",
            ],
        ),
        ("Product", parse_as::<t::Product>, &[]),
        ("Price", parse_as::<t::Price>, &[]),
        ("PaymentLink", parse_as::<t::PaymentLink>, &[]),
        (
            "ErrorBody",
            parse_as::<t::ErrorBody>,
            &[
                "payfect-client/tests/fixtures/error_400_fields.json",
                "payfect-client/tests/fixtures/error_401.json",
                "payfect-client/tests/fixtures/error_404.json",
            ],
        ),
        (
            "CheckoutCallback",
            parse_as::<t::CheckoutCallback>,
            &[
                "payfect-client/tests/fixtures/checkout_callback.json",
                "payfect-client/tests/fixtures/heldout_callback_unknowns.json",
            ],
        ),
    ];
    let total = fuzz_parsers("payfect", table, 512);
    println!("payfect parsers: {} types, {total} cases", table.len());
}

// ------------------------------------------------------------------------------------------
// Part B: typed calls against a stub serving hostile replies
// ------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    content_type: Option<&'static str>,
    body: Bytes,
}

struct Stub {
    reply: Mutex<Reply>,
    hits: AtomicUsize,
    /// Collect: a valid token for `/auth/token`, unless the token call itself is under test.
    token: Option<Bytes>,
    fuzz_auth: AtomicBool,
    /// Send bodies chunked (no `content-length`), to test the cap on streamed bodies.
    chunked: AtomicBool,
}

impl Stub {
    fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap_or_else(|p| p.into_inner()) = reply;
    }
}

async fn stub_handler(State(stub): State<Arc<Stub>>, uri: Uri) -> Response<Body> {
    if let Some(token) = &stub.token
        && uri.path().ends_with("/auth/token")
        && !stub.fuzz_auth.load(Ordering::SeqCst)
    {
        return Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(token.clone()))
            .unwrap_or_default();
    }
    stub.hits.fetch_add(1, Ordering::SeqCst);
    let reply = stub.reply.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut builder = Response::builder().status(reply.status);
    if let Some(ct) = reply.content_type {
        builder = builder.header("content-type", ct);
    }
    let body = if stub.chunked.load(Ordering::SeqCst) {
        let chunks: Vec<Result<Bytes, std::io::Error>> = reply
            .body
            .chunks(64 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Body::from_stream(futures::stream::iter(chunks))
    } else {
        Body::from(reply.body)
    };
    builder.body(body).unwrap_or_default()
}

async fn start_stub(token: Option<Bytes>) -> (String, Arc<Stub>) {
    let stub = Arc::new(Stub {
        reply: Mutex::new(Reply {
            status: 500,
            content_type: None,
            body: Bytes::new(),
        }),
        hits: AtomicUsize::new(0),
        token,
        fuzz_auth: AtomicBool::new(false),
        chunked: AtomicBool::new(false),
    });
    let app = Router::new()
        .fallback(stub_handler)
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, stub)
}

/// What a typed call ended with, reduced to what the properties check.
#[derive(Debug)]
enum Outcome {
    Ok(Value),
    Err {
        status: Option<u16>,
        kind: &'static str,
        text: String,
    },
}

fn outcome<T: Serialize, E: Debug + paygate_runtime::ProviderError>(
    result: Result<T, paygate_runtime::Error<E>>,
) -> Outcome {
    use paygate_runtime::Error as E;
    match result {
        Ok(value) => Outcome::Ok(serde_json::to_value(&value).unwrap_or(Value::Null)),
        Err(e) => {
            let kind = match &e {
                E::InvalidRequest(_) => "InvalidRequest",
                E::Api { .. } => "Api",
                E::Decode { .. } => "Decode",
                E::UnexpectedStatus { .. } => "UnexpectedStatus",
                E::Redirect { .. } => "Redirect",
                E::Transport { .. } => "Transport",
                E::Client(_) => "Client",
                _ => "other",
            };
            // Display and Debug must not panic either.
            let text = format!("{e} | {e:?}");
            Outcome::Err {
                status: e.status().map(|s| s.as_u16()),
                kind,
                text,
            }
        }
    }
}

fn sent<T: Serialize, E: Debug + paygate_runtime::ProviderError>(
    result: Result<progenitor_client::ResponseValue<T>, paygate_runtime::Error<E>>,
) -> Outcome {
    outcome(result.map(progenitor_client::ResponseValue::into_inner))
}

type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One typed call: its name, the call (on a clone of the client), valid reply bodies to
/// mutate, and whether the stub should fuzz `/auth/token` instead (Collect's token call).
struct HttpOp<C> {
    name: &'static str,
    call: fn(C) -> BoxFuture,
    seeds: &'static [&'static str],
    fuzz_auth: bool,
}

fn op<C>(
    name: &'static str,
    seeds: &'static [&'static str],
    call: fn(C) -> BoxFuture,
) -> HttpOp<C> {
    HttpOp {
        name,
        call,
        seeds,
        fuzz_auth: false,
    }
}

const STATUSES: &[u16] = &[
    200, 200, 200, 201, 202, 204, 302, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504,
];

fn reply_strategy(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Reply> {
    (
        prop::sample::select(STATUSES),
        prop::sample::select(vec![
            Some("application/json"),
            Some("text/html"),
            Some("text/plain; charset=utf-8"),
            None,
        ]),
        hostile_body(seeds),
    )
        .prop_map(|(status, content_type, body)| Reply {
            status,
            content_type,
            body: Bytes::from(body),
        })
}

/// The typed-call property for one client: for random (operation, status, hostile body), the
/// call never panics, reaches the stub, succeeds only on a 2xx and otherwise returns a typed
/// error that keeps the status sent.
fn fuzz_typed_calls<C: Clone + Send + 'static>(
    api: &str,
    rt: &tokio::runtime::Runtime,
    stub: &Arc<Stub>,
    client: C,
    ops: Vec<HttpOp<C>>,
    cases: u32,
) -> u32 {
    let per_op: Vec<Vec<Vec<u8>>> = ops.iter().map(|op| seeds(op.seeds)).collect();
    // Every body of the API (other resources, error envelopes) seeds every operation; an
    // operation's own bodies are drawn twice as often.
    let pool: Vec<Vec<u8>> = per_op.concat();
    let strategy = (0..ops.len()).prop_flat_map(move |i| {
        let mut s = per_op[i].clone();
        s.extend(pool.iter().cloned());
        (Just(i), reply_strategy(s))
    });
    let counts: Vec<AtomicUsize> = ops.iter().map(|_| AtomicUsize::new(0)).collect();
    // ok, Api, Decode, UnexpectedStatus
    let kinds: [AtomicUsize; 4] = Default::default();
    let n = check(
        &format!("{api} typed calls"),
        cases,
        strategy,
        |(i, reply)| {
            let op = &ops[i];
            counts[i].fetch_add(1, Ordering::Relaxed);
            stub.set(reply.clone());
            stub.fuzz_auth.store(op.fuzz_auth, Ordering::SeqCst);
            let before = stub.hits.load(Ordering::SeqCst);
            let result = rt.block_on((op.call)(client.clone()));
            let after = stub.hits.load(Ordering::SeqCst);
            prop_assert!(
                after > before,
                "{}: the call never reached the stub",
                op.name
            );
            let slot = match &result {
                Outcome::Ok(_) => 0,
                Outcome::Err { kind: "Api", .. } => 1,
                Outcome::Err { kind: "Decode", .. } => 2,
                Outcome::Err { .. } => 3,
            };
            kinds[slot].fetch_add(1, Ordering::Relaxed);
            match result {
                Outcome::Ok(_) => prop_assert!(
                    (200..300).contains(&reply.status),
                    "{}: success from status {}",
                    op.name,
                    reply.status
                ),
                Outcome::Err { status, kind, text } => {
                    prop_assert!(
                        matches!(kind, "Api" | "Decode" | "UnexpectedStatus" | "Redirect"),
                        "{}: {kind} error for a reply with status {}: {text}",
                        op.name,
                        reply.status
                    );
                    // The runtime reads an undocumented 2xx as the documented success status
                    // and relabels the reply, so an envelope failure inside it (XStak
                    // `success: false`) reports that 2xx; any other error keeps the wire status.
                    let relabelled_success = (200..300).contains(&reply.status)
                        && status.is_some_and(|s| (200..300).contains(&s));
                    prop_assert!(
                        status == Some(reply.status) || relabelled_success,
                        "{}: status {} lost: {:?} {}",
                        op.name,
                        reply.status,
                        status,
                        text
                    );
                }
            }
            Ok(())
        },
    );
    let names: Vec<String> = ops
        .iter()
        .zip(&counts)
        .map(|(op, n)| format!("{}={}", op.name, n.load(Ordering::Relaxed)))
        .collect();
    println!(
        "{api} typed calls per operation (shrinking included): {}",
        names.join(", ")
    );
    let [ok, api_err, decode, unexpected] = kinds.map(|k| k.into_inner());
    println!(
        "{api} typed call outcomes: {ok} ok, {api_err} Api, {decode} Decode, {unexpected} UnexpectedStatus"
    );
    n
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn json_body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("test body does not fit: {e}"))
}

fn fixture_body<T: DeserializeOwned>(path: &str) -> T {
    serde_json::from_slice(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

mod xp_ops {
    use super::*;
    use xpay_client::platform::{Client, types as t};

    const SESSION: &[&str] = &[
        "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
        "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
    ];
    const CUSTOMER: &[&str] = &[
        "xpay-client/tests/fixtures/platform/heldout_customer.json",
        "xpay-client/tests/fixtures/platform/heldout_error_unknown_type.json",
    ];
    const CUSTOMERS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_customer_list.json"];
    const LINK: &[&str] =
        &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json#/data/0"];
    const LINKS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json"];
    const PRODUCT: &[&str] = &["xpay-client/tests/fixtures/platform/product_get.json"];
    const PRODUCTS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_product_list.json"];
    const PRICE: &[&str] = &["xpay-client/tests/fixtures/platform/price_create_response.json"];
    const REFUND: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_refund.json"];
    const ERROR: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_error_nulls.json"];

    pub(super) fn session_request() -> t::CreateCheckoutSessionRequest {
        static BODY: OnceLock<t::CreateCheckoutSessionRequest> = OnceLock::new();
        BODY.get_or_init(|| {
            fixture_body("xpay-client/tests/fixtures/platform/checkout_session_create_request.json")
        })
        .clone()
    }

    pub(super) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout_session", SESSION, |c| {
                Box::pin(async move {
                    sent(
                        c.create_checkout_session()
                            .body(session_request())
                            .send()
                            .await,
                    )
                })
            }),
            op("get_checkout_session", SESSION, |c| {
                Box::pin(async move { sent(c.get_checkout_session().id("cs_test_1").send().await) })
            }),
            op("update_checkout_session", SESSION, |c| {
                Box::pin(async move {
                    let body: t::UpdateCheckoutSessionRequest = json_body(json!({}));
                    sent(
                        c.update_checkout_session()
                            .id("cs_test_1")
                            .body(body)
                            .send()
                            .await,
                    )
                })
            }),
            op("expire_checkout_session", SESSION, |c| {
                Box::pin(
                    async move { sent(c.expire_checkout_session().id("cs_test_1").send().await) },
                )
            }),
            op("list_customers", CUSTOMERS, |c| {
                Box::pin(async move { sent(c.list_customers().send().await) })
            }),
            op("create_customer", CUSTOMER, |c| {
                Box::pin(async move {
                    let body = t::CreateCustomerRequest::builder()
                        .email(Some("fuzz@example.com".to_string()));
                    sent(c.create_customer().body(body).send().await)
                })
            }),
            op("get_customer", CUSTOMER, |c| {
                Box::pin(async move { sent(c.get_customer().id("cus_1").send().await) })
            }),
            op("get_customer_stats", ERROR, |c| {
                Box::pin(async move { sent(c.get_customer_stats().id("cus_1").send().await) })
            }),
            op("list_payment_links", LINKS, |c| {
                Box::pin(async move { sent(c.list_payment_links().send().await) })
            }),
            op("create_payment_link", LINK, |c| {
                Box::pin(async move {
                    let body: t::CreatePaymentLinkRequest =
                        json_body(json!({"lineItems": [{"price": "price_test_1", "quantity": 1}]}));
                    sent(c.create_payment_link().body(body).send().await)
                })
            }),
            op("get_payment_link", LINK, |c| {
                Box::pin(async move { sent(c.get_payment_link().id("pl_1").send().await) })
            }),
            op("update_payment_link", LINK, |c| {
                Box::pin(async move {
                    let body: t::UpdatePaymentLinkRequest = json_body(json!({}));
                    sent(c.update_payment_link().id("pl_1").body(body).send().await)
                })
            }),
            op("list_products", PRODUCTS, |c| {
                Box::pin(async move { sent(c.list_products().send().await) })
            }),
            op("create_product", PRODUCT, |c| {
                Box::pin(async move {
                    let body: t::CreateProductRequest = json_body(json!({"name": "Fuzz"}));
                    sent(c.create_product().body(body).send().await)
                })
            }),
            op("create_product_upload_url", ERROR, |c| {
                Box::pin(async move {
                    let body: t::CreateUploadUrlRequest =
                        json_body(json!({"fileName": "a.png", "contentType": "image/png"}));
                    sent(c.create_product_upload_url().body(body).send().await)
                })
            }),
            op("get_product", PRODUCT, |c| {
                Box::pin(async move { sent(c.get_product().id("prod_1").send().await) })
            }),
            op("update_product", PRODUCT, |c| {
                Box::pin(async move {
                    let body: t::UpdateProductRequest = json_body(json!({}));
                    sent(c.update_product().id("prod_1").body(body).send().await)
                })
            }),
            op("delete_product", ERROR, |c| {
                Box::pin(async move { sent(c.delete_product().id("prod_1").send().await) })
            }),
            op("get_product_stats", ERROR, |c| {
                Box::pin(async move { sent(c.get_product_stats().id("prod_1").send().await) })
            }),
            op("create_price", PRICE, |c| {
                Box::pin(async move {
                    let body: t::CreatePriceRequest =
                        json_body(json!({"currency": "EGP", "unitAmount": 1000}));
                    sent(
                        c.create_price()
                            .product_id("prod_1")
                            .body(body)
                            .send()
                            .await,
                    )
                })
            }),
            op("update_price", PRICE, |c| {
                Box::pin(async move {
                    let body: t::UpdatePriceRequest = json_body(json!({}));
                    sent(c.update_price().id("price_1").body(body).send().await)
                })
            }),
            op("delete_price", ERROR, |c| {
                Box::pin(async move { sent(c.delete_price().id("price_1").send().await) })
            }),
            op("list_refunds", REFUND, |c| {
                Box::pin(async move { sent(c.list_refunds().send().await) })
            }),
            op("create_refund", REFUND, |c| {
                Box::pin(async move {
                    let body: t::CreateRefundRequest = fixture_body(
                        "xpay-client/tests/fixtures/platform/refund_create_request.json",
                    );
                    sent(c.create_refund().body(body).send().await)
                })
            }),
            op("get_refund", REFUND, |c| {
                Box::pin(async move { sent(c.get_refund().id("re_1").send().await) })
            }),
        ]
    }
}

mod xs_ops {
    use super::*;
    use xpay_client::xstak::{Client, EnvelopeExt, types as t};

    const INTENT: &[&str] = &[
        "xpay-client/tests/fixtures/xstak/checkout_response.json",
        "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
        "xpay-client/tests/fixtures/xstak/heldout_error_object.json",
    ];
    const REFUND: &[&str] = &["xpay-client/tests/fixtures/xstak/heldout_error_flag.json"];

    pub(super) fn checkout_request() -> t::CheckoutRequest {
        fixture_body("xpay-client/tests/fixtures/xstak/checkout_request.json")
    }

    fn intent_request() -> t::PaymentIntentRequest {
        json_body(json!({
            "amount": 5,
            "currency": "PKR",
            "customer": {"name": "Ali", "email": "ali@example.pk"},
            "payment_method_types": "card"
        }))
    }

    pub(super) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout_link", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.create_checkout_link()
                            .body(checkout_request())
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("create_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.create_payment_intent()
                            .body(intent_request())
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("retrieve_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.retrieve_payment_intent()
                            .pi_id("xpay_pi_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("capture_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    let body: t::CaptureRequest = json_body(json!({}));
                    outcome(
                        c.capture_payment_intent()
                            .pi_client_secret("xpay_pi_1_cs_1")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("void_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    let body: t::VoidRequest = json_body(json!({}));
                    outcome(
                        c.void_payment_intent()
                            .pi_client_secret("xpay_pi_1_cs_1")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("create_refund", REFUND, |c| {
                Box::pin(async move {
                    let body: t::RefundRequest =
                        json_body(json!({"payment_intent_id": "xpay_pi_1", "refunded_amount": 1}));
                    outcome(c.create_refund().body(body).send().await.data())
                })
            }),
            op("retrieve_refund", REFUND, |c| {
                Box::pin(async move {
                    outcome(
                        c.retrieve_refund()
                            .refund_id("xpay_rf_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
        ]
    }
}

mod co_ops {
    use super::*;
    use collect_client::{CollectClient, NewCollection, ResponseExt, types as t};
    use rust_decimal::Decimal;

    const CREATED: &[&str] = &[
        "collect-client/tests/fixtures/doc/create_collection.response.json",
        "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
    ];
    const COLLECTION: &[&str] = &[
        "collect-client/tests/fixtures/heldout/get_collection.completed.json",
        "collect-client/tests/fixtures/heldout/error.unknown_code.json",
    ];
    const COLLECTIONS: &[&str] =
        &["collect-client/tests/fixtures/heldout/list_collections.prose_keys.json"];
    const REFUND: &[&str] = &[
        "collect-client/tests/fixtures/heldout/create_refund.response.json",
        "collect-client/tests/fixtures/heldout/error.validation_nested.json",
    ];
    const REFUNDS: &[&str] = &["collect-client/tests/fixtures/doc/list_refunds.response.json"];
    const REASONS: &[&str] = &["collect-client/tests/fixtures/doc/refund_reasons.response.json"];
    const TOKEN: &[&str] = &["collect-client/tests/fixtures/doc/auth_token.response.json"];

    pub(super) fn ops() -> Vec<HttpOp<(CollectClient, String)>> {
        let mut ops: Vec<HttpOp<(CollectClient, String)>> = vec![
            op("create_collection", CREATED, |(c, _)| {
                Box::pin(async move {
                    let new = NewCollection::new(Decimal::new(2500, 2), "INV-FUZZ-1", "Fuzz");
                    match c.create_collection(&new).await {
                        Ok(created) => Outcome::Ok(json!(created.collection_id())),
                        Err(e) => outcome::<(), _>(Err(e)),
                    }
                })
            }),
            op("get_collection", COLLECTION, |(c, _)| {
                Box::pin(async move { outcome(c.get_collection("SCI0000000000001").await) })
            }),
            op("list_collections", COLLECTIONS, |(c, _)| {
                Box::pin(async move { outcome(c.raw().list_collections().send().await.data()) })
            }),
            op("create_refund", REFUND, |(c, _)| {
                Box::pin(async move {
                    let body: t::CreateRefundRequest = json_body(json!({}));
                    outcome(
                        c.raw()
                            .create_refund()
                            .collection_id("SCI0000000000001")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("list_refunds", REFUNDS, |(c, _)| {
                Box::pin(async move { outcome(c.raw().list_refunds().send().await.data()) })
            }),
            op("list_refund_reasons", REASONS, |(c, _)| {
                Box::pin(async move { outcome(c.list_refund_reasons().await) })
            }),
            op("refresh_token", TOKEN, |(c, _)| {
                Box::pin(async move {
                    let r = c.raw().refresh_token().send().await.data();
                    outcome(r.map(|t| t.expires_in))
                })
            }),
        ];
        // The token call itself, on a fresh client (an empty token cache).
        ops.push(HttpOp {
            name: "create_token",
            seeds: TOKEN,
            fuzz_auth: true,
            call: |(_, url)| {
                Box::pin(async move {
                    let fresh = super::collect_client_for(&url);
                    outcome(fresh.authenticate().await.map(|()| Value::Null))
                })
            },
        });
        ops
    }
}

mod pf_ops {
    use super::*;
    use payfect_client::{Client, types as t};

    const CHECKOUT: &[&str] = &[
        "payfect-client/tests/fixtures/checkout_response.json",
        "payfect-client/tests/fixtures/error_400_fields.json",
        "payfect-client/tests/fixtures/error_401.json",
    ];
    const OTHER: &[&str] = &[
        "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
        "payfect-client/tests/fixtures/error_403.json",
    ];

    pub(super) fn checkout_request() -> t::CreateCheckoutRequest {
        fixture_body("payfect-client/tests/fixtures/create_checkout_request.json")
    }

    pub(super) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout", CHECKOUT, |c| {
                Box::pin(
                    async move { sent(c.create_checkout().body(checkout_request()).send().await) },
                )
            }),
            op("retrieve_checkout", CHECKOUT, |c| {
                Box::pin(async move {
                    sent(
                        c.retrieve_checkout()
                            .id("ed8d24aa-a860-426b-8e56-87cb9f55a081")
                            .send()
                            .await,
                    )
                })
            }),
            op("create_product", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreateProductRequest = json_body(json!({"name": "Fuzz"}));
                    sent(c.create_product().body(body).send().await)
                })
            }),
            op("create_price", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreatePriceRequest = json_body(
                        json!({"currency": "usdt", "unit_amount": "20.5", "product_data": {"name": "Fuzz"}}),
                    );
                    sent(c.create_price().body(body).send().await)
                })
            }),
            op("create_payment_link", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreatePaymentLinkRequest =
                        json_body(json!({"invoice_items": [{"price": "price_1", "quantity": 1}]}));
                    sent(c.create_payment_link().body(body).send().await)
                })
            }),
        ]
    }
}

const SANDBOX_APP_ID: &str = "SBXCOLLECTAPP001";
const FAKE_COLLECT_SECRET: &str = "sk_test_hostile_collect_0000";

fn xpay_client_for(url: &str) -> xpay_client::platform::Client {
    xpay_client::platform::Client::builder("sk_test_hostile0000000000")
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("a valid configuration")
}

fn xstak_client_for(url: &str) -> xpay_client::xstak::Client {
    use xpay_client::xstak::{Client, Credentials};
    Client::staging(Credentials::new(
        "xstak_hostile_key",
        "hostile_account",
        "hostile_hmac",
    ))
    .base_url(url)
    .retry(RetryPolicy::none())
    .build()
    .expect("valid XStak settings")
}

fn collect_client_for(url: &str) -> collect_client::CollectClient {
    collect_client::CollectClient::builder(SANDBOX_APP_ID, FAKE_COLLECT_SECRET)
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("a valid configuration")
}

fn payfect_client_for(url: &str) -> payfect_client::Client {
    payfect_client::Client::builder("Hostile1.payfectKey")
        .base_url(url)
        .retry(RetryPolicy::none())
        .build()
        .expect("a valid configuration")
}

fn collect_token() -> Bytes {
    Bytes::from(fixture(
        "collect-client/tests/fixtures/doc/auth_token.response.json",
    ))
}

#[test]
fn typed_calls_xpay_platform() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(None));
    let n = fuzz_typed_calls(
        "xpay",
        &rt,
        &stub,
        xpay_client_for(&url),
        xp_ops::ops(),
        512,
    );
    println!("xpay platform typed calls: {n} cases");
}

#[test]
fn typed_calls_xstak() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(None));
    let n = fuzz_typed_calls(
        "xstak",
        &rt,
        &stub,
        xstak_client_for(&url),
        xs_ops::ops(),
        384,
    );
    println!("xstak typed calls: {n} cases");
}

#[test]
fn typed_calls_collect() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    let client = (collect_client_for(&url), url.clone());
    let n = fuzz_typed_calls("collect", &rt, &stub, client, co_ops::ops(), 384);
    println!("collect typed calls: {n} cases");
}

#[test]
fn typed_calls_payfect() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(None));
    let n = fuzz_typed_calls(
        "payfect",
        &rt,
        &stub,
        payfect_client_for(&url),
        pf_ops::ops(),
        384,
    );
    println!("payfect typed calls: {n} cases");
}

// ------------------------------------------------------------------------------------------
// Part C: the named hostile replies, one by one, through each client's typed calls
// ------------------------------------------------------------------------------------------

/// One API's main resource, for the catalogue: how to read it, a valid reply, a documented
/// error reply, and where its id and an open-enum status live in that reply.
struct Catalogue<C> {
    api: &'static str,
    client: C,
    get: fn(C) -> BoxFuture,
    valid: &'static str,
    error: (u16, &'static str),
    id: &'static str,
    status: &'static str,
}

fn with(seed: &Value, pointer: &str, value: Option<Value>) -> Vec<u8> {
    let mut doc = seed.clone();
    match value {
        Some(v) => {
            if let Some(slot) = doc.pointer_mut(pointer) {
                *slot = v;
            }
        }
        None => remove_at(&mut doc, pointer),
    }
    serde_json::to_vec(&doc).expect("JSON serializes")
}

fn expect_decode(api: &str, case: &str, out: Outcome, status: u16, reason_has: &str) {
    match out {
        Outcome::Err {
            status: got,
            kind: "Decode",
            text,
        } => {
            assert_eq!(got, Some(status), "{api} {case}: {text}");
            assert!(
                text.contains(reason_has),
                "{api} {case}: `{reason_has}` not in {text}"
            );
            println!("{api} {case}: Decode {status} ({reason_has})");
        }
        other => panic!("{api} {case}: expected Decode {status}, got {other:?}"),
    }
}

fn run_catalogue<C: Clone + Send + 'static>(
    rt: &tokio::runtime::Runtime,
    stub: &Arc<Stub>,
    cat: Catalogue<C>,
) {
    let api = cat.api;
    let valid = fixture_json(cat.valid);
    let serve = |status: u16, ct: Option<&'static str>, body: Vec<u8>| {
        stub.set(Reply {
            status,
            content_type: ct,
            body: Bytes::from(body),
        });
        rt.block_on((cat.get)(cat.client.clone()))
    };
    let json = Some("application/json");

    // The baseline: the valid reply parses (so the failures below are the mutations' doing).
    assert!(
        matches!(
            serve(200, json, serde_json::to_vec(&valid).expect("JSON")),
            Outcome::Ok(_)
        ),
        "{api}: the valid reply must parse"
    );

    let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n";
    expect_decode(
        api,
        "HTML error page",
        serve(502, Some("text/html"), html.to_vec()),
        502,
        "not JSON",
    );

    let text = serde_json::to_vec(&valid).expect("JSON");
    let half = text[..text.len() / 2].to_vec();
    expect_decode(
        api,
        "truncated body",
        serve(200, json, half),
        200,
        "not JSON",
    );
    expect_decode(
        api,
        "empty body",
        serve(200, json, Vec::new()),
        200,
        "empty body",
    );
    expect_decode(
        api,
        "wrong JSON type",
        serve(200, json, with(&valid, cat.id, Some(json!(7)))),
        200,
        "invalid type",
    );
    expect_decode(
        api,
        "string instead of object",
        serve(200, json, b"\"ok\"".to_vec()),
        200,
        "invalid type",
    );
    expect_decode(
        api,
        "missing required field",
        serve(200, json, with(&valid, cat.id, None)),
        200,
        "missing field",
    );

    // Huge: a valid object padded past the 4 MiB cap, with and without content-length.
    let mut huge = valid.clone();
    if let Value::Object(map) = &mut huge {
        map.insert("padding".into(), json!("x".repeat(5 * 1024 * 1024)));
    }
    let huge = serde_json::to_vec(&huge).expect("JSON");
    expect_decode(api, "huge body", serve(200, json, huge.clone()), 200, "cap");
    stub.chunked.store(true, Ordering::SeqCst);
    let chunked = serve(200, json, huge);
    stub.chunked.store(false, Ordering::SeqCst);
    expect_decode(api, "huge chunked body", chunked, 200, "cap");

    // A status value this client has never seen parses, and survives a round trip.
    match serve(
        200,
        json,
        with(&valid, cat.status, Some(json!("brand_new_status"))),
    ) {
        Outcome::Ok(value) => {
            let status_field = cat.status.rsplit('/').next().unwrap_or_default();
            let found = pointers(&value)
                .into_iter()
                .filter(|p| p.ends_with(&format!("/{status_field}")))
                .any(|p| value.pointer(&p) == Some(&json!("brand_new_status")));
            assert!(found, "{api}: the unknown status did not survive: {value}");
            println!("{api} unknown enum value: parsed and kept");
        }
        other => panic!("{api}: an unknown enum value must parse, got {other:?}"),
    }

    // The provider's documented error keeps its status and its typed body.
    let (status, error) = cat.error;
    match serve(status, json, fixture(error)) {
        Outcome::Err {
            status: got,
            kind: "Api",
            ..
        } => assert_eq!(got, Some(status), "{api} documented error"),
        other => panic!("{api}: documented error {status} must be Api, got {other:?}"),
    }
}

#[test]
fn catalogue_of_hostile_replies() {
    let rt = runtime();

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "xpay",
            client: xpay_client_for(&url),
            get: |c| {
                Box::pin(async move { sent(c.get_checkout_session().id("cs_1").send().await) })
            },
            valid: "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
            error: (
                404,
                "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
            ),
            id: "/id",
            status: "/status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "xstak",
            client: xstak_client_for(&url),
            get: |c| {
                Box::pin(async move {
                    use xpay_client::xstak::EnvelopeExt;
                    outcome(
                        c.retrieve_payment_intent()
                            .pi_id("xpay_pi_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            },
            valid: "xpay-client/tests/fixtures/xstak/checkout_response.json",
            error: (
                400,
                "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
            ),
            id: "/data/_id",
            status: "/data/pi_status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "collect",
            client: collect_client_for(&url),
            get: |c| Box::pin(async move { outcome(c.get_collection("SCI0000000000001").await) }),
            valid: "collect-client/tests/fixtures/heldout/get_collection.completed.json",
            error: (
                409,
                "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
            ),
            id: "/data/collectionId",
            status: "/data/status",
        },
    );

    let (url, stub) = rt.block_on(start_stub(None));
    run_catalogue(
        &rt,
        &stub,
        Catalogue {
            api: "payfect",
            client: payfect_client_for(&url),
            get: |c| {
                Box::pin(async move { sent(c.retrieve_checkout().id("ed8d24aa").send().await) })
            },
            valid: "payfect-client/tests/fixtures/checkout_response.json",
            error: (404, "payfect-client/tests/fixtures/error_404.json"),
            id: "/id",
            status: "/status",
        },
    );
}

/// Provider-level lies the hand-written layers catch: XStak's `success: false` under HTTP 200
/// and FYATU amounts that break `netAmount = amount − fee` are errors that keep the 200.
#[test]
fn envelope_failures_under_200_keep_their_status() {
    let rt = runtime();
    let (url, stub) = rt.block_on(start_stub(None));
    stub.set(Reply {
        status: 200,
        content_type: Some("application/json"),
        body: Bytes::from(fixture(
            "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
        )),
    });
    let client = xstak_client_for(&url);
    let out = rt.block_on(async move {
        use xpay_client::xstak::EnvelopeExt;
        outcome(
            client
                .retrieve_payment_intent()
                .pi_id("xpay_pi_1")
                .send()
                .await
                .data(),
        )
    });
    assert!(
        matches!(
            &out,
            Outcome::Err {
                status: Some(200),
                kind: "Api",
                ..
            }
        ),
        "{out:?}"
    );

    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    let valid = fixture_json("collect-client/tests/fixtures/heldout/get_collection.completed.json");
    stub.set(Reply {
        status: 200,
        content_type: Some("application/json"),
        body: Bytes::from(with(&valid, "/data/netAmount", Some(json!(1_000_000)))),
    });
    let client = collect_client_for(&url);
    let out = rt.block_on(async move { outcome(client.get_collection("SCI0000000000001").await) });
    assert!(
        matches!(
            &out,
            Outcome::Err {
                status: Some(200),
                kind: "Decode",
                ..
            }
        ),
        "{out:?}"
    );
}

/// The sandbox's own HTML and truncated-JSON faults, on real routes of each API: reads and
/// creates fail with `Decode` keeping the status; a read behind one HTML 503 recovers through
/// the retry policy (a GET is safe to repeat).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_html_and_truncated_faults_on_real_routes() {
    use paygate_sandbox::{Api, Fault, FaultKind, Sandbox};
    use secrecy::ExposeSecret;
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let creds = sandbox.creds().clone();
    let fast = RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .per_attempt_timeout(Duration::from_secs(5));

    let check = |api: &str, case: &str, out: Outcome, status: u16| {
        expect_decode(api, case, out, status, "not JSON");
    };

    // XPay platform: a customer.
    let xp = xpay_client::platform::Client::builder(creds.xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid configuration");
    let body = xpay_client::platform::types::CreateCustomerRequest::builder()
        .email(Some("hostile@example.com".to_string()));
    let customer = xp
        .create_customer()
        .body(body)
        .send()
        .await
        .expect("create")
        .into_inner();
    let get = format!("/xpay/customers/{}", customer.id);
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 503 }).times(1));
    check(
        "xpay",
        "HTML 503 on GET",
        sent(xp.get_customer().id(&customer.id).send().await),
        503,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "xpay",
        "truncated GET",
        sent(xp.get_customer().id(&customer.id).send().await),
        200,
    );
    sandbox
        .faults()
        .add(Fault::new("/xpay/customers", FaultKind::TruncatedJson).times(1));
    let body = xpay_client::platform::types::CreateCustomerRequest::builder()
        .email(Some("hostile2@example.com".to_string()));
    let truncated = sent(xp.create_customer().body(body).send().await);
    match &truncated {
        Outcome::Err {
            status: Some(s),
            kind: "Decode",
            ..
        } if (200..300).contains(s) => {}
        other => panic!("xpay truncated create: {other:?}"),
    }
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 503 }).times(1));
    let recovered = sent(
        xp.with_retry(fast.clone())
            .get_customer()
            .id(&customer.id)
            .send()
            .await,
    );
    assert!(
        matches!(recovered, Outcome::Ok(_)),
        "xpay: a GET behind one HTML 503: {recovered:?}"
    );

    // XStak: a checkout link, read back as an intent.
    let xs = xpay_client::xstak::Client::staging(xpay_client::xstak::Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    ))
    .base_url(sandbox.base_url(Api::Xstak))
    .retry(RetryPolicy::none())
    .build()
    .expect("valid XStak settings");
    let request = xs_ops::checkout_request();
    let intent = {
        use xpay_client::xstak::EnvelopeExt;
        xs.create_checkout_link()
            .body(request)
            .send()
            .await
            .data()
            .expect("create")
    };
    let get = format!("/xstak/public/v1/payment/intent/{}", intent.id);
    let read = |xs: xpay_client::xstak::Client, id: String| async move {
        use xpay_client::xstak::EnvelopeExt;
        outcome(xs.retrieve_payment_intent().pi_id(id).send().await.data())
    };
    let intent_path = sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/**",
            FaultKind::Html { status: 502 },
        )
        .times(1),
    );
    let out = read(xs.clone(), intent.id.clone()).await;
    if sandbox.faults().remove(intent_path) {
        panic!("xstak: the fault on {get} never fired (wrong path?): {out:?}");
    }
    check("xstak", "HTML 502 on GET", out, 502);
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/**",
            FaultKind::TruncatedJson,
        )
        .times(1),
    );
    check(
        "xstak",
        "truncated GET",
        read(xs.clone(), intent.id.clone()).await,
        200,
    );

    // Collect: a collection.
    let co = collect_client::CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(RetryPolicy::none())
    .build()
    .expect("valid configuration");
    let created = co
        .create_collection(&collect_client::NewCollection::new(
            rust_decimal::Decimal::new(2500, 2),
            "HOSTILE-1",
            "Hostile",
        ))
        .await
        .expect("create");
    let get = format!("/collect/api/v3/collections/{}", created.collection_id());
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 502 }).times(1));
    check(
        "collect",
        "HTML 502 on GET",
        outcome(co.get_collection(created.collection_id()).await),
        502,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "collect",
        "truncated GET",
        outcome(co.get_collection(created.collection_id()).await),
        200,
    );

    // Payfect: a checkout.
    let pf = payfect_client::Client::builder(creds.payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid configuration");
    let checkout = pf
        .create_checkout()
        .body(pf_ops::checkout_request())
        .send()
        .await
        .expect("create")
        .into_inner();
    let get = format!("/payfect/api/v1/checkouts/{}/", checkout.id);
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::Html { status: 500 }).times(1));
    check(
        "payfect",
        "HTML 500 on GET",
        sent(pf.retrieve_checkout().id(checkout.id.clone()).send().await),
        500,
    );
    sandbox
        .faults()
        .add(Fault::new(&get, FaultKind::TruncatedJson).times(1));
    check(
        "payfect",
        "truncated GET",
        sent(pf.retrieve_checkout().id(checkout.id.clone()).send().await),
        200,
    );
    sandbox
        .faults()
        .add(Fault::new("/payfect/api/v1/checkouts/", FaultKind::TruncatedJson).times(1));
    match sent(
        pf.create_checkout()
            .body(pf_ops::checkout_request())
            .send()
            .await,
    ) {
        Outcome::Err {
            status: Some(s),
            kind: "Decode",
            ..
        } if (200..300).contains(&s) => {}
        other => panic!("payfect truncated create: {other:?}"),
    }
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Part D: webhook and callback verifiers
// ------------------------------------------------------------------------------------------

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
