//! Path parameters go through `paygate_runtime::path::segment`, not progenitor's `encode_path`.
//!
//! progenitor builds a URL as `format!("{}/v1/checkouts/{}/", client.baseurl,
//! encode_path(&id.to_string()))`. Percent-encoding keeps `/` inside the segment, but `.` and
//! `..` stay dot segments that the URL parser resolves, so the id `..` sends the call to
//! `/v1/`. Codegen turns each `encode_path(&x.to_string())` into
//! `::paygate_runtime::path::segment("x", &x.to_string()).map_err(Error::InvalidRequest)?`:
//! the same encoding (plus `\`, which URL parsers read as `/`), and a refused value is the
//! same typed error as a parameter never set.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

/// Rewrites every `encode_path(&x.to_string())` in the `send()`s of the `builder` module;
/// returns how many.
pub(crate) fn path_parameters_checked(file: &mut syn::File) -> Result<usize, String> {
    let Some(items) = crate::glue::module(&mut file.items, "builder") else {
        return Ok(0);
    };
    let mut count = 0;
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &mut imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let block = &f.block;
            let tokens = rewrite(quote!(#block), &mut count);
            f.block = syn::parse2(tokens).map_err(|e| format!("send() after path rewrite: {e}"))?;
        }
    }
    Ok(count)
}

fn rewrite(tokens: TokenStream, count: &mut usize) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let (TokenTree::Ident(name), Some(TokenTree::Group(args))) =
            (&trees[i], trees.get(i + 1))
            && name == "encode_path"
            && args.delimiter() == Delimiter::Parenthesis
            && let Some(param) = parameter(args.stream())
        {
            let label = param.to_string();
            out.extend(quote! {
                ::paygate_runtime::path::segment(#label, &#param.to_string())
                    .map_err(Error::InvalidRequest)?
            });
            *count += 1;
            i += 2;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), rewrite(g.stream(), count));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `x` of `&x.to_string()`.
fn parameter(args: TokenStream) -> Option<proc_macro2::Ident> {
    let trees: Vec<TokenTree> = args.into_iter().collect();
    match trees.as_slice() {
        [
            TokenTree::Punct(amp),
            TokenTree::Ident(param),
            TokenTree::Punct(dot),
            TokenTree::Ident(method),
            TokenTree::Group(call),
        ] if amp.as_char() == '&'
            && dot.as_char() == '.'
            && method == "to_string"
            && call.stream().is_empty() =>
        {
            Some(param.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn encode_path_becomes_the_checked_segment() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetSession<'a> {
                    pub async fn send(self) -> Result<(), ()> {
                        let (request, info) = (|| -> Result<(), Error<()>> {
                            let url = format!(
                                "{}/sessions/{}/items/{}",
                                client.baseurl,
                                encode_path(&id.to_string()),
                                encode_path(&item_id.to_string()),
                            );
                            Ok(())
                        })()?;
                        Ok(())
                    }
                }
            }
        };
        assert_eq!(path_parameters_checked(&mut file), Ok(2));
        let text = file.to_token_stream().to_string();
        assert!(!text.contains("encode_path"), "{text}");
        for (label, param) in [("id", "id"), ("item_id", "item_id")] {
            let call = format!(
                ":: paygate_runtime :: path :: segment (\"{label}\" , & {param} . to_string ()) . map_err (Error :: InvalidRequest) ?"
            );
            assert!(text.contains(&call), "{call}\n{text}");
        }
    }
}
