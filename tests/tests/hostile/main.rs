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
//! - `paths_*`: a path parameter that would change the request's path (`..`, `.`, empty) is
//!   refused before anything is sent; any other value stays one path segment.
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

mod catalogue;
mod ops;
mod parsers;
mod paths;
mod typed_calls;
mod webhooks;

use ops::{co_ops, pf_ops, xp_ops, xs_ops};
use typed_calls::*;

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

fn seeds(paths: &[&str]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| fixture(p)).collect()
}
