//! The project's spec rules. Each one exists because breaking it either makes progenitor panic
//! or generate something we promised users they would never get (an `f64` amount, a closed enum).

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation, Parameter, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type, VariantOrUnknownOrEmpty,
};
use std::collections::HashMap;
use std::fmt;

/// One broken rule, located by JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the spec, without the leading `#`.
    pub pointer: String,
    /// The rule's short name, such as `openapi-version`.
    pub rule: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}: [{}] {}", self.pointer, self.rule, self.message)
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Checks `spec` against every rule; an empty list means it may be generated.
pub fn lint(spec: &OpenAPI) -> Vec<Violation> {
    let mut l = Linter::default();
    if !spec.openapi.starts_with("3.0.") {
        l.push(
            "/openapi",
            "openapi-version",
            format!("`{}` is not OpenAPI 3.0.x", spec.openapi),
        );
    }
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    for (path, item) in &spec.paths.paths {
        let item_ptr = format!("/paths/{}", escape(path));
        let ReferenceOr::Item(item) = item else {
            l.push(
                &item_ptr,
                "no-path-refs",
                "path items must be inline".into(),
            );
            continue;
        };
        for (i, p) in item.parameters.iter().enumerate() {
            l.parameter(spec, p, &format!("{item_ptr}/parameters/{i}"));
        }
        for (method, op) in item.iter() {
            let ptr = format!("{item_ptr}/{method}");
            l.operation(spec, op, &ptr, &mut seen_ids);
        }
    }
    l.spec = Some(spec);
    if let Some(components) = &spec.components {
        for (name, schema) in &components.schemas {
            let ptr = format!("/components/schemas/{}", escape(name));
            if name.to_upper_camel_case() != *name {
                l.push(
                    &ptr,
                    "pascal-case-components",
                    format!(
                        "component `{name}` should be named `{}`",
                        name.to_upper_camel_case()
                    ),
                );
            }
            if let ReferenceOr::Item(item) = schema {
                for problem in crate::open_enum::alias_problems(item) {
                    l.push(&format!("{ptr}/x-aliases"), "enum-aliases", problem);
                }
            }
            l.schema(schema, &ptr, true);
        }
    }
    l.violations
}

#[derive(Default)]
struct Linter<'a> {
    violations: Vec<Violation>,
    /// For resolving `$ref`s while checking examples (set before component schemas are walked).
    spec: Option<&'a OpenAPI>,
}

/// Whether a schema states its `type` (directly, or `type` beside `allOf`/`oneOf`).
fn has_type(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(_) => true,
        SchemaKind::Any(any) => any.typ.is_some(),
        _ => false,
    }
}

impl<'a> Linter<'a> {
    fn push(&mut self, pointer: &str, rule: &'static str, message: String) {
        self.violations.push(Violation {
            pointer: pointer.to_string(),
            rule,
            message,
        });
    }

    fn operation(
        &mut self,
        spec: &OpenAPI,
        op: &Operation,
        ptr: &str,
        seen_ids: &mut HashMap<String, String>,
    ) {
        match &op.operation_id {
            None => self.push(
                ptr,
                "operation-id",
                "every operation needs an operationId".into(),
            ),
            Some(id) => {
                if id.to_snake_case() != *id {
                    self.push(
                        &format!("{ptr}/operationId"),
                        "operation-id",
                        format!("`{id}` is not snake_case (`{}`)", id.to_snake_case()),
                    );
                }
                if let Some(first) = seen_ids.insert(id.clone(), ptr.to_string()) {
                    self.push(
                        &format!("{ptr}/operationId"),
                        "operation-id",
                        format!("`{id}` is already used by #{first}"),
                    );
                }
            }
        }
        if op.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
            self.push(
                ptr,
                "operation-summary",
                "every operation needs a summary".into(),
            );
        }
        for (i, p) in op.parameters.iter().enumerate() {
            self.parameter(spec, p, &format!("{ptr}/parameters/{i}"));
        }
        if let Some(body) = &op.request_body {
            let body_ptr = format!("{ptr}/requestBody");
            match body {
                ReferenceOr::Reference { .. } => self.push(
                    &body_ptr,
                    "no-multipart",
                    "request bodies must be inline (with a $ref schema)".into(),
                ),
                ReferenceOr::Item(body) => {
                    for (ct, media) in &body.content {
                        let ct_ptr = format!("{body_ptr}/content/{}", escape(ct));
                        if ct != "application/json" {
                            self.push(
                                &ct_ptr,
                                "no-multipart",
                                format!(
                                    "request body `{ct}` is not supported; use application/json"
                                ),
                            );
                        }
                        if let Some(s) = &media.schema {
                            self.schema(s, &format!("{ct_ptr}/schema"), false);
                        }
                    }
                }
            }
        }
        self.responses(op, ptr);
    }

    fn responses(&mut self, op: &Operation, ptr: &str) {
        let rptr = format!("{ptr}/responses");
        if op.responses.default.is_some() {
            self.push(
                &format!("{rptr}/default"),
                "one-error-schema",
                "no `default` response: list 4XX/5XX with the error schema instead".into(),
            );
        }
        let mut successes = 0;
        let mut error_refs: Vec<(String, String)> = Vec::new();
        for (code, resp) in &op.responses.responses {
            let code_ptr = format!("{rptr}/{code}");
            let success = matches!(code, StatusCode::Code(c) if (200..300).contains(c))
                || matches!(code, StatusCode::Range(2));
            let ReferenceOr::Item(resp) = resp else {
                self.push(
                    &code_ptr,
                    "one-success-response",
                    "responses must be inline (with a $ref schema)".into(),
                );
                continue;
            };
            let schema_ref = resp
                .content
                .iter()
                .map(|(ct, m)| {
                    let ct_ptr = format!("{code_ptr}/content/{}", escape(ct));
                    match &m.schema {
                        Some(ReferenceOr::Reference { reference }) => {
                            Ok((ct_ptr, reference.clone()))
                        }
                        Some(ReferenceOr::Item(_)) | None => Err(ct_ptr),
                    }
                })
                .next();
            if success {
                successes += 1;
                if matches!(code, StatusCode::Range(_)) {
                    self.push(
                        &code_ptr,
                        "one-success-response",
                        "the success response needs an exact status code, not 2XX".into(),
                    );
                }
                if let Some(Err(p)) = schema_ref {
                    self.push(
                        &p,
                        "one-success-response",
                        "the success body must be a $ref to a component schema".into(),
                    );
                }
            } else {
                match schema_ref {
                    Some(Ok((_, r))) => error_refs.push((code_ptr, r)),
                    Some(Err(p)) => self.push(
                        &p,
                        "one-error-schema",
                        "the error body must be a $ref to a component schema".into(),
                    ),
                    None => self.push(
                        &code_ptr,
                        "one-error-schema",
                        "error responses need a JSON body schema".into(),
                    ),
                }
            }
        }
        if successes != 1 {
            self.push(
                &rptr,
                "one-success-response",
                format!("exactly one 2xx response is required, found {successes}"),
            );
        }
        if error_refs.is_empty() {
            self.push(
                &rptr,
                "one-error-schema",
                "at least one error response (4XX/5XX) with the error schema is required".into(),
            );
        }
        if let Some((_, first)) = error_refs.first().cloned() {
            for (p, r) in &error_refs[1..] {
                if *r != first {
                    self.push(
                        p,
                        "one-error-schema",
                        format!("error schema `{r}` differs from `{first}`; use one error schema"),
                    );
                }
            }
        }
    }

    fn parameter(&mut self, spec: &OpenAPI, p: &ReferenceOr<Parameter>, ptr: &str) {
        let p = match p {
            ReferenceOr::Item(p) => p,
            ReferenceOr::Reference { reference } => {
                let name = reference.trim_start_matches("#/components/parameters/");
                match spec
                    .components
                    .as_ref()
                    .and_then(|c| c.parameters.get(name))
                {
                    Some(ReferenceOr::Item(p)) => p,
                    _ => {
                        self.push(
                            ptr,
                            "parameter-ref",
                            format!("`{reference}` does not resolve"),
                        );
                        return;
                    }
                }
            }
        };
        if let Parameter::Cookie { parameter_data, .. } = p {
            self.push(
                ptr,
                "no-cookie-params",
                format!(
                    "cookie parameter `{}` is not supported",
                    parameter_data.name
                ),
            );
        }
        if let openapiv3::ParameterSchemaOrContent::Schema(s) = &p.parameter_data_ref().format {
            self.schema(s, &format!("{ptr}/schema"), false);
        }
    }

    /// The component a `$ref` names (`#/components/schemas/X`).
    fn by_ref(&self, reference: &str) -> Option<&'a Schema> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        self.spec?.components.as_ref()?.schemas.get(name)?.as_item()
    }

    fn resolve_boxed<'s>(&self, s: &'s ReferenceOr<Box<Schema>>) -> Option<&'s Schema>
    where
        'a: 's,
    {
        match s {
            ReferenceOr::Item(s) => Some(s),
            ReferenceOr::Reference { reference } => self.by_ref(reference),
        }
    }

    /// `null-survives`: an example that shows `null` for a property documents that the provider
    /// sends it, so the property must be `required` and `nullable`; an optional property's `null`
    /// would vanish when the generated type writes the payload back.
    fn example(&mut self, s: &Schema, value: &serde_json::Value, ptr: &str) {
        if value.is_null() && !s.schema_data.nullable {
            self.push(
                ptr,
                "null-survives",
                "the example is `null` but the schema is not `nullable`".into(),
            );
        }
        let (properties, required, items) = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (Some(&o.properties), &o.required, None),
            SchemaKind::Type(Type::Array(a)) => (None, &Vec::new(), a.items.as_ref()),
            SchemaKind::Any(any) => (Some(&any.properties), &any.required, any.items.as_ref()),
            _ => return,
        };
        // `Vec::new()` above is a temporary; copy what is needed out of it.
        let required: Vec<String> = required.clone();
        match value {
            serde_json::Value::Object(map) => {
                let Some(properties) = properties else { return };
                for (key, v) in map {
                    let Some(prop) = properties.get(key) else {
                        continue;
                    };
                    let Some(prop) = self.resolve_boxed(prop) else {
                        continue;
                    };
                    let p = format!("{ptr}/{}", escape(key));
                    if v.is_null() {
                        if !prop.schema_data.nullable || !required.contains(key) {
                            self.push(
                                &p,
                                "null-survives",
                                format!(
                                    "the example sends `{key}: null`, so `{key}` must be `required` and `nullable: true` (an optional `null` is dropped on re-serialization)"
                                ),
                            );
                        }
                    } else {
                        self.example(prop, v, &p);
                    }
                }
            }
            serde_json::Value::Array(list) => {
                let Some(items) = items.and_then(|i| self.resolve_boxed(i)) else {
                    return;
                };
                for (i, v) in list.iter().enumerate() {
                    if !v.is_null() {
                        self.example(items, v, &format!("{ptr}/{i}"));
                    }
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, s: &ReferenceOr<Schema>, ptr: &str, component: bool) {
        if let ReferenceOr::Item(s) = s {
            self.schema_item(s, ptr, component);
        }
    }

    fn boxed(&mut self, s: &ReferenceOr<Box<Schema>>, ptr: &str) {
        if let ReferenceOr::Item(s) = s {
            self.schema_item(s, ptr, false);
        }
    }

    fn schema_item(&mut self, s: &Schema, ptr: &str, component: bool) {
        if s.schema_data.nullable && !has_type(s) {
            self.push(
                ptr,
                "nullable-needs-type",
                "`nullable` needs a `type` beside it (OpenAPI 3.0 ignores it otherwise); write e.g. `type: object` next to the `allOf`".into(),
            );
        }
        if let Some(example) = &s.schema_data.example {
            self.example(s, example, &format!("{ptr}/example"));
        }
        match &s.schema_kind {
            SchemaKind::Type(Type::Number(n)) => {
                let decimal =
                    matches!(&n.format, VariantOrUnknownOrEmpty::Unknown(f) if f == "decimal");
                if !(decimal && component) {
                    let msg = if decimal {
                        "a decimal must be a named component, used through $ref"
                    } else {
                        "bare `number` would be f64: use integer minor units or a named `format: decimal` component"
                    };
                    self.push(ptr, "no-bare-number", msg.into());
                }
            }
            SchemaKind::Type(Type::String(st)) => {
                if !st.enumeration.is_empty() && !component {
                    self.push(
                        ptr,
                        "named-enums",
                        "string enums must be named components so they are generated open".into(),
                    );
                }
            }
            SchemaKind::Type(Type::Object(o)) => {
                for (name, prop) in &o.properties {
                    // A property's own `example: null` is invisible here: openapiv3 reads it as
                    // "no example". Nulls are checked in the enclosing object's example instead.
                    let pptr = format!("{ptr}/properties/{}", escape(name));
                    self.boxed(prop, &pptr);
                }
                if let Some(AdditionalProperties::Schema(ap)) = &o.additional_properties {
                    self.schema(ap, &format!("{ptr}/additionalProperties"), false);
                }
            }
            SchemaKind::Type(Type::Array(a)) => {
                if let Some(items) = &a.items {
                    self.boxed(items, &format!("{ptr}/items"));
                }
            }
            SchemaKind::Type(Type::Integer(_)) | SchemaKind::Type(Type::Boolean(_)) => {}
            SchemaKind::OneOf { one_of: v }
            | SchemaKind::AllOf { all_of: v }
            | SchemaKind::AnyOf { any_of: v } => {
                let kw = match &s.schema_kind {
                    SchemaKind::OneOf { .. } => "oneOf",
                    SchemaKind::AllOf { .. } => "allOf",
                    _ => "anyOf",
                };
                for (i, sub) in v.iter().enumerate() {
                    self.schema(sub, &format!("{ptr}/{kw}/{i}"), false);
                }
            }
            SchemaKind::Not { not } => self.schema(not, &format!("{ptr}/not"), false),
            SchemaKind::Any(any) => {
                if any.typ.as_deref() == Some("number") {
                    self.push(
                        ptr,
                        "no-bare-number",
                        "bare `number` would be f64: use integer minor units or a named `format: decimal` component".into(),
                    );
                }
                for (name, prop) in &any.properties {
                    self.boxed(prop, &format!("{ptr}/properties/{}", escape(name)));
                }
                if let Some(items) = &any.items {
                    self.boxed(items, &format!("{ptr}/items"));
                }
                for (kw, v) in [
                    ("oneOf", &any.one_of),
                    ("allOf", &any.all_of),
                    ("anyOf", &any.any_of),
                ] {
                    for (i, sub) in v.iter().enumerate() {
                        self.schema(sub, &format!("{ptr}/{kw}/{i}"), false);
                    }
                }
            }
        }
    }
}
