//! Serde for a key that may be absent, `null`, or a value: `Option<Option<T>>`.
//!
//! Generated types use it for every `nullable` field (see `paygate-codegen`), so a
//! payload re-serializes value for value: `"customerId": null` stays `null`, and a reply that
//! omits the key (an older or newer API version) still parses and stays without it.
//!
//! | JSON             | Rust               |
//! |------------------|--------------------|
//! | key absent       | `None`             |
//! | `"key": null`    | `Some(None)`       |
//! | `"key": value`   | `Some(Some(value))`|
//!
//! Use it as `#[serde(default, skip_serializing_if = "Option::is_none", with = "paygate_runtime::nullable")]`
//! (codegen spells out `serialize_with`/`deserialize_with`, because schemars reads `with` as a type).
//! Read it with [`Nullable::value`] (borrowed) or `.flatten()` (owned) when absent and `null`
//! mean the same to you.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `Some(None)` as `null` and `Some(Some(v))` as `v`. `None` must be skipped by
/// `skip_serializing_if`; if it is not, it is written as `null` too.
pub fn serialize<T: Serialize, S: Serializer>(
    value: &Option<Option<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(Some(v)) => v.serialize(serializer),
        _ => serializer.serialize_none(),
    }
}

/// Reads a present key: `null` as `Some(None)`, anything else as `Some(Some(v))`. An absent
/// key never reaches here; `#[serde(default)]` makes it `None`.
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Reading a nullable field without caring whether it was absent or `null`.
///
/// Each generated module re-exports it, so `use payfect_client::Nullable;` is enough.
pub trait Nullable<T> {
    /// The value, when the key was present and not `null`.
    fn value(&self) -> Option<&T>;
    /// The key was present with `null`.
    fn is_null(&self) -> bool;
}

impl<T> Nullable<T> for Option<Option<T>> {
    fn value(&self) -> Option<&T> {
        self.as_ref().and_then(Option::as_ref)
    }

    fn is_null(&self) -> bool {
        matches!(self, Some(None))
    }
}

/// What a builder's setter for a nullable field takes: a value, an `Option` (`None` is an
/// explicit `null`), or the whole `Option<Option<T>>` (`None` leaves the key out).
pub trait IntoNullable<T> {
    /// The field as the generated type holds it.
    fn into_nullable(self) -> Option<Option<T>>;
}

impl<T> IntoNullable<T> for T {
    fn into_nullable(self) -> Option<Option<T>> {
        Some(Some(self))
    }
}

impl<T> IntoNullable<T> for Option<T> {
    fn into_nullable(self) -> Option<Option<T>> {
        Some(self)
    }
}

impl<T> IntoNullable<T> for Option<Option<T>> {
    fn into_nullable(self) -> Option<Option<T>> {
        self
    }
}

/// A text field takes a `&str` as it takes a `String`.
impl IntoNullable<String> for &str {
    fn into_nullable(self) -> Option<Option<String>> {
        Some(Some(self.to_owned()))
    }
}

/// What a builder's setter for an optional text field takes: the value (`"EGP"` or a
/// `String`), or an `Option<String>` (`None` leaves the key out). Generated setters of other
/// optional fields take the value or an `Option` as they are.
pub trait IntoOptional<T> {
    /// The field as the generated type holds it.
    fn into_optional(self) -> Option<T>;
}

impl<T> IntoOptional<T> for T {
    fn into_optional(self) -> Option<T> {
        Some(self)
    }
}

impl<T> IntoOptional<T> for Option<T> {
    fn into_optional(self) -> Option<T> {
        self
    }
}

impl IntoOptional<String> for &str {
    fn into_optional(self) -> Option<String> {
        Some(self.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct S {
        #[serde(default, skip_serializing_if = "Option::is_none", with = "super")]
        id: Option<Option<String>>,
    }

    #[test]
    fn a_setter_takes_a_value_an_option_or_the_triple() {
        use super::IntoNullable;
        assert_eq!(IntoNullable::<u8>::into_nullable(1u8), Some(Some(1)));
        assert_eq!(IntoNullable::<u8>::into_nullable(None::<u8>), Some(None));
        assert_eq!(IntoNullable::<u8>::into_nullable(None::<Option<u8>>), None);
    }

    #[test]
    fn text_setters_take_a_str_a_string_or_an_option() {
        use super::{IntoNullable, IntoOptional};
        fn optional<T: IntoOptional<String>>(v: T) -> Option<String> {
            v.into_optional()
        }
        fn nullable<T: IntoNullable<String>>(v: T) -> Option<Option<String>> {
            v.into_nullable()
        }
        assert_eq!(optional("EGP"), Some("EGP".to_owned()));
        assert_eq!(optional("EGP".to_owned()), Some("EGP".to_owned()));
        assert_eq!(optional(None), None);
        assert_eq!(nullable("x"), Some(Some("x".to_owned())));
    }

    #[test]
    fn absent_null_and_value_each_round_trip() {
        for (value, parsed) in [
            (json!({}), None),
            (json!({"id": null}), Some(None)),
            (json!({"id": "cus_1"}), Some(Some("cus_1".to_string()))),
        ] {
            let s: S = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(s.id, parsed);
            assert_eq!(serde_json::to_value(&s).unwrap(), value);
            assert_eq!(
                super::Nullable::value(&s.id).map(String::as_str),
                s.id.clone().flatten().as_deref()
            );
            assert_eq!(super::Nullable::is_null(&s.id), s.id == Some(None));
        }
    }
}
