//! Null survives: every example payload in the repository (docs fixtures, held-out style
//! fixtures, the bench's payloads, the seeds' JSON examples and the specs' own `example`s) is
//! parsed into its generated type and written back, and the two JSON values are compared value
//! for value. A `null` the provider sends must come back as `null`, not vanish.
//!
//! The only differences allowed are listed in `KNOWN_LOSSES`, each with its reason (keys the
//! types do not model). The list must match exactly, so a fixed loss has to leave it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod cases;
mod examples;
mod fixtures;

use cases::CASES;

type RoundTrip = fn(&Value) -> Result<Value, String>;

fn rt<T: DeserializeOwned + Serialize>(v: &Value) -> Result<Value, String> {
    let parsed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&parsed).map_err(|e| e.to_string())
}

mod xp {
    pub use xpay_client::platform::types::*;
}
mod xs {
    pub use xpay_client::xstak::types::*;
}
mod co {
    pub use collect_client::types::*;
}
mod pf {
    pub use payfect_client::types::*;
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(rel: &str) -> Value {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Every JSON pointer where `written` differs from `expected`.
fn diff(expected: &Value, written: &Value, ptr: &str, out: &mut Vec<String>) {
    match (expected, written) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = format!("{ptr}/{}", escape(k));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff(x, y, &p, out),
                    _ => out.push(p),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(x, y, &format!("{ptr}/{i}"), out);
            }
        }
        (a, b) if a == b => {}
        // Numbers compare by value (`5` and `5.0` are one JSON number to every reader).
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        _ => out.push(ptr.to_string()),
    }
}

fn check(label: &str, value: &Value, f: RoundTrip, found: &mut Vec<(String, String)>) {
    match f(value) {
        Ok(written) => {
            let mut d = Vec::new();
            diff(value, &written, "", &mut d);
            found.extend(d.into_iter().map(|p| (label.to_string(), p)));
        }
        Err(e) => found.push((label.to_string(), format!("does not parse: {e}"))),
    }
}
