//! The spec checks the sandbox's traffic, so the fakes and the specs can't drift apart.
//!
//! Every request body and query parameter an operation declares is validated against the
//! spec's own schema before the handler runs: a body or parameter the spec forbids gets the
//! provider's 400 envelope, whatever the handler would have said. So the shape rules (types,
//! `null`, enums, patterns, bounds, "exactly one of") are written once, in the spec; handlers
//! keep only the rules a schema can't state (an id that must exist, one currency per session).
//!
//! With [`SandboxConfig::check_replies`](crate::SandboxConfig) (on in debug builds, so in every
//! test), each reply of a matched operation is checked too: an undocumented status or a body
//! that breaks the spec's schema for that status becomes a 500 naming the violation, so drift
//! fails from the inside as well as under Schemathesis.
//!
//! The specs are OpenAPI 3.0: schemas are validated as JSON Schema draft 4 (what 3.0 builds on,
//! `exclusiveMinimum` as a boolean) after `nullable: true` is rewritten to allow `null`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::{Method, StatusCode};
use jsonschema::{Draft, Validator};
use serde_json::Value;

use super::Api;

mod middleware;
mod schema;
mod violation;

pub use middleware::{apply, limit_body};
use schema::{allow_null, escape, fragment, resolve};
pub use violation::{Rule, Violation};

/// One API's spec, ready to check its traffic.
pub struct Conformance {
    doc: Value,
    ops: Vec<Operation>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

struct Operation {
    method: Method,
    segments: Vec<Segment>,
    /// JSON pointer of the request body's JSON schema.
    body: Option<String>,
    body_required: bool,
    query: Vec<QueryParam>,
    /// `(status or "4XX" / "default", JSON pointer of its JSON schema if it has one)`.
    responses: Vec<(String, Option<String>)>,
}

enum Segment {
    Literal(String),
    Param,
}

struct QueryParam {
    name: String,
    required: bool,
    schema: String,
    /// `content: application/json`: the value is JSON text.
    json: bool,
}

impl Conformance {
    /// The checker for `api`, built once per process from the spec its client was generated
    /// from.
    pub fn of(api: Api) -> &'static Conformance {
        static ALL: OnceLock<[Conformance; 4]> = OnceLock::new();
        let all = ALL.get_or_init(|| {
            [
                Conformance::new(xpay_client::platform::OPENAPI_JSON),
                Conformance::new(xpay_client::xstak::OPENAPI_JSON),
                Conformance::new(collect_client::OPENAPI_JSON),
                Conformance::new(payfect_client::OPENAPI_JSON),
            ]
        });
        match api {
            Api::XpayPlatform => &all[0],
            Api::Xstak => &all[1],
            Api::Collect => &all[2],
            Api::Payfect => &all[3],
        }
    }

    /// Reads an OpenAPI 3.0 document; an operation the checker can't read is left unchecked.
    pub fn new(openapi_json: &str) -> Conformance {
        let mut doc: Value = serde_json::from_str(openapi_json).unwrap_or(Value::Null);
        allow_null(&mut doc);
        let mut ops = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, op) in item {
                    let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                        continue;
                    };
                    let pointer = format!(
                        "/paths/{}/{}",
                        escape(path),
                        method.as_str().to_ascii_lowercase()
                    );
                    ops.push(operation(
                        &doc,
                        path,
                        method,
                        &pointer,
                        op,
                        item.get("parameters"),
                    ));
                }
            }
        }
        // More literal segments first: `/customers/stats` wins over `/customers/{id}`.
        ops.sort_by_key(|o: &Operation| {
            std::cmp::Reverse(
                o.segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count(),
            )
        });
        Conformance {
            doc,
            ops,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The operation serving `method path`: its template matches the end of `path`, so a path
    /// under any mount prefix is found.
    fn find(&self, method: &Method, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.split('/').collect();
        self.ops.iter().find(|op| {
            op.method == *method
                && parts.len() >= op.segments.len()
                && op
                    .segments
                    .iter()
                    .zip(&parts[parts.len() - op.segments.len()..])
                    .all(|(s, p)| match s {
                        Segment::Literal(l) => l == p,
                        Segment::Param => !p.is_empty(),
                    })
        })
    }

    fn validator(&self, pointer: &str) -> Option<Arc<Validator>> {
        let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = cache.get(pointer) {
            return Some(v.clone());
        }
        // The whole document is the root resource, so `#/components/…` references resolve;
        // draft 4 ignores everything beside the root `$ref`.
        let mut root = self.doc.clone();
        root.as_object_mut()?.insert(
            "$ref".into(),
            Value::String(format!("#{}", fragment(pointer))),
        );
        let validator = jsonschema::options()
            .with_draft(Draft::Draft4)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| tracing::warn!("spec schema {pointer} does not compile: {e}"))
            .ok()?;
        let validator = Arc::new(validator);
        cache.insert(pointer.to_string(), validator.clone());
        Some(validator)
    }

    /// Every rule of the schema at `pointer` that `value` breaks.
    fn violations(&self, pointer: &str, value: &Value) -> Vec<Violation> {
        match self.validator(pointer) {
            Some(validator) => validator
                .iter_errors(value)
                .map(|e| Violation::from_error(&e, &self.doc))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Every rule of the spec this request breaks: its query parameters (missing, or breaking
    /// their schemas) first, then its body (missing, not JSON, or breaking its schema).
    pub fn check_request(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        body: &[u8],
    ) -> Vec<Violation> {
        let Some(op) = self.find(method, path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
        for param in &op.query {
            let at = vec![param.name.clone()];
            let Some((_, raw)) = pairs.iter().rev().find(|(k, _)| *k == param.name) else {
                if param.required {
                    out.push(Violation::new(at, Rule::Missing, "is required"));
                }
                continue;
            };
            let value = if param.json {
                match serde_json::from_str(raw) {
                    Ok(v) => v,
                    Err(_) => {
                        out.push(Violation::new(at, Rule::Invalid, "must be JSON text"));
                        continue;
                    }
                }
            } else {
                self.coerce(&param.schema, raw)
            };
            out.extend(
                self.violations(&param.schema, &value)
                    .into_iter()
                    .map(|mut v| {
                        v.path.insert(0, param.name.clone());
                        v
                    }),
            );
        }
        let Some(schema) = &op.body else {
            return out;
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            if op.body_required {
                out.push(Violation::new(
                    Vec::new(),
                    Rule::Missing,
                    "a request body is required",
                ));
            }
            return out;
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => out.extend(self.violations(schema, &value)),
            Err(_) => out.push(Violation::new(
                Vec::new(),
                Rule::Invalid,
                "the body is not valid JSON",
            )),
        }
        out
    }

    /// The rule of the spec this reply breaks: an undocumented status, or a JSON body that
    /// breaks the schema documented for its status.
    pub fn check_reply(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        body: &[u8],
    ) -> Result<(), String> {
        let Some(op) = self.find(method, path) else {
            return Ok(());
        };
        let code = status.as_str();
        let range = format!("{}XX", &code[..1]);
        let documented = op
            .responses
            .iter()
            .find(|(s, _)| s == code)
            .or_else(|| {
                op.responses
                    .iter()
                    .find(|(s, _)| s.eq_ignore_ascii_case(&range))
            })
            .or_else(|| op.responses.iter().find(|(s, _)| s == "default"));
        let Some((_, schema)) = documented else {
            return Err(format!(
                "status {code} is not documented for {method} {path}"
            ));
        };
        let Some(schema) = schema else {
            return Ok(());
        };
        let value: Value =
            serde_json::from_slice(body).map_err(|_| format!("the {code} reply is not JSON"))?;
        match self.violations(schema, &value).first() {
            Some(why) => Err(format!("the {code} reply breaks the spec at {why}")),
            None => Ok(()),
        }
    }

    /// A query string read as the JSON type its schema names, so `limit=5` is the integer 5.
    /// A digit string too long for 64 bits is still an integer: it reads as `u64::MAX`.
    fn coerce(&self, pointer: &str, raw: &str) -> Value {
        let schema = resolve(&self.doc, pointer);
        let ty = schema.and_then(|s| s.get("type")).and_then(Value::as_str);
        match ty {
            Some("integer") => {
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    raw.parse::<i64>()
                        .map(Value::from)
                        .or_else(|_| raw.parse::<u64>().map(Value::from))
                        .unwrap_or_else(|_| {
                            Value::from(if raw.starts_with('-') {
                                i64::MIN
                            } else {
                                i64::MAX
                            })
                        })
                } else {
                    Value::String(raw.into())
                }
            }
            Some("number") => raw
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(raw.into()), Value::Number),
            Some("boolean") => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(raw.into()),
            },
            _ => Value::String(raw.into()),
        }
    }
}

fn operation(
    doc: &Value,
    path: &str,
    method: Method,
    pointer: &str,
    op: &Value,
    shared: Option<&Value>,
) -> Operation {
    let segments = path
        .split('/')
        .skip(1)
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Param
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect();
    let mut query = Vec::new();
    let params = shared
        .into_iter()
        .map(|p| (p, "/paths/".to_string() + &escape(path) + "/parameters"))
        .chain(
            op.get("parameters")
                .map(|p| (p, format!("{pointer}/parameters"))),
        );
    for (list, base) in params {
        for (i, p) in list.as_array().into_iter().flatten().enumerate() {
            let (p, at) = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => (resolve(doc, &r[1..]), r[1..].to_string()),
                None => (Some(p), format!("{base}/{i}")),
            };
            let Some(p) = p else {
                continue;
            };
            if p.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let (schema, json) = if p.get("schema").is_some() {
                (format!("{at}/schema"), false)
            } else if p.pointer("/content/application~1json/schema").is_some() {
                (format!("{at}/content/application~1json/schema"), true)
            } else {
                continue;
            };
            query.retain(|q: &QueryParam| q.name != name);
            query.push(QueryParam {
                name: name.to_string(),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema,
                json,
            });
        }
    }
    let (body, body_required) = match op.get("requestBody") {
        Some(b) => {
            let (b, at) = match b.get("$ref").and_then(Value::as_str) {
                Some(r) => (resolve(doc, &r[1..]), r[1..].to_string()),
                None => (Some(b), format!("{pointer}/requestBody")),
            };
            let required = b.and_then(|b| b.get("required")).and_then(Value::as_bool);
            let json = b.and_then(|b| b.pointer("/content/application~1json/schema"));
            (
                json.map(|_| format!("{at}/content/application~1json/schema")),
                required.unwrap_or(false),
            )
        }
        None => (None, false),
    };
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            let (r, at) = match r.get("$ref").and_then(Value::as_str) {
                Some(p) => (resolve(doc, &p[1..]), p[1..].to_string()),
                None => (Some(r), format!("{pointer}/responses/{}", escape(status))),
            };
            let schema = r
                .and_then(|r| r.pointer("/content/application~1json/schema"))
                .map(|_| format!("{at}/content/application~1json/schema"));
            (status.clone(), schema)
        })
        .collect();
    Operation {
        method,
        segments,
        body,
        body_required,
        query,
        responses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_allows_null_in_each_shape() {
        let mut doc = serde_json::json!({
            "a": {"type": "string", "nullable": true},
            "b": {"type": "string", "enum": ["x"], "nullable": true},
            "c": {"type": "object", "allOf": [{"$ref": "#/x"}], "nullable": true},
        });
        allow_null(&mut doc);
        assert_eq!(doc["a"], serde_json::json!({"type": ["string", "null"]}));
        assert_eq!(
            doc["b"],
            serde_json::json!({"type": ["string", "null"], "enum": ["x", null]})
        );
        assert_eq!(
            doc["c"],
            serde_json::json!({"anyOf": [{"type": "object", "allOf": [{"$ref": "#/x"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn requests_and_replies_are_checked_against_the_xpay_spec() {
        let spec = Conformance::of(Api::XpayPlatform);
        let (get, post) = (Method::GET, Method::POST);
        let body = |b: &str| spec.check_request(&post, "/xpay/refunds", None, b.as_bytes());
        // A refund names exactly one target, and its amount is at least 1.
        assert_eq!(body(r#"{"chargeId":"ch_1"}"#), vec![]);
        let both = body(r#"{"chargeId":"ch_1","paymentIntentId":"pi_1"}"#);
        assert_eq!(
            (both[0].rule, both[0].dotted()),
            (Rule::Exclusive, "paymentIntentId".into())
        );
        let neither = body("{}");
        assert_eq!(
            (neither[0].rule, neither[0].dotted()),
            (Rule::Missing, "paymentIntentId".into())
        );
        let zero = body(r#"{"chargeId":"ch_1","amount":0}"#);
        assert_eq!(
            (zero[0].rule, zero[0].dotted()),
            (Rule::OutOfRange, "amount".into())
        );
        // Query parameters are read as their schema's type.
        let query = |q: &str| spec.check_request(&get, "/xpay/customers", Some(q), b"");
        assert_eq!(query("page=2&limit=100"), vec![]);
        assert_eq!(query("limit=101")[0].dotted(), "limit");
        assert_eq!(query("page=x")[0].rule, Rule::Invalid);
        // A reply with a wrong-typed field breaks the spec; an undocumented status too.
        let reply = br#"{"error":{"type":"invalid_request_error","message":7}}"#;
        assert!(
            spec.check_reply(&get, "/xpay/customers", StatusCode::BAD_REQUEST, reply)
                .is_err()
        );
        let found = StatusCode::FOUND;
        assert!(
            spec.check_reply(&get, "/xpay/customers/cus_1", found, b"")
                .is_err()
        );
    }

    #[test]
    fn every_schema_of_every_operation_compiles() {
        // A schema that doesn't compile would silently go unchecked.
        for api in [Api::XpayPlatform, Api::Xstak, Api::Collect, Api::Payfect] {
            let spec = Conformance::of(api);
            assert!(spec.ops.len() > 3, "{api}: no operations read");
            for op in &spec.ops {
                let pointers = op
                    .body
                    .iter()
                    .chain(op.query.iter().map(|q| &q.schema))
                    .chain(op.responses.iter().filter_map(|(_, s)| s.as_ref()));
                for pointer in pointers {
                    assert!(spec.validator(pointer).is_some(), "{api}: {pointer}");
                }
            }
        }
    }

    #[test]
    fn operations_with_path_parameters_are_checked_too() {
        // `{id}` in the pointer must be percent-encoded in the `$ref`, or nothing compiles.
        let spec = Conformance::of(Api::XpayPlatform);
        let bad = br#"{"expirationDate": ""}"#;
        let found = spec.check_request(&Method::PATCH, "/prices/price_1", None, bad);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].dotted(), "expirationDate");
    }

    #[test]
    fn a_violation_never_quotes_the_value() {
        let spec = Conformance::of(Api::Collect);
        let secret = "sk_live_do_not_echo_me";
        let body = format!(r#"{{"appId": 5, "secretKey": ["{secret}"]}}"#);
        let found = spec.check_request(
            &Method::POST,
            "/collect/api/v3/auth/token",
            None,
            body.as_bytes(),
        );
        assert!(!found.is_empty());
        assert!(
            found.iter().all(|v| !v.to_string().contains(secret)),
            "{found:?}"
        );
    }
}
