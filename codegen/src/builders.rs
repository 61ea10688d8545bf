//! Writing a reply type is opt-in.
//!
//! progenitor derives `Serialize` on every generated type and gives it a twin in
//! `types::builder` (a struct of `Result`s, `Default`, one setter per field and two
//! conversions). A type
//! that only ever arrives in a reply is decoded, never built or sent, by a client: in XPay's
//! platform API, the builders were half of the 20,000 generated lines, most of them for reply
//! types, and the XPay crate compiled in 4.0 s instead of 5.0 without their builders and
//! `Serialize` (BENCHMARKS.md, build time). So both come only with the client crate's
//! `write-replies` feature, for code that writes replies: a fake of the API (the sandbox
//! builds its replies with the builders, so that a new optional field in a spec needs no edit
//! there), or storing replies as JSON. async-stripe gates `Serialize` on its response types
//! the same way. Without the feature, a reply type is still written as a struct literal.
//!
//! What a request can carry keeps everything: every type named by an operation builder's
//! fields (its body and parameters), and every type those reach through their own fields and
//! variants.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

/// Puts the builders, their `T::builder()` entry points and the `Serialize` derives of types
/// no request carries behind the `write-replies` feature. Returns how many types that is.
pub(crate) fn reply_writing_behind_feature(file: &mut syn::File) -> usize {
    let mut roots = TypeNames::default();
    if let Some(operations) = crate::glue::module(&mut file.items, "builder") {
        for item in operations.iter() {
            if let syn::Item::Struct(s) = item {
                roots.visit_fields(&s.fields);
            }
        }
    }
    let Some(types) = crate::glue::module(&mut file.items, "types") else {
        return 0;
    };
    let mut reaches: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in types.iter() {
        let mut names = TypeNames::default();
        let ident = match item {
            syn::Item::Struct(s) => {
                names.visit_fields(&s.fields);
                &s.ident
            }
            syn::Item::Enum(e) => {
                for variant in &e.variants {
                    names.visit_fields(&variant.fields);
                }
                &e.ident
            }
            _ => continue,
        };
        reaches.insert(ident.to_string(), names.0);
    }
    let mut keep = BTreeSet::new();
    let mut todo: Vec<String> = roots.0.into_iter().collect();
    while let Some(name) = todo.pop() {
        if let Some(next) = reaches.get(&name)
            && keep.insert(name)
        {
            todo.extend(next.iter().cloned());
        }
    }
    let dropped = |ident: &syn::Ident| {
        let name = ident.to_string();
        reaches.contains_key(&name) && !keep.contains(&name)
    };

    let gate: syn::Attribute = syn::parse_quote!(#[cfg(feature = "write-replies")]);
    let mut gated = 0;
    if let Some(builders) = crate::glue::module(types, "builder") {
        for item in builders.iter_mut() {
            match item {
                syn::Item::Struct(s) if dropped(&s.ident) => {
                    s.attrs.push(gate.clone());
                    gated += 1;
                }
                // `impl Default for X`, `impl X { setters }`, `impl TryFrom<X> for
                // super::X`, `impl From<super::X> for X`: the implementing type is the
                // builder or its twin.
                syn::Item::Impl(i) if crate::glue::last_ident(&i.self_ty).is_some_and(dropped) => {
                    i.attrs.push(gate.clone());
                }
                _ => {}
            }
        }
    }
    // A reply type is only ever decoded: `Serialize` too is for fakes.
    let serialize: syn::Path = syn::parse_quote!(::serde::Serialize);
    for item in types.iter_mut() {
        let (ident, attrs) = match item {
            syn::Item::Struct(s) => (&s.ident, &mut s.attrs),
            syn::Item::Enum(e) => (&e.ident, &mut e.attrs),
            _ => continue,
        };
        if dropped(ident) {
            crate::derives::move_derive_behind(attrs, "Serialize", "write-replies", &serialize);
        }
    }
    // `impl X { pub fn builder() -> builder::X }`, beside the type.
    for item in types.iter_mut() {
        let syn::Item::Impl(i) = item else { continue };
        if i.trait_.is_some() || !crate::glue::last_ident(&i.self_ty).is_some_and(dropped) {
            continue;
        }
        for f in &mut i.items {
            if let syn::ImplItem::Fn(f) = f
                && f.sig.ident == "builder"
            {
                f.attrs.push(gate.clone());
            }
        }
    }
    gated
}

/// Every path segment named in the visited types: over-collects (`Option`, `String`), which is
/// harmless, since only names of generated types count.
#[derive(Default)]
struct TypeNames(BTreeSet<String>);

impl TypeNames {
    fn visit_fields(&mut self, fields: &syn::Fields) {
        for field in fields {
            self.visit_type(&field.ty);
        }
    }
}

impl<'ast> Visit<'ast> for TypeNames {
    fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
        self.0.insert(segment.ident.to_string());
        syn::visit::visit_path_segment(self, segment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_types_builders_need_the_feature_and_request_types_keep_theirs() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
                pub struct NewSession { pub customer: Customer, pub amount: i64 }
                pub struct Customer { pub name: Option<Name> }
                pub enum Name { Plain(String) }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
                pub struct Session { pub id: String, pub customer: Customer }
                pub enum SessionStatus { Open }
                impl NewSession { pub fn builder() -> builder::NewSession { Default::default() } }
                impl Session { pub fn builder() -> builder::Session { Default::default() } }
                impl ::std::fmt::Display for SessionStatus {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { Ok(()) }
                }
                pub mod builder {
                    pub struct NewSession { customer: Result<super::Customer, String> }
                    impl Default for NewSession { fn default() -> Self { todo!() } }
                    pub struct Customer { name: Result<Option<super::Name>, String> }
                    impl Customer { pub fn name(self) -> Self { self } }
                    pub struct Session { id: Result<String, String> }
                    impl Default for Session { fn default() -> Self { todo!() } }
                    impl Session { pub fn id(self) -> Self { self } }
                    impl ::std::convert::TryFrom<Session> for super::Session {
                        type Error = String;
                        fn try_from(value: Session) -> Result<Self, String> { todo!() }
                    }
                    impl ::std::convert::From<super::Session> for Session {
                        fn from(value: super::Session) -> Self { todo!() }
                    }
                }
            }
            pub mod builder {
                pub struct CreateSession<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::NewSession, String>,
                    status: Result<Option<types::SessionStatus>, String>,
                }
                impl<'a> CreateSession<'a> {
                    pub async fn send(self) -> Result<types::Session, ()> { todo!() }
                }
            }
        };
        assert_eq!(reply_writing_behind_feature(&mut file), 1);
        let text = quote::ToTokens::to_token_stream(&file).to_string();
        let gate = "# [cfg (feature = \"write-replies\")]";
        let builders = &text[text.find("pub mod builder").unwrap()..];
        for gated in [
            "pub struct Session {",
            "impl Default for Session",
            "impl Session {",
            "impl :: std :: convert :: TryFrom < Session > for super :: Session",
            "impl :: std :: convert :: From < super :: Session > for Session",
        ] {
            assert!(
                builders.contains(&format!("{gate} {gated}")),
                "{gated}: {text}"
            );
        }
        for kept in [
            "pub struct NewSession",
            "impl Default for NewSession",
            "pub struct Customer",
            "impl Customer",
        ] {
            assert!(
                !builders.contains(&format!("{gate} {kept}")),
                "{kept}: {text}"
            );
            assert!(builders.contains(kept), "{kept}: {text}");
        }
        assert!(
            text.contains(&format!("impl Session {{ {gate} pub fn builder")),
            "{text}"
        );
        assert!(text.contains("impl NewSession { pub fn builder"), "{text}");
        // The reply type derives `Serialize` with the feature only; the request type always.
        assert!(
            text.contains("# [derive (:: serde :: Deserialize , Clone)] # [cfg_attr (feature = \"write-replies\" , derive (:: serde :: Serialize))] pub struct Session"),
            "{text}"
        );
        assert!(
            text.contains("# [derive (:: serde :: Deserialize , :: serde :: Serialize , Clone)] pub struct NewSession"),
            "{text}"
        );
        // Nothing else: not the reply type itself, nor its other impls.
        assert_eq!(text.matches(gate).count(), 6, "{text}");
    }
}
