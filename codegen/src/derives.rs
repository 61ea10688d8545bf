//! `schemars::JsonSchema` only for users who ask for it.
//!
//! progenitor derives what its settings list on every generated type, unconditionally. Nothing
//! in the clients uses `JsonSchema`, and the derive is a large part of compiling a generated
//! client, so codegen moves it behind the including crate's `schemars` feature:
//! `#[derive(.., schemars::JsonSchema, ..)]` becomes the derive without it plus
//! `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`. The generated source
//! stays the same whichever features are on.

use syn::parse_quote;
use syn::punctuated::Punctuated;

/// Rewrites every derive in `items` (and in nested inline modules); returns how many.
pub(crate) fn json_schema_behind_feature(items: &mut [syn::Item]) -> usize {
    let mut n = 0;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    n += json_schema_behind_feature(items);
                }
                continue;
            }
            _ => continue,
        };
        if move_derive(attrs) {
            n += 1;
        }
    }
    n
}

fn move_derive(attrs: &mut Vec<syn::Attribute>) -> bool {
    move_derive_behind(
        attrs,
        "JsonSchema",
        "schemars",
        &parse_quote!(::schemars::JsonSchema),
    )
}

/// Whether `attrs` derive the trait named `name` (the last segment of its path).
pub(crate) fn has_derive(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
    })
}

/// Moves the derive named `name` (the last segment of its path) out of `#[derive(…)]` into
/// `#[cfg_attr(feature = "<feature>", derive(<path>))]`. Returns whether there was one.
pub(crate) fn move_derive_behind(
    attrs: &mut Vec<syn::Attribute>,
    name: &str,
    feature: &str,
    path: &syn::Path,
) -> bool {
    let is_it = |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == name);
    let mut moved = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) =
            attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        if !paths.iter().any(is_it) {
            continue;
        }
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_it(p)).collect();
        *attr = parse_quote!(#[derive(#(#kept),*)]);
        moved = true;
    }
    if moved {
        attrs.push(parse_quote!(#[cfg_attr(feature = #feature, derive(#path))]));
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn the_derive_moves_behind_the_feature_and_the_others_stay() {
        let mut file: syn::File = parse_quote! {
            pub mod types {
                #[derive(::serde::Serialize, schemars::JsonSchema, Clone)]
                pub struct A { x: i64 }
                #[derive(Clone)]
                pub enum B { X }
            }
        };
        assert_eq!(json_schema_behind_feature(&mut file.items), 1);
        let text = file.to_token_stream().to_string();
        assert!(
            text.contains("# [derive (:: serde :: Serialize , Clone)]"),
            "{text}"
        );
        assert!(
            text.contains(
                "# [cfg_attr (feature = \"schemars\" , derive (:: schemars :: JsonSchema))]"
            ),
            "{text}"
        );
        assert_eq!(text.matches("JsonSchema").count(), 1, "{text}");
    }
}
