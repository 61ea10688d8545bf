//! An operation builder holds its request body as the body's type, not as that type's builder.
//!
//! progenitor stores a body as `Result<types::builder::X, String>`: `.body(x)` turns the finished
//! `x` into its builder (each field wrapped in a `Result`), and `send()` turns it back, checking
//! every field again, on every call. The body was already a checked `X` when it was given, or
//! its builder was checked by the `TryFrom` that `.body(X::builder()…)` goes through. So codegen
//! makes the field `Result<types::X, String>`: both conversions become the identity, and
//! `body_map` maps the body itself (`.body_map(|b| X { description: Some(d), ..b })`).
//!
//! A body type with required fields has no `Default`: its builder used to start from the
//! builder's default and fail in `send()` with "no value supplied for …"; it now starts as
//! "body was not initialized", the way progenitor starts a required parameter.

use std::collections::BTreeSet;

use syn::visit::Visit;

/// Rewrites every operation builder's body; returns how many builders had one.
pub(crate) fn bodies_hold_their_type(file: &mut syn::File) -> usize {
    let with_default = crate::glue::module(&mut file.items, "types")
        .map(|types| types_with_default(types))
        .unwrap_or_default();
    let Some(operations) = crate::glue::module(&mut file.items, "builder") else {
        return 0;
    };
    let mut bodies = Vec::new();
    for item in operations.iter() {
        if let syn::Item::Struct(s) = item {
            for field in &s.fields {
                if field.ident.as_ref().is_some_and(|i| i == "body")
                    && let Some(name) = builder_type_in(&field.ty)
                {
                    bodies.push((s.ident.clone(), name));
                }
            }
        }
    }
    for (builder, body) in &bodies {
        for item in operations.iter_mut() {
            match item {
                syn::Item::Struct(s) if &s.ident == builder => {
                    for field in &mut s.fields {
                        if field.ident.as_ref().is_some_and(|i| i == "body") {
                            field.ty = syn::parse_quote!(Result<types::#body, String>);
                        }
                    }
                }
                syn::Item::Impl(i) if crate::glue::last_ident(&i.self_ty) == Some(builder) => {
                    rewrite_impl(i, body, with_default.contains(&body.to_string()));
                }
                _ => {}
            }
        }
    }
    bodies.len()
}

/// The `X` of `Result<types::builder::X, String>`.
fn builder_type_in(ty: &syn::Type) -> Option<syn::Ident> {
    let mut finder = FindBuilder(None);
    finder.visit_type(ty);
    finder.0
}

struct FindBuilder(Option<syn::Ident>);

impl<'ast> Visit<'ast> for FindBuilder {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        let s: Vec<_> = path.segments.iter().map(|s| &s.ident).collect();
        if s.len() == 3 && s[0] == "types" && s[1] == "builder" {
            self.0 = Some(s[2].clone());
        }
        syn::visit::visit_path(self, path);
    }
}

/// `body_map` maps the body itself; without `Default`, `new()` starts the body unset.
fn rewrite_impl(i: &mut syn::ItemImpl, body: &syn::Ident, has_default: bool) {
    for item in &mut i.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        if f.sig.ident == "body_map" {
            *f = syn::parse_quote! {
                /// Changes the body set so far, for example `.body_map(|b| X { field: v, ..b })`.
                pub fn body_map<F>(mut self, f: F) -> Self
                where
                    F: std::ops::FnOnce(types::#body) -> types::#body,
                {
                    self.body = self.body.map(f);
                    self
                }
            };
        } else if f.sig.ident == "new" && !has_default {
            let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = f.block.stmts.last_mut()
            else {
                continue;
            };
            for field in &mut init.fields {
                if matches!(&field.member, syn::Member::Named(n) if n == "body") {
                    field.expr = syn::parse_quote!(Err("body was not initialized".to_string()));
                }
            }
        }
    }
}

/// Names of the types that implement `Default`, derived or written.
fn types_with_default(types: &[syn::Item]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for item in types {
        match item {
            syn::Item::Struct(s) if crate::derives::has_derive(&s.attrs, "Default") => {
                names.insert(s.ident.to_string());
            }
            syn::Item::Enum(e) if crate::derives::has_derive(&e.attrs, "Default") => {
                names.insert(e.ident.to_string());
            }
            syn::Item::Impl(i)
                if i.trait_.as_ref().is_some_and(|(p, _)| {
                    p.segments.last().is_some_and(|s| s.ident == "Default")
                }) =>
            {
                if let Some(name) = crate::glue::last_ident(&i.self_ty) {
                    names.insert(name.to_string());
                }
            }
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn bodies_become_their_type_and_a_body_without_default_starts_unset() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug)]
                pub struct NewSession { pub amount: i64 }
                #[derive(Clone, Debug, Default)]
                pub struct Patch { pub note: Option<String> }
                pub mod builder {
                    pub struct NewSession { amount: Result<i64, String> }
                }
            }
            pub mod builder {
                pub struct Create<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::NewSession, String>,
                }
                impl<'a> Create<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, body: Ok(::std::default::Default::default()) }
                    }
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where F: std::ops::FnOnce(types::builder::NewSession) -> types::builder::NewSession
                    { self.body = self.body.map(f); self }
                }
                pub struct Update<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::Patch, String>,
                }
                impl<'a> Update<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, body: Ok(::std::default::Default::default()) }
                    }
                }
                pub struct Get<'a> { client: &'a super::Client, id: Result<String, String> }
            }
        };
        assert_eq!(bodies_hold_their_type(&mut file), 2);
        let text = file.to_token_stream().to_string();
        let operations = &text[text.rfind("pub mod builder").unwrap()..];
        assert!(!operations.contains("types :: builder"), "{operations}");
        assert!(
            operations.contains("body : Result < types :: NewSession , String >"),
            "{operations}"
        );
        assert!(
            operations.contains("FnOnce (types :: NewSession) -> types :: NewSession"),
            "{operations}"
        );
        // No `Default` for a body with a required field: unset until `.body(…)`.
        assert!(
            operations.contains("body : Err (\"body was not initialized\" . to_string ())"),
            "{operations}"
        );
        // An all-optional body keeps its empty default.
        assert_eq!(
            operations
                .matches("body : Ok (:: std :: default :: Default :: default ())")
                .count(),
            1,
            "{operations}"
        );
        // The type builders themselves stay.
        assert!(
            text.contains("pub struct NewSession { amount : Result"),
            "{text}"
        );
    }
}
