//! The specs' schemas as JSON Schema draft 4: references, pointers, and OpenAPI 3.0's
//! `nullable`.

use serde_json::{Map, Value};

pub(super) fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut at = doc.pointer(pointer)?;
    // A parameter's schema may itself be a `$ref`; one hop is all the specs use.
    if let Some(r) = at.get("$ref").and_then(Value::as_str) {
        at = doc.pointer(r.strip_prefix('#')?)?;
    }
    Some(at)
}

/// A JSON pointer as a URI fragment: the characters a fragment can't hold (the braces of a
/// path template among them) percent-encoded.
pub(super) fn fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for b in pointer.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JSON-pointer escaping of one segment.
pub(super) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// OpenAPI 3.0's `nullable: true` as JSON Schema: `null` joins the type (and the enum), or, for
/// a schema without a type (a `$ref` in `allOf`), the schema becomes "that, or null".
pub(super) fn allow_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                allow_null(child);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                nullable(map);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(allow_null),
        _ => {}
    }
}

fn nullable(map: &mut Map<String, Value>) {
    // `allOf: [$ref]` (how the specs write a nullable reference) must hold for a non-null
    // value only: the whole schema becomes "that, or null".
    if ["allOf", "anyOf", "oneOf", "$ref"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        let inner = Value::Object(std::mem::take(map));
        map.insert("anyOf".into(), serde_json::json!([inner, {"type": "null"}]));
        return;
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match map.get("type").cloned() {
        Some(Value::String(t)) => {
            map.insert("type".into(), serde_json::json!([t, "null"]));
        }
        Some(_) => {}
        None => {
            let inner = Value::Object(std::mem::take(map));
            map.insert("anyOf".into(), serde_json::json!([inner, {"type": "null"}]));
        }
    }
}
