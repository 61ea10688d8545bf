//! The glue between progenitor's output and the runtime, emitted once here instead of being
//! written by hand in every client.
//!
//! - Every builder's `send()` keeps progenitor's request construction and ends in
//!   `paygate_runtime::send` (or `send_empty`), so it returns `paygate_runtime::Error<E>`
//!   directly and each reply is decoded exactly once, in the runtime. progenitor's own tail
//!   (hooks `exec`/`post`, a status `match`, its second decode) is dropped.
//! - `pub type Error` replaces progenitor's re-exported `Error` at the module root.
//! - An empty `ClientHooks` impl: progenitor's `HooksMode::Expected` asks for one, and the
//!   client's customizations live in its `paygate_runtime::Api` impl instead.
//! - `SENSITIVE_KEYS` (from `x-sensitive: true`) and `operation_id::*` constants.

use heck::ToShoutySnakeCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

/// Rewrites every `send()` in the `builder` module. Returns the provider error type `E` that
/// the operations share (the lint guarantees one error schema per spec).
pub(crate) fn rewrite_sends(file: &mut syn::File) -> Result<Option<syn::Type>, String> {
    let mut error_type = None;
    let builder = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    });
    let Some(items) = builder else {
        return Ok(None);
    };
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" || f.sig.asyncness.is_none() {
                continue;
            }
            let e = rewrite_send(f)?;
            error_type.get_or_insert(e);
        }
    }
    Ok(error_type)
}

/// `Result<ResponseValue<S>, Error<E>>` → `(S, E)`.
fn result_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let args = generic_args(ty, "Result")?;
    let success = generic_args(args.first()?, "ResponseValue")?
        .into_iter()
        .next()?;
    let error = generic_args(args.get(1)?, "Error")?.into_iter().next()?;
    Some((success, error))
}

/// The items of the inline module `name` among `items` (`types`, then `builder` inside it).
pub(crate) fn module<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The last name of a type's path (`X` of `super::X` or `builder::X<'a>`): the type an `impl`
/// is for.
pub(crate) fn last_ident(ty: &syn::Type) -> Option<&syn::Ident> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// Makes a progenitor builder setter take `T: bound` and store `Ok(convert(value))`, in place of
/// its `TryInto` bound and conversion: how `setters` and `nullable` widen what a setter takes.
pub(crate) fn rewrite_setter(f: &mut syn::ImplItemFn, bound: syn::Path, convert: syn::ExprPath) {
    f.sig.generics.where_clause = Some(syn::parse_quote! { where T: #bound });
    let field = &f.sig.ident;
    f.block = syn::parse_quote!({
        self.#field = Ok(#convert(value));
        self
    });
}

/// A field a generated struct can leave empty: an `Option`, or one serde fills with its
/// default when the key is absent.
pub(crate) fn is_optional_field(field: &syn::Field) -> bool {
    use quote::ToTokens;
    generic_args(&field.ty, "Option").is_some()
        || field.attrs.iter().any(|a| {
            a.path().is_ident("serde") && {
                let t = a.meta.to_token_stream().to_string();
                t.contains("(default") || t.contains(", default")
            }
        })
}

/// The type arguments of `name<..>` when `ty` is that path, e.g. `Result<T, E>` → `[T, E]`.
pub(crate) fn generic_args(ty: &syn::Type, name: &str) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

fn rewrite_send(f: &mut syn::ImplItemFn) -> Result<syn::Type, String> {
    let (success, error) = result_types(&f.sig.output)
        .ok_or_else(|| "a generated send() has an unexpected return type".to_string())?;
    let stmts = &f.block.stmts;
    // progenitor's body: destructure `self`, finalize parameters, build the request and its
    // `OperationInfo`, then `client.pre(..)`, `exec`, `post` and a status match. Everything up
    // to the `pre` hook is kept.
    let pre = stmts
        .iter()
        .position(|s| {
            quote!(#s)
                .to_string()
                .replace(' ', "")
                .starts_with("client.pre(")
        })
        .ok_or_else(|| "a generated send() has no `client.pre(..)` call".to_string())?;
    let destructure = &stmts[0];
    let build = &stmts[1..pre];
    let unit: syn::Type = syn::parse_quote!(());
    let tail = if success == unit {
        quote! { ::paygate_runtime::send_empty::<#error, _>(&client.client, client, request, info).await }
    } else if quote!(#success).to_string().contains("ByteStream") {
        return Err("binary (ByteStream) replies are not supported by the runtime".into());
    } else {
        quote! { ::paygate_runtime::send::<#success, #error, _>(&client.client, client, request, info).await }
    };
    let body: syn::Block = syn::parse2(quote! {{
        #destructure
        let (request, info) = (|| -> ::std::result::Result<
            (::reqwest::Request, OperationInfo),
            ::paygate_runtime::Error<#error>,
        > {
            #(#build)*
            Ok((request, info))
        })()?;
        #tail
    }})
    .map_err(|e| format!("rewriting send(): {e}"))?;
    f.block = body;
    f.sig.output = syn::parse2(quote! {
        -> ::std::result::Result<ResponseValue<#success>, ::paygate_runtime::Error<#error>>
    })
    .map_err(|e| format!("rewriting send(): {e}"))?;
    Ok(error)
}

/// Drops progenitor's `Error` from the root re-export, so the emitted alias takes its place;
/// and progenitor's `Client::new(baseurl, inner)`, which builds a `reqwest::Client` that
/// follows redirects (credentials would follow them) and takes the name each client's own
/// constructor needs. `Client::new_with_client` stays, for builders.
pub(crate) fn drop_progenitor_items(file: &mut syn::File) {
    for item in &mut file.items {
        match item {
            syn::Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => {
                let tree = &u.tree;
                let text = quote!(#tree).to_string();
                if text.contains("progenitor_client") && text.contains("Error") {
                    u.tree = syn::parse_quote! {
                        progenitor_client::{ByteStream, ClientInfo, ResponseValue}
                    };
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                imp.items.retain(
                    |member| !matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "new"),
                );
            }
            _ => {}
        }
    }
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// The items appended to the generated module.
pub(crate) fn tokens(
    spec: &OpenAPI,
    error: Option<&syn::Type>,
    inner: Option<&TokenStream>,
) -> TokenStream {
    let error_alias = error.map(|e| {
        quote! {
            /// Everything a call of this API can fail with; `Api` carries the provider's error.
            pub type Error = ::paygate_runtime::Error<#e>;
        }
    });
    let hooks = inner.map(|inner| {
        quote! {
            // The customizations (auth, signing, idempotency keys) live in the client's
            // `paygate_runtime::Api` impl, which every `send()` calls.
            impl ClientHooks<#inner> for Client {}
        }
    });
    let sensitive = sensitive_keys(spec);
    let mut ids = Vec::new();
    for (_, _, op) in spec.operations() {
        if let Some(id) = &op.operation_id {
            let name = format_ident!("{}", id.to_shouty_snake_case());
            let doc = format!("`{id}`");
            ids.push(quote! { #[doc = #doc] pub const #name: &str = #id; });
        }
    }
    quote! {
        #error_alias
        #hooks

        /// Nullable fields are `Option<Option<T>>` (absent / `null` / value);
        /// this reads them as one `Option<&T>`.
        pub use ::paygate_runtime::nullable::Nullable;

        // What the public API names, re-exported so a user depends on this crate (and tokio)
        // alone: exact decimals, the error's pieces, retry and secrets. (progenitor itself
        // re-exports `ResponseValue`.)
        pub use ::paygate_runtime::{
            ConfigError, ExposeSecret, JsonDecimal, Outcome, ProviderError, RetryPolicy,
            SecretString,
        };
        pub use ::rust_decimal::Decimal;

        /// JSON keys whose values are secrets (`x-sensitive: true` in the spec): the runtime
        /// redacts them from every snippet an error or log line quotes.
        pub const SENSITIVE_KEYS: &[&str] = &[#(#sensitive),*];

        /// The spec's operation ids, for hand-written code that matches on them.
        pub mod operation_id {
            #(#ids)*
        }
    }
}

fn is_sensitive(s: &Schema) -> bool {
    s.schema_data
        .extensions
        .get("x-sensitive")
        .and_then(|v| v.as_bool())
        == Some(true)
}

/// Every property name marked `x-sensitive` (on the property, or on a component it
/// references), anywhere in the spec.
pub(crate) fn sensitive_keys(spec: &OpenAPI) -> Vec<String> {
    let mut sensitive_components = BTreeSet::new();
    let mut keys = BTreeSet::new();
    if let Some(c) = &spec.components {
        for (name, s) in &c.schemas {
            if let ReferenceOr::Item(s) = s
                && is_sensitive(s)
            {
                sensitive_components.insert(format!("#/components/schemas/{name}"));
            }
        }
        for s in c.schemas.values() {
            walk(s, &sensitive_components, &mut keys);
        }
    }
    for (_, _, op) in spec.operations() {
        let bodies = op
            .request_body
            .iter()
            .filter_map(|b| b.as_item())
            .flat_map(|b| b.content.values());
        let replies = op
            .responses
            .responses
            .values()
            .filter_map(|r| r.as_item())
            .flat_map(|r| r.content.values());
        for media in bodies.chain(replies) {
            if let Some(s) = &media.schema {
                walk(s, &sensitive_components, &mut keys);
            }
        }
    }
    keys.into_iter().collect()
}

fn walk(s: &ReferenceOr<Schema>, components: &BTreeSet<String>, keys: &mut BTreeSet<String>) {
    let ReferenceOr::Item(s) = s else { return };
    let mut children: Vec<&ReferenceOr<Schema>> = Vec::new();
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => {
            for (name, p) in &o.properties {
                let marked = match p {
                    ReferenceOr::Item(p) => is_sensitive(p),
                    ReferenceOr::Reference { reference } => components.contains(reference),
                };
                if marked {
                    keys.insert(name.clone());
                }
                // Boxed properties: walk them as plain schemas.
                if let ReferenceOr::Item(p) = p {
                    walk(&ReferenceOr::Item((**p).clone()), components, keys);
                }
            }
            if let Some(openapiv3::AdditionalProperties::Schema(a)) = &o.additional_properties {
                children.push(a.as_ref());
            }
        }
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(ReferenceOr::Item(i)) = &a.items {
                walk(&ReferenceOr::Item((**i).clone()), components, keys);
            }
        }
        SchemaKind::AllOf { all_of: v }
        | SchemaKind::OneOf { one_of: v }
        | SchemaKind::AnyOf { any_of: v } => children.extend(v.iter()),
        _ => {}
    }
    for c in children {
        walk(c, components, keys);
    }
}
