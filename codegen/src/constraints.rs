//! Rules the server checks stay in the spec; the generated types say them in their docs.
//!
//! A provider states some rules that a Rust type can't carry without a cost every user pays:
//! - a `pattern` (an https URL, an E.164 phone, `eq:100`): typify's newtypes would check it with
//!   the `regress` regex engine, a run-time dependency of every client;
//! - "exactly one of `chargeId` and `paymentIntentId`" (`oneOf` of `required` lists) or "not
//!   both" (`not: {required: …}`): typify would turn one request into an enum of near-identical
//!   structs;
//! - a query parameter sent as JSON (`content: application/json`), which progenitor doesn't
//!   generate.
//!
//! The spec keeps every rule: Schemathesis, the linters and readers see them, and the sandbox
//! enforces them. [`relax`] makes the copy handed to progenitor: it drops those keywords and
//! appends each rule to the description, so it reaches the doc comment instead. The provider's
//! own 400 still names any rule a caller breaks.

use openapiv3::OpenAPI;
use serde_json::{Map, Value};

/// The spec document (as read from YAML: `openapiv3` would drop a `oneOf` beside `properties`)
/// without the validation-only keywords above, each said in its description instead.
pub(crate) fn relax(mut document: Value) -> Result<OpenAPI, String> {
    walk(&mut document);
    serde_json::from_value(document).map_err(|e| e.to_string())
}

fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            relax_object(map);
            for child in map.values_mut() {
                walk(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

fn relax_object(map: &mut Map<String, Value>) {
    let mut notes = Vec::new();
    if is_parameter(map)
        && let Some(Value::Object(content)) = map.remove("content")
    {
        let media = content.keys().next().cloned().unwrap_or_default();
        notes.push(format!("Sent as `{media}` text."));
        map.insert("schema".into(), serde_json::json!({ "type": "string" }));
    }
    if map.get("type").and_then(Value::as_str) == Some("string")
        && let Some(Value::String(pattern)) = map.remove("pattern")
    {
        notes.push(format!("Must match `{pattern}`."));
    }
    if map.contains_key("properties") {
        for (key, rule) in [("oneOf", "Exactly one of"), ("anyOf", "At least one of")] {
            if let Some(names) = map.get(key).and_then(required_lists) {
                notes.push(format!("{rule} {}.", names.join(" / ")));
                map.remove(key);
            }
        }
        if let Some(names) = map
            .get("not")
            .and_then(|n| required_lists(&Value::Array(vec![n.clone()])))
        {
            notes.push(format!("Not {} together.", names.join(" and ")));
            map.remove("not");
        }
    }
    if notes.is_empty() {
        return;
    }
    let description = match map.get("description").and_then(Value::as_str) {
        Some(d) if !d.trim().is_empty() => format!("{}\n\n{}", d.trim_end(), notes.join(" ")),
        _ => notes.join(" "),
    };
    map.insert("description".into(), Value::String(description));
}

/// A parameter object: `name` and `in` beside the `content` that progenitor can't read.
fn is_parameter(map: &Map<String, Value>) -> bool {
    map.get("in").is_some_and(Value::is_string)
        && map.get("name").is_some_and(Value::is_string)
        && map.contains_key("content")
        && !map.contains_key("schema")
}

/// Each branch of a rule that only says which fields are required (`[{required: [a]}, …]`),
/// possibly when another field has given values (`properties: {type: {enum: [CUSTOM]}}`) or
/// with required fields inside one (`properties: {recurring: {required: [interval]}}`), in
/// words: "`customUnitAmount` when `type` is `CUSTOM`". `None` if any branch says more.
fn required_lists(branches: &Value) -> Option<Vec<String>> {
    let branches = branches.as_array()?;
    if branches.is_empty() {
        return None;
    }
    branches.iter().map(branch_words).collect()
}

fn branch_words(branch: &Value) -> Option<String> {
    let b = branch.as_object()?;
    if b.keys().any(|k| k != "required" && k != "properties") {
        return None;
    }
    let names: Vec<String> = match b.get("required") {
        Some(r) => r
            .as_array()?
            .iter()
            .map(|n| n.as_str().map(|n| format!("`{n}`")))
            .collect::<Option<_>>()?,
        None => Vec::new(),
    };
    let mut conditions = Vec::new();
    for (field, rule) in b
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let rule = rule.as_object()?;
        if rule.keys().any(|k| k != "enum" && k != "required") {
            return None;
        }
        if let Some(values) = rule.get("enum") {
            let values: Vec<String> = values
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(|v| format!("`{v}`")))
                .collect::<Option<_>>()?;
            conditions.push(format!("`{field}` is {}", values.join(" or ")));
        }
        if let Some(inner) = rule.get("required") {
            let inner: Vec<&str> = inner.as_array()?.iter().filter_map(Value::as_str).collect();
            conditions.push(format!("`{field}` has `{}`", inner.join("`, `")));
        }
    }
    let mut words = names.join(" and ");
    if !conditions.is_empty() {
        words.push_str(&format!(" when {}", conditions.join(" and ")));
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relaxed(yaml: &str) -> Value {
        let document: Value = serde_norway::from_str(yaml).unwrap();
        serde_json::to_value(relax(document).unwrap()).unwrap()
    }

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /r:
    get:
      parameters:
        - name: metadata
          in: query
          content:
            application/json:
              schema: {type: object}
      responses: {'200': {description: ok}}
components:
  schemas:
    Refund:
      type: object
      description: A refund.
      properties:
        chargeId: {type: string}
        paymentIntentId: {type: string}
        phone: {type: string, pattern: '^\+[1-9][0-9]{7,14}$'}
      oneOf:
        - required: [chargeId]
        - required: [paymentIntentId]
    Price:
      type: object
      properties:
        product: {type: string}
        productData: {type: object}
      not: {required: [product, productData]}
"#;

    #[test]
    fn rules_move_from_keywords_to_docs() {
        let v = relaxed(SPEC);
        let refund = &v["components"]["schemas"]["Refund"];
        assert!(refund.get("oneOf").is_none());
        assert_eq!(
            refund["description"],
            "A refund.\n\nExactly one of `chargeId` / `paymentIntentId`."
        );
        let phone = &refund["properties"]["phone"];
        assert!(phone.get("pattern").is_none());
        assert_eq!(phone["description"], "Must match `^\\+[1-9][0-9]{7,14}$`.");
        let price = &v["components"]["schemas"]["Price"];
        assert!(price.get("not").is_none());
        assert_eq!(
            price["description"],
            "Not `product` and `productData` together."
        );
        let param = &v["paths"]["/r"]["get"]["parameters"][0];
        assert_eq!(param["schema"], serde_json::json!({"type": "string"}));
        assert!(param.get("content").is_none());
        assert_eq!(param["description"], "Sent as `application/json` text.");
    }

    #[test]
    fn a_branch_may_name_its_condition() {
        let yaml = SPEC.replace(
            "- required: [paymentIntentId]",
            "- {required: [paymentIntentId], properties: {kind: {enum: [INTENT]}}}",
        );
        let v = relaxed(&yaml);
        assert_eq!(
            v["components"]["schemas"]["Refund"]["description"],
            "A refund.\n\nExactly one of `chargeId` / `paymentIntentId` when `kind` is `INTENT`."
        );
    }

    #[test]
    fn a_branch_that_says_more_than_required_is_left_alone() {
        let yaml = SPEC.replace(
            "- required: [chargeId]",
            "- {required: [chargeId], type: object}",
        );
        let v = relaxed(&yaml);
        assert!(v["components"]["schemas"]["Refund"].get("oneOf").is_some());
    }
}
