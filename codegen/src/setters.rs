//! Builder setters of optional text fields take `"EGP"` as well as `"EGP".to_string()`.
//!
//! progenitor's setter for an optional field takes `T: TryInto<Option<X>>`, so a plain `X`
//! works (`Option<X>: From<X>`) but a `&str` for a `String` field does not: users wrote
//! `Some("EGP".to_owned())`. Those setters take `T: paygate_runtime::nullable::IntoOptional<String>`
//! instead (a `&str`, a `String` or an `Option<String>`). Setters of other types keep
//! progenitor's bound, which already takes the plain value.

use quote::ToTokens;
use syn::parse_quote;

use crate::glue::{module, rewrite_setter};

/// Rewrites every such setter in `types::builder`; returns how many.
pub(crate) fn text_setters_take_str(file: &mut syn::File) -> usize {
    let Some(builder) = module(&mut file.items, "types").and_then(|t| module(t, "builder")) else {
        return 0;
    };
    let mut n = 0;
    for item in builder.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        for item in &mut imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let Some(clause) = &f.sig.generics.where_clause else {
                continue;
            };
            let bound = clause.to_token_stream().to_string().replace(' ', "");
            if !bound.contains("TryInto<::std::option::Option<::std::string::String>>") {
                continue;
            }
            rewrite_setter(
                f,
                parse_quote!(::paygate_runtime::nullable::IntoOptional<::std::string::String>),
                parse_quote!(::paygate_runtime::nullable::IntoOptional::into_optional),
            );
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_optional_text_setters_change() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                pub mod builder {
                    impl S {
                        pub fn currency<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self
                        }
                        pub fn amount<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<i64>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self
                        }
                    }
                }
            }
        };
        assert_eq!(text_setters_take_str(&mut file), 1);
        let text = file.to_token_stream().to_string();
        assert!(
            text.contains("IntoOptional < :: std :: string :: String >"),
            "{text}"
        );
        assert!(
            text.contains("TryInto < :: std :: option :: Option < i64 > >"),
            "{text}"
        );
    }
}
