//! A reviewable summary of a generated client's public API: operations (method, path, Rust
//! types) and types (wire names and Rust types), plus every key the spec marks secret
//! (`x-sensitive: true`) and every item it marks unconfirmed.
//! It is snapshot-tested, so a spec change that alters the API shows up as a readable diff.

use crate::{CodegenError, Mapping, generate_file, lint, load, mappings, mount};
use openapiv3::{OpenAPI, ReferenceOr, StatusCode};
use quote::ToTokens;
use std::fmt::Write;
use std::path::Path;

/// The summary of the spec at `path`, as text; fails as [`crate::Build`] would (unreadable
/// spec, rule violations, generation errors).
pub fn summary(path: &Path) -> Result<String, CodegenError> {
    let spec = load(path)?;
    let violations = lint::lint(&spec);
    if !violations.is_empty() {
        return Err(CodegenError::Lint(path.into(), violations));
    }
    let file = generate_file(path, &spec, &mount(path, &spec)?)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", spec.info.title, spec.info.version);
    operations(&spec, &mut out);
    types(&spec, &file, &mut out);
    sensitive(&spec, &mut out);
    unconfirmed(&spec, &mut out);
    Ok(out)
}

fn schema_name(s: &ReferenceOr<openapiv3::Schema>) -> String {
    match s {
        ReferenceOr::Reference { reference } => reference.rsplit('/').next().unwrap_or("?").into(),
        ReferenceOr::Item(_) => "inline".into(),
    }
}

fn operations(spec: &OpenAPI, out: &mut String) {
    let _ = writeln!(out, "\n## Operations");
    for (path, method, op) in spec.operations() {
        let id = op.operation_id.as_deref().unwrap_or("?");
        let mut ok = String::from("()");
        let mut err = String::from("()");
        for (code, resp) in &op.responses.responses {
            let ReferenceOr::Item(resp) = resp else {
                continue;
            };
            let ty = resp
                .content
                .values()
                .next()
                .and_then(|m| m.schema.as_ref())
                .map_or_else(|| "()".to_string(), schema_name);
            let success = matches!(code, StatusCode::Code(c) if (200..300).contains(c));
            if success {
                ok = format!("{code} {ty}");
            } else {
                err = ty;
            }
        }
        let _ = writeln!(
            out,
            "{} {path}  {id} -> {ok} | {err}",
            method.to_uppercase()
        );
        for p in &op.parameters {
            let p = match p {
                ReferenceOr::Item(p) => Some(p),
                ReferenceOr::Reference { reference } => spec
                    .components
                    .as_ref()
                    .and_then(|c| {
                        c.parameters
                            .get(reference.trim_start_matches("#/components/parameters/"))
                    })
                    .and_then(|p| p.as_item()),
            };
            if let Some(p) = p {
                let d = p.parameter_data_ref();
                let loc = match p {
                    openapiv3::Parameter::Query { .. } => "query",
                    openapiv3::Parameter::Header { .. } => "header",
                    openapiv3::Parameter::Path { .. } => "path",
                    openapiv3::Parameter::Cookie { .. } => "cookie",
                };
                let req = if d.required { "" } else { "?" };
                let _ = writeln!(out, "    {loc} {}{req}", d.name);
            }
        }
        if let Some(ReferenceOr::Item(body)) = &op.request_body
            && let Some(s) = body.content.values().next().and_then(|m| m.schema.as_ref())
        {
            let _ = writeln!(out, "    body {}", schema_name(s));
        }
    }
}

fn compact(tokens: String) -> String {
    let mut s = tokens;
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& '", "&'"),
    ] {
        s = s.replace(from, to);
    }
    // `crate::platform::types::Status` reads as `Status`.
    while let Some(i) = s.find("types::") {
        let start = s[..i]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |p| p + 1);
        s.replace_range(start..i + "types::".len(), "");
    }
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::std::boxed::",
        "::chrono::",
        "::serde_json::",
        "::rust_decimal::",
        "::paygate_runtime::money::",
    ] {
        s = s.replace(prefix, "");
    }
    s
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let text = a.to_token_stream().to_string();
            let start = text.find("rename = \"")? + "rename = \"".len();
            let end = text[start..].find('"')?;
            Some(text[start..start + end].to_string())
        })
}

fn types(spec: &OpenAPI, file: &syn::File, out: &mut String) {
    let _ = writeln!(out, "\n## Types");
    for (name, mapping) in mappings(spec) {
        match mapping {
            Mapping::DecimalString => {
                let _ = writeln!(out, "{name} = Decimal (decimal string)");
            }
            Mapping::DecimalNumber => {
                let _ = writeln!(out, "{name} = JsonDecimal (JSON number, exact)");
            }
            Mapping::Replace(p) => {
                let _ = writeln!(out, "{name} = {p}");
            }
            Mapping::OpenEnum(e) => {
                let values: Vec<String> = e
                    .values
                    .iter()
                    .zip(&e.aliases)
                    .map(|(v, a)| {
                        if a.is_empty() {
                            v.clone()
                        } else {
                            format!("{v} (also {})", a.join(", "))
                        }
                    })
                    .collect();
                let _ = writeln!(out, "{name} (open enum): {}", values.join(" | "));
            }
        }
    }
    let Some(items) = file.items.iter().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return;
    };
    for item in items {
        match item {
            syn::Item::Struct(s) => {
                let _ = writeln!(out, "struct {}", s.ident);
                for f in &s.fields {
                    let Some(ident) = &f.ident else {
                        let _ =
                            writeln!(out, "    ({})", compact(f.ty.to_token_stream().to_string()));
                        continue;
                    };
                    let rust = ident.to_string();
                    let rust = rust.trim_start_matches("r#");
                    let wire = serde_rename(&f.attrs).unwrap_or_else(|| rust.to_string());
                    let ty = compact(f.ty.to_token_stream().to_string());
                    if wire == rust {
                        let _ = writeln!(out, "    {rust}: {ty}");
                    } else {
                        let _ = writeln!(out, "    {rust} \"{wire}\": {ty}");
                    }
                }
            }
            syn::Item::Enum(e) if !is_open_enum(spec, &e.ident.to_string()) => {
                let variants: Vec<String> = e
                    .variants
                    .iter()
                    .map(|v| match &v.fields {
                        syn::Fields::Unit => v.ident.to_string(),
                        fields => format!(
                            "{}{}",
                            v.ident,
                            compact(fields.to_token_stream().to_string())
                        ),
                    })
                    .collect();
                let _ = writeln!(out, "enum {}: {}", e.ident, variants.join(" | "));
            }
            _ => {}
        }
    }
}

fn is_open_enum(spec: &OpenAPI, name: &str) -> bool {
    mappings(spec)
        .iter()
        .any(|(n, m)| n == name && matches!(m, Mapping::OpenEnum(_)))
}

fn marked(v: &serde_json::Value, key: &str) -> bool {
    v.get(key) == Some(&serde_json::Value::Bool(true))
}

/// Every key that carries a secret: a property marked `x-sensitive`, or one whose `$ref` names
/// a component marked so (`Schema.property`), and each marked parameter.
fn sensitive(spec: &OpenAPI, out: &mut String) {
    let Ok(value) = serde_json::to_value(spec) else {
        return;
    };
    let empty = serde_json::Map::new();
    let schemas = value
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
        .unwrap_or(&empty);
    let secret_components: Vec<&String> = schemas
        .iter()
        .filter(|(_, s)| marked(s, "x-sensitive"))
        .map(|(n, _)| n)
        .collect();
    let is_secret = |prop: &serde_json::Value| {
        marked(prop, "x-sensitive")
            || prop
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .is_some_and(|n| secret_components.iter().any(|c| *c == n))
    };
    let mut found = Vec::new();
    for name in &secret_components {
        found.push(format!("{name} (type)"));
    }
    for (name, schema) in schemas {
        let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
            continue;
        };
        for (prop, s) in props {
            if is_secret(s) {
                found.push(format!("{name}.{prop}"));
            }
        }
    }
    let mut params = Vec::new();
    walk_params(&value, &mut params);
    found.extend(params);
    if found.is_empty() {
        return;
    }
    found.sort();
    found.dedup();
    let _ = writeln!(out, "\n## Sensitive (x-sensitive: true)");
    for f in found {
        let _ = writeln!(out, "{f}");
    }
}

fn walk_params(v: &serde_json::Value, found: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let (Some(name), Some(loc)) = (
                map.get("name").and_then(|n| n.as_str()),
                map.get("in").and_then(|n| n.as_str()),
            ) && marked(v, "x-sensitive")
            {
                found.push(format!("{loc} parameter {name}"));
            }
            for v in map.values() {
                walk_params(v, found);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk_params(v, found)),
        _ => {}
    }
}

fn unconfirmed(spec: &OpenAPI, out: &mut String) {
    let value = match serde_json::to_value(spec) {
        Ok(v) => v,
        Err(_) => return,
    };
    let mut found = Vec::new();
    walk(&value, String::new(), &mut found);
    if found.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Unconfirmed (x-unconfirmed: true)");
    for (ptr, desc) in found {
        let _ = writeln!(out, "#{ptr}: {desc}");
    }
}

fn walk(v: &serde_json::Value, ptr: String, found: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("x-unconfirmed") == Some(&serde_json::Value::Bool(true)) {
                let desc = map
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("(no description)")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                found.push((ptr.clone(), desc));
            }
            for (k, v) in map {
                walk(v, format!("{ptr}/{}", crate::lint::escape(k)), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{ptr}/{i}"), found);
            }
        }
        _ => {}
    }
}
