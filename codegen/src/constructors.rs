//! `Foo::new(required…)` for every generated struct with a few required fields, so a request
//! is written without naming its optional fields: `Foo { bar: 1, ..Foo::new(id) }` or
//! `Foo::new(id)` alone. (A struct whose fields are all optional derives `Default` instead.)
//!
//! A text field takes `impl Into<String>`; any other field its own type. Structs with more
//! than [`MAX_REQUIRED`] required fields (responses, mostly) get none: a long positional list
//! reads worse than the builder. A crate that writes its own `new` for a generated type lists
//! it in the spec's `x-codegen: {hand-constructors: [Name]}`.

use std::collections::BTreeSet;

use quote::{ToTokens, quote};
use syn::Item;

/// More required fields than this and the builder reads better.
const MAX_REQUIRED: usize = 4;

/// Appends the constructors to the `types` module; returns how many.
pub(crate) fn required_constructors(file: &mut syn::File, skip: &BTreeSet<String>) -> usize {
    let Some(types) = crate::glue::module(&mut file.items, "types") else {
        return 0;
    };
    let mut impls: Vec<Item> = Vec::new();
    for item in types.iter() {
        let syn::Item::Struct(s) = item else { continue };
        let syn::Fields::Named(named) = &s.fields else {
            continue;
        };
        if !matches!(s.vis, syn::Visibility::Public(_))
            || !s.generics.params.is_empty()
            || skip.contains(&s.ident.to_string())
        {
            continue;
        }
        let fields: Vec<(syn::Ident, syn::Type, bool)> = named
            .named
            .iter()
            .filter_map(|f| {
                Some((
                    f.ident.clone()?,
                    f.ty.clone(),
                    crate::glue::is_optional_field(f),
                ))
            })
            .collect();
        let required = fields.iter().filter(|(_, _, opt)| !opt).count();
        if required == 0 || required > MAX_REQUIRED {
            continue;
        }
        let params = fields
            .iter()
            .filter(|(_, _, opt)| !opt)
            .map(|(name, ty, _)| {
                if is_string(ty) {
                    quote!(#name: impl ::std::convert::Into<::std::string::String>)
                } else {
                    quote!(#name: #ty)
                }
            });
        let inits = fields.iter().map(|(name, ty, opt)| {
            if *opt {
                quote!(#name: ::std::default::Default::default())
            } else if is_string(ty) {
                quote!(#name: #name.into())
            } else {
                quote!(#name)
            }
        });
        let name = &s.ident;
        let doc = format!(
            " A `{name}` with its required fields; every optional field starts empty (set it \
             with struct update syntax, `{name} {{ field: …, ..{name}::new(…) }}`)."
        );
        impls.push(syn::parse_quote! {
            impl #name {
                #[doc = #doc]
                pub fn new(#(#params),*) -> Self {
                    Self { #(#inits),* }
                }
            }
        });
    }
    let n = impls.len();
    types.extend(impls);
    n
}

fn is_string(ty: &syn::Type) -> bool {
    let t = ty.to_token_stream().to_string().replace(' ', "");
    t == "::std::string::String" || t == "String"
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn required_fields_become_arguments_and_the_rest_defaults() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub struct LineItem {
                    pub price: ::std::string::String,
                    pub quantity: ::std::num::NonZeroU64,
                    pub note: ::std::option::Option<::std::string::String>,
                    #[serde(default, skip_serializing_if = "Vec::is_empty")]
                    pub tags: Vec<String>,
                }
                pub struct AllOptional {
                    pub note: ::std::option::Option<::std::string::String>,
                }
                pub struct HandWritten {
                    pub id: ::std::string::String,
                }
            }
        };
        let skip = BTreeSet::from(["HandWritten".to_string()]);
        assert_eq!(required_constructors(&mut file, &skip), 1);
        let text = file.to_token_stream().to_string().replace(' ', "");
        assert!(
            text.contains(
                "pubfnnew(price:impl::std::convert::Into<::std::string::String>,quantity:::std::num::NonZeroU64)"
            ),
            "{text}"
        );
        assert!(
            text.contains("note:::std::default::Default::default()"),
            "{text}"
        );
        assert!(
            text.contains("tags:::std::default::Default::default()"),
            "{text}"
        );
    }
}
