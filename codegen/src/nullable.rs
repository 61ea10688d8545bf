//! Nullable fields become `Option<Option<T>>`, so absent and `null` both survive.
//!
//! A field the provider may send as `null` is `nullable: true` in the spec (and `required` too
//! where the docs say it is always sent). typify would give an optional nullable field a plain
//! `Option<T>` (a `null` vanishes on the way back) and a required one a strict `Option<T>` (a
//! reply that omits the key, as an older or newer API version may, fails to decode). So
//! [`require_nullable`] marks every nullable property required in the copy handed to progenitor,
//! and [`double_option_for_required_nullable`] rewrites the strict fields into `Option<Option<T>>`
//! read and written by `paygate_runtime::nullable`: absent is `None`, `null` is `Some(None)`, a
//! value is `Some(Some(v))`. The builders in `types::builder` follow: the field starts absent
//! instead of "no value supplied", and the setter takes a value, an `Option` or the triple.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

use quote::ToTokens;
use syn::parse_quote;

use crate::glue::module;

/// Every `nullable` property counts as required for generation, whether the spec says so or not:
/// typify then emits it as a strict `Option`, which [`double_option_for_required_nullable`]
/// turns into the absent/`null`/value triple. A property that is only optional would lose a
/// `null` on the way back; a strict one would refuse a payload that leaves the key out. The spec
/// itself is not changed: `required` there still documents what the provider always sends.
pub(crate) fn require_nullable(spec: &mut OpenAPI) {
    if let Some(c) = spec.components.as_mut() {
        for s in c.schemas.values_mut() {
            if let ReferenceOr::Item(s) = s {
                walk(s);
            }
        }
    }
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            if let Some(ReferenceOr::Item(body)) = op.request_body.as_mut() {
                for m in body.content.values_mut() {
                    if let Some(ReferenceOr::Item(s)) = m.schema.as_mut() {
                        walk(s);
                    }
                }
            }
            for r in op.responses.responses.values_mut() {
                if let ReferenceOr::Item(r) = r {
                    for m in r.content.values_mut() {
                        if let Some(ReferenceOr::Item(s)) = m.schema.as_mut() {
                            walk(s);
                        }
                    }
                }
            }
        }
    }
}

fn walk(s: &mut Schema) {
    match &mut s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in o.properties.iter_mut() {
                if let ReferenceOr::Item(p) = p {
                    if p.schema_data.nullable && !o.required.contains(name) {
                        o.required.push(name.clone());
                    }
                    walk(p);
                }
            }
            if let Some(openapiv3::AdditionalProperties::Schema(ap)) =
                o.additional_properties.as_mut()
                && let ReferenceOr::Item(ap) = ap.as_mut()
            {
                walk(ap);
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(ReferenceOr::Item(i)) = a.items.as_mut() {
                walk(i);
            }
        }
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => {
            for s in v.iter_mut() {
                if let ReferenceOr::Item(s) = s {
                    walk(s);
                }
            }
        }
        _ => {}
    }
}

/// typify's marker for "an `Option` that must be present".
const STRICT: &str = "deserialize_with = \"::std::option::Option::deserialize\"";
// `serialize_with`/`deserialize_with` rather than `with`: schemars reads `with` as a type.
const RELAXED: &str = "default , skip_serializing_if = \"::std::option::Option::is_none\" , \
     serialize_with = \"::paygate_runtime::nullable::serialize\" , \
     deserialize_with = \"::paygate_runtime::nullable::deserialize\"";

/// `struct name → (field name → inner type T of Option<T>)`.
type Rewritten = BTreeMap<String, BTreeMap<String, syn::Type>>;

/// Rewrites every strict `Option` field in `types` and its builder. Returns how many fields.
pub(crate) fn double_option_for_required_nullable(file: &mut syn::File) -> usize {
    let Some(types) = module(&mut file.items, "types") else {
        return 0;
    };
    let mut done = Rewritten::new();
    for item in types.iter_mut() {
        if let syn::Item::Struct(s) = item {
            for field in s.fields.iter_mut() {
                if let Some(inner) = relax_field(field) {
                    let name = field
                        .ident
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default();
                    done.entry(s.ident.to_string())
                        .or_default()
                        .insert(name, inner);
                }
            }
            if done.contains_key(&s.ident.to_string()) {
                derive_default_when_all_optional(s);
            }
        }
    }
    if let Some(builder) = module(types, "builder") {
        for item in builder.iter_mut() {
            match item {
                syn::Item::Struct(s) => {
                    if let Some(fields) = done.get_mut(&s.ident.to_string()) {
                        for field in s.fields.iter_mut() {
                            let name = field.ident.as_ref().map(|i| i.to_string());
                            // The builder names `types` items as `super::X`: take its own `X`.
                            if let Some(slot) = name.and_then(|n| fields.get_mut(&n))
                                && let Some(inner) =
                                    result_ok(&field.ty).and_then(|t| option_inner(&t))
                            {
                                field.ty = parse_quote!(::std::result::Result<::std::option::Option<::std::option::Option<#inner>>, ::std::string::String>);
                                *slot = inner;
                            }
                        }
                    }
                }
                syn::Item::Impl(imp) => {
                    let name = imp.self_ty.to_token_stream().to_string();
                    if let Some(fields) = done.get(name.trim()) {
                        builder_impl(imp, fields);
                    }
                }
                _ => {}
            }
        }
    }
    done.values().map(BTreeMap::len).sum()
}

/// typify derives `Default` only when no field is required; a nullable field no longer is, so
/// a struct whose fields are all `Option`s or `#[serde(default)]` gets it back
/// (`..Default::default()`).
fn derive_default_when_all_optional(s: &mut syn::ItemStruct) {
    let derives = |a: &syn::Attribute| {
        a.path().is_ident("derive") && a.meta.to_token_stream().to_string().contains("Default")
    };
    if s.attrs.iter().any(derives) {
        return;
    }
    // An `Option` field reads a missing key as `None` even without `default`.
    let all_default = s.fields.iter().all(crate::glue::is_optional_field);
    if all_default && matches!(s.fields, syn::Fields::Named(_)) {
        s.attrs.push(parse_quote!(#[derive(Default)]));
    }
}

/// Swaps the strict attribute for the `nullable` one and the type for `Option<Option<T>>`;
/// returns `T`.
fn relax_field(field: &mut syn::Field) -> Option<syn::Type> {
    let attr = field.attrs.iter_mut().find(|a| {
        a.path().is_ident("serde") && a.meta.to_token_stream().to_string().contains(STRICT)
    })?;
    let inner = option_inner(&field.ty)?;
    let text = attr
        .meta
        .to_token_stream()
        .to_string()
        .replace(STRICT, RELAXED);
    attr.meta = syn::parse_str(&text).ok()?;
    field.ty = parse_quote!(::std::option::Option<::std::option::Option<#inner>>);
    Some(inner)
}

fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    first_arg(ty, "Option")
}

fn result_ok(ty: &syn::Type) -> Option<syn::Type> {
    first_arg(ty, "Result")
}

/// `T` of `outer<T, ..>`.
fn first_arg(ty: &syn::Type, outer: &str) -> Option<syn::Type> {
    crate::glue::generic_args(ty, outer)?.into_iter().next()
}

/// `Default`: the field starts absent. Setter: takes `Option<Option<T>>`.
fn builder_impl(imp: &mut syn::ItemImpl, fields: &BTreeMap<String, syn::Type>) {
    let names: BTreeSet<&String> = fields.keys().collect();
    for item in &mut imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        let fname = f.sig.ident.to_string();
        if fname == "default" {
            for stmt in &mut f.block.stmts {
                if let syn::Stmt::Expr(syn::Expr::Struct(s), _) = stmt {
                    for fv in &mut s.fields {
                        if let syn::Member::Named(m) = &fv.member
                            && names.contains(&m.to_string())
                        {
                            fv.expr = parse_quote!(Ok(Default::default()));
                        }
                    }
                }
            }
        } else if let Some(inner) = fields.get(&fname) {
            // A value, an `Option` (None = `null`) or the triple (None = absent); see
            // `paygate_runtime::nullable::IntoNullable`.
            crate::glue::rewrite_setter(
                f,
                parse_quote!(::paygate_runtime::nullable::IntoNullable<#inner>),
                parse_quote!(::paygate_runtime::nullable::IntoNullable::into_nullable),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_struct_the_builder_default_and_setter_all_change() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct S {
                    #[serde(rename = "customerId", deserialize_with = "::std::option::Option::deserialize")]
                    pub customer_id: ::std::option::Option<String>,
                    #[serde(rename = "id")]
                    pub id: String,
                }
                pub mod builder {
                    pub struct S {
                        customer_id: ::std::result::Result<::std::option::Option<String>, ::std::string::String>,
                        id: ::std::result::Result<String, ::std::string::String>,
                    }
                    impl ::std::default::Default for S {
                        fn default() -> Self {
                            Self {
                                customer_id: Err("no value supplied for customer_id".to_string()),
                                id: Err("no value supplied for id".to_string()),
                            }
                        }
                    }
                    impl S {
                        pub fn customer_id<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<String>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self
                        }
                    }
                }
            }
        };
        assert_eq!(double_option_for_required_nullable(&mut file), 1);
        let text = file.to_token_stream().to_string().replace(' ', "");
        assert!(!text.contains("Option::deserialize"), "{text}");
        assert!(
            text.contains("deserialize_with=\"::paygate_runtime::nullable::deserialize\""),
            "{text}"
        );
        assert!(
            text.contains("pubcustomer_id:::std::option::Option<::std::option::Option<String>>"),
            "{text}"
        );
        assert!(text.contains("customer_id:::std::result::Result<::std::option::Option<::std::option::Option<String>>"), "{text}");
        assert!(
            text.contains("customer_id:Ok(Default::default())"),
            "{text}"
        );
        assert!(text.contains("id:Err(\"novaluesuppliedforid\""), "{text}");
        assert!(
            text.contains("T:::paygate_runtime::nullable::IntoNullable<String>"),
            "{text}"
        );
    }
}
