//! The typed webhook event enum, `EventObject`, generated from the spec's event list.
//!
//! The event-type schema (a string enum) declares which component each event type carries:
//!
//! ```yaml
//! EventType:
//!   type: string
//!   enum: [checkout.session.completed, refund.created]
//!   x-event-payloads:
//!     checkout.session.completed: CheckoutSession
//!     refund.created: Refund
//! ```
//!
//! Each entry becomes a variant named after the type (`CheckoutSessionCompleted(Box<CheckoutSession>)`),
//! plus `Unknown { type_, raw }` for every type the map does not list, so a type the provider
//! adds later still parses. The map, not the enum, drives the variants: a listed event type
//! without a payload entry parses as `Unknown` rather than failing the build.

use openapiv3::{OpenAPI, ReferenceOr};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::open_enum::OpenEnum;

/// The extension on the event-type schema.
const EXTENSION: &str = "x-event-payloads";

/// `EventObject` and its `decode`, or nothing when the spec declares no event payloads.
pub(crate) fn tokens(spec: &OpenAPI) -> TokenStream {
    let Some(components) = &spec.components else {
        return TokenStream::new();
    };
    let Some((type_schema, map)) = components.schemas.iter().find_map(|(name, schema)| {
        let ReferenceOr::Item(schema) = schema else {
            return None;
        };
        let map = schema.schema_data.extensions.get(EXTENSION)?;
        Some((name.clone(), map.as_object()?.clone()))
    }) else {
        return TokenStream::new();
    };
    let mut types = Vec::new();
    let mut payloads = Vec::new();
    for (event_type, payload) in &map {
        let payload = payload.as_str().unwrap_or_default();
        if !components.schemas.contains_key(payload) {
            let msg = format!(
                "{type_schema}.{EXTENSION}: `{event_type}` names `{payload}`, which is not a component schema"
            );
            return quote! { ::std::compile_error!(#msg); };
        }
        types.push(event_type.clone());
        payloads.push(format_ident!("{}", payload));
    }
    // Variant names as the open enums make them, so `EventType::CheckoutSessionCompleted` and
    // `EventObject::CheckoutSessionCompleted` agree.
    let naming = OpenEnum {
        name: type_schema.clone(),
        aliases: vec![Vec::new(); types.len()],
        values: types.clone(),
        description: None,
    };
    let variants: Vec<_> = naming
        .variants()
        .into_iter()
        .map(|(v, _)| format_ident!("{}", v))
        .collect();
    let docs: Vec<_> = types
        .iter()
        .zip(&payloads)
        .map(|(t, p)| format!("`{t}`: carries a [`types::{p}`]."))
        .collect();
    let enum_doc = format!(
        "A webhook's payload, typed by its event type (`{type_schema}` in the spec, which maps \
         each type to its payload with `{EXTENSION}`)."
    );
    quote! {
        #[doc = #enum_doc]
        ///
        /// Open: a type the spec does not map parses into `Unknown` with its raw JSON. A mapped
        /// type whose payload does not have the documented shape is an error naming the type,
        /// never a silent `Unknown`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum EventObject {
            #( #[doc = #docs] #variants(::std::boxed::Box<types::#payloads>), )*
            /// An event type this client does not map, kept whole.
            Unknown {
                /// The event type as sent.
                type_: ::std::string::String,
                /// The payload as sent.
                raw: ::serde_json::Value,
            },
        }

        impl EventObject {
            /// Every event type with a typed variant.
            pub const TYPES: &'static [&'static str] = &[#(#types),*];

            /// Types `payload` by `type_`: a mapped type must decode, any other is `Unknown`.
            pub fn decode(
                type_: &str,
                payload: ::serde_json::Value,
            ) -> ::std::result::Result<Self, ::paygate_runtime::webhook::WebhookError> {
                ::std::result::Result::Ok(match type_ {
                    #( #types => Self::#variants(::paygate_runtime::webhook::decode(type_, payload)?), )*
                    _ => Self::Unknown {
                        type_: type_.to_owned(),
                        raw: payload,
                    },
                })
            }

            /// The event type as sent.
            pub fn type_(&self) -> &str {
                match self {
                    #( Self::#variants(_) => #types, )*
                    Self::Unknown { type_, .. } => type_,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> OpenAPI {
        serde_norway::from_str(yaml).expect("spec")
    }

    const BASE: &str = r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Session: {type: object}
    EventType:
      type: string
      enum: [session.completed, session.expired]
"#;

    #[test]
    fn no_extension_no_enum() {
        assert!(tokens(&spec(BASE)).is_empty());
    }

    #[test]
    fn variants_follow_the_map() {
        let yaml = format!(
            "{BASE}      x-event-payloads:\n        session.completed: Session\n        session.expired: Session\n"
        );
        let code = tokens(&spec(&yaml)).to_string();
        assert!(
            code.contains("SessionCompleted (:: std :: boxed :: Box < types :: Session >)"),
            "{code}"
        );
        assert!(
            code.contains("\"session.expired\" => Self :: SessionExpired"),
            "{code}"
        );
        assert!(code.contains("Unknown"), "{code}");
    }

    #[test]
    fn an_unknown_payload_schema_fails_the_build() {
        let yaml = format!("{BASE}      x-event-payloads:\n        session.completed: Nope\n");
        let code = tokens(&spec(&yaml)).to_string();
        assert!(code.contains("compile_error"), "{code}");
        assert!(code.contains("Nope"), "{code}");
    }
}
