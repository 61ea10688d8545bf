//! Open enums: providers add statuses and event types without notice, and typify's closed enums
//! would turn each addition into a failed parse of the whole response.
//!
//! A spec may also give a value other spellings with `x-aliases` (canonical value → list of
//! spellings), for a provider whose docs and code disagree on casing. Each spelling reads as the
//! same known value, and the value remembers the spelling it was read with, so it serializes
//! back exactly as received:
//!
//! ```yaml
//! RefundStatus:
//!   type: string
//!   enum: [pending, succeeded]
//!   x-aliases:
//!     succeeded: [SUCCEEDED]
//! ```

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use openapiv3::{Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub(crate) struct OpenEnum {
    pub name: String,
    pub values: Vec<String>,
    pub description: Option<String>,
    /// Per value (same order as `values`), the other spellings read as that value.
    pub aliases: Vec<Vec<String>>,
}

/// See [`OpenEnum::parts`].
struct Parts {
    ident: syn::Ident,
    doc: String,
    idents: Vec<syn::Ident>,
    values: Vec<String>,
}

/// Why an `x-aliases` block cannot be used.
pub(crate) fn alias_problems(schema: &Schema) -> Vec<String> {
    let Some(ext) = schema.schema_data.extensions.get("x-aliases") else {
        return Vec::new();
    };
    let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
        return vec!["`x-aliases` is only allowed on a string enum".into()];
    };
    let values: Vec<&String> = s.enumeration.iter().flatten().collect();
    let Some(map) = ext.as_object() else {
        return vec!["`x-aliases` must map each enum value to a list of spellings".into()];
    };
    let mut seen: HashSet<&str> = values.iter().map(|v| v.as_str()).collect();
    let mut out = Vec::new();
    for (value, spellings) in map {
        if !values.contains(&value) {
            out.push(format!(
                "`x-aliases` names `{value}`, which is not in the enum"
            ));
        }
        match spellings.as_array() {
            Some(list) => {
                for sp in list {
                    match sp.as_str() {
                        Some(sp) if seen.insert(sp) => {}
                        Some(sp) => out.push(format!(
                            "`x-aliases` spelling `{sp}` is used twice (or is an enum value)"
                        )),
                        None => out.push(format!("`x-aliases.{value}` must list strings")),
                    }
                }
            }
            None => out.push(format!("`x-aliases.{value}` must be a list of spellings")),
        }
    }
    out
}

impl OpenEnum {
    /// The open enum for a named string-enum component. Invalid `x-aliases` are ignored here;
    /// the lint reports them.
    pub(crate) fn from_schema(name: &str, schema: &Schema, values: Vec<String>) -> Self {
        let map = schema
            .schema_data
            .extensions
            .get("x-aliases")
            .and_then(|v| v.as_object());
        let aliases = values
            .iter()
            .map(|v| {
                map.and_then(|m| m.get(v))
                    .and_then(|l| l.as_array())
                    .map(|l| {
                        l.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        OpenEnum {
            name: name.to_string(),
            values,
            description: schema.schema_data.description.clone(),
            aliases,
        }
    }

    fn has_aliases(&self) -> bool {
        self.aliases.iter().any(|a| !a.is_empty())
    }

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

    /// What both shapes start from: the type's ident and doc, and each variant's ident and
    /// spec spelling.
    fn parts(&self) -> Parts {
        let variants = self.variants();
        Parts {
            ident: format_ident!("{}", self.name),
            doc: self
                .description
                .clone()
                .unwrap_or_else(|| format!("`{}`", self.name)),
            idents: variants
                .iter()
                .map(|(n, _)| format_ident!("{}", n))
                .collect(),
            values: variants.into_iter().map(|(_, v)| v).collect(),
        }
    }

    pub(crate) fn tokens(&self) -> TokenStream {
        if self.has_aliases() {
            return self.aliased_tokens();
        }
        let Parts {
            ident,
            doc,
            idents,
            values,
        } = self.parts();
        let name = &self.name;
        let docs: Vec<_> = values.iter().map(|v| format!("`{v}`")).collect();
        let common = common_impls(&ident, name, &values);
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

            #common
        }
    }

    /// The shape for an enum with `x-aliases`: each known variant holds the spelling it was read
    /// with. Equality, ordering and hashing ignore the spelling, so `SUCCEEDED` and `succeeded`
    /// are one value; `as_str`, `Display` and serialization give the spelling back.
    fn aliased_tokens(&self) -> TokenStream {
        let Parts {
            ident,
            doc,
            idents,
            values,
        } = self.parts();
        let name = &self.name;
        let docs: Vec<_> = values
            .iter()
            .zip(&self.aliases)
            .map(|(v, a)| {
                if a.is_empty() {
                    format!("`{v}`; holds the spelling as received.")
                } else {
                    let also: Vec<_> = a.iter().map(|s| format!("`{s}`")).collect();
                    format!(
                        "`{v}`, also read from {}; holds the spelling as received.",
                        also.join(", ")
                    )
                }
            })
            .collect();
        let ranks: Vec<usize> = (0..values.len()).collect();
        let consts: Vec<_> = idents
            .iter()
            .map(|n| n.to_string().to_shouty_snake_case())
            .collect();
        let const_items = idents
            .iter()
            .zip(&values)
            .zip(&consts)
            .filter(|(_, c)| *c != "KNOWN")
            .map(|((id, v), c)| {
                let c = format_ident!("{}", c);
                let d = format!("`{v}`, the spelling the spec lists first.");
                quote! { #[doc = #d] pub const #c: Self = Self::#id(#v); }
            });
        let mut read_spellings = Vec::new();
        let mut read_idents = Vec::new();
        let mut all_spellings = Vec::new();
        for ((id, v), a) in idents.iter().zip(&values).zip(&self.aliases) {
            for sp in std::iter::once(v).chain(a) {
                read_spellings.push(sp.clone());
                read_idents.push(id.clone());
                all_spellings.push(sp.clone());
            }
        }
        let common = common_impls(&ident, name, &all_spellings);
        quote! {
            #[doc = #doc]
            ///
            /// Open: a value this spec does not list parses into `Unknown` and serializes back
            /// unchanged. Each known value may arrive in several spellings (`x-aliases`): they
            /// compare equal, and each serializes back as it was received.
            #[derive(Clone, Debug)]
            pub enum #ident {
                #( #[doc = #docs] #idents(&'static str), )*
                /// A value the spec does not list, kept verbatim.
                Unknown(::std::string::String),
            }

            impl #ident {
                /// Every value the spec lists, in its first spelling.
                pub const KNOWN: &'static [&'static str] = &[#(#values),*];

                #(#const_items)*

                /// The wire value, as received.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#idents(s) => s, )*
                        Self::Unknown(s) => s.as_str(),
                    }
                }

                /// The value in the spelling the spec lists first.
                pub fn canonical(&self) -> &str {
                    match self {
                        #( Self::#idents(_) => #values, )*
                        Self::Unknown(s) => s.as_str(),
                    }
                }

                /// False for a value the spec does not list.
                pub fn is_known(&self) -> bool {
                    !matches!(self, Self::Unknown(_))
                }

                fn rank(&self) -> (usize, &str) {
                    match self {
                        #( Self::#idents(_) => (#ranks, ""), )*
                        Self::Unknown(s) => (usize::MAX, s.as_str()),
                    }
                }
            }

            impl ::std::cmp::PartialEq for #ident {
                fn eq(&self, other: &Self) -> bool {
                    self.rank() == other.rank()
                }
            }

            impl ::std::cmp::Eq for #ident {}

            impl ::std::hash::Hash for #ident {
                fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                    self.rank().hash(state)
                }
            }

            impl ::std::cmp::PartialOrd for #ident {
                fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                    Some(self.cmp(other))
                }
            }

            impl ::std::cmp::Ord for #ident {
                fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                    self.rank().cmp(&other.rank())
                }
            }

            impl ::std::convert::From<&str> for #ident {
                fn from(s: &str) -> Self {
                    match s {
                        #( #read_spellings => Self::#read_idents(#read_spellings), )*
                        other => Self::Unknown(other.to_string()),
                    }
                }
            }

            #common
        }
    }
}

/// What both open-enum shapes share once `From<&str>` and `as_str` exist: `From<String>`,
/// `FromStr`, `Display`, serde as a plain string, and a JSON schema listing `spellings`.
fn common_impls(ident: &syn::Ident, name: &str, spellings: &[String]) -> TokenStream {
    quote! {
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

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for #ident {
            fn schema_name() -> ::std::string::String {
                #name.to_string()
            }

            fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    enum_values: Some(vec![#(::serde_json::Value::from(#spellings)),*]),
                    ..Default::default()
                }
                .into()
            }
        }
    }
}
