//! Open enums: providers add statuses and event types without notice, and typify's closed enums
//! would turn each addition into a failed parse of the whole response.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub(crate) struct OpenEnum {
    pub name: String,
    pub values: Vec<String>,
    pub description: Option<String>,
}

impl OpenEnum {
    /// Variant names, made unique and valid; `Unknown` is reserved for the catch-all.
    pub(crate) fn variants(&self) -> Vec<(String, String)> {
        let mut used = HashSet::new();
        used.insert("Unknown".to_string());
        self.values
            .iter()
            .map(|v| {
                let mut base = v.to_upper_camel_case();
                if base.is_empty() {
                    base = "Empty".into();
                }
                if base.starts_with(|c: char| c.is_ascii_digit()) {
                    base = format!("V{base}");
                }
                let mut name = base.clone();
                let mut n = 2;
                while !used.insert(name.clone()) {
                    name = format!("{base}{n}");
                    n += 1;
                }
                (name, v.clone())
            })
            .collect()
    }

    pub(crate) fn tokens(&self) -> TokenStream {
        let ident = format_ident!("{}", self.name);
        let name = &self.name;
        let doc = self
            .description
            .clone()
            .unwrap_or_else(|| format!("`{}`", self.name));
        let variants = self.variants();
        let idents: Vec<_> = variants
            .iter()
            .map(|(n, _)| format_ident!("{}", n))
            .collect();
        let values: Vec<_> = variants.iter().map(|(_, v)| v.clone()).collect();
        let docs: Vec<_> = values.iter().map(|v| format!("`{v}`")).collect();
        quote! {
            #[doc = #doc]
            ///
            /// Open: a value this spec does not list parses into `Unknown` and serializes back
            /// unchanged.
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum #ident {
                #( #[doc = #docs] #idents, )*
                /// A value the spec does not list, kept verbatim.
                Unknown(::std::string::String),
            }

            impl #ident {
                /// Every value the spec lists.
                pub const KNOWN: &'static [&'static str] = &[#(#values),*];

                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#idents => #values, )*
                        Self::Unknown(s) => s.as_str(),
                    }
                }

                /// False for a value the spec does not list.
                pub fn is_known(&self) -> bool {
                    !matches!(self, Self::Unknown(_))
                }
            }

            impl ::std::convert::From<&str> for #ident {
                fn from(s: &str) -> Self {
                    match s {
                        #( #values => Self::#idents, )*
                        other => Self::Unknown(other.to_string()),
                    }
                }
            }

            impl ::std::convert::From<::std::string::String> for #ident {
                fn from(s: ::std::string::String) -> Self {
                    match Self::from(s.as_str()) {
                        Self::Unknown(_) => Self::Unknown(s),
                        known => known,
                    }
                }
            }

            impl ::std::str::FromStr for #ident {
                type Err = ::std::convert::Infallible;
                fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(Self::from(s))
                }
            }

            impl ::std::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #ident {
                fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                    s.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #ident {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                    ::std::string::String::deserialize(d).map(Self::from)
                }
            }

            impl ::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::string::String {
                    #name.to_string()
                }

                fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                    ::schemars::schema::SchemaObject {
                        instance_type: Some(::schemars::schema::InstanceType::String.into()),
                        enum_values: Some(vec![#(::serde_json::Value::from(#values)),*]),
                        ..Default::default()
                    }
                    .into()
                }
            }
        }
    }
}
