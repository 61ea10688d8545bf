//! Exact decimals for APIs that put money in JSON numbers (XStak rupees, Collect dollars).

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A decimal amount that travels as a JSON number.
///
/// It is written as JavaScript writes the number (`5`, `5.5`, `1e+21`). An amount that a
/// JavaScript number cannot hold exactly is written out in full instead of rounded; a client
/// that sends to a JavaScript server refuses it there, naming the field
/// ([`js::canonicalize_exact`](crate::js::canonicalize_exact)).
/// Reading goes through the shortest decimal of the parsed number, so `0.75` stays `0.75`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonDecimal(pub Decimal);

impl JsonDecimal {
    /// Wraps `value`.
    pub fn new(value: Decimal) -> Self {
        JsonDecimal(value)
    }

    /// The exact decimal.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for JsonDecimal {
    fn from(d: Decimal) -> Self {
        JsonDecimal(d)
    }
}

impl From<JsonDecimal> for Decimal {
    fn from(d: JsonDecimal) -> Self {
        d.0
    }
}

impl From<i64> for JsonDecimal {
    fn from(n: i64) -> Self {
        JsonDecimal(Decimal::from(n))
    }
}

impl FromStr for JsonDecimal {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s)
            .or_else(|_| Decimal::from_scientific(s))
            .map(JsonDecimal)
    }
}

impl fmt::Display for JsonDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for JsonDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Serializing cannot say which field this is; refusing is left to where the JSON path
        // is known.
        let text = crate::js::format_decimal(&self.0).unwrap_or_else(|_| self.0.to_string());
        let raw =
            serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for JsonDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = JsonDecimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON number (or a decimal string)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonDecimal, E> {
                Ok(JsonDecimal(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonDecimal, E> {
                Ok(JsonDecimal(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonDecimal, E> {
                if !v.is_finite() {
                    return Err(E::custom("amount is not a finite number"));
                }
                // The decimal JavaScript would print for this double (Rust's own shortest form
                // breaks exact ties differently).
                let text = crate::js::format_f64(v)
                    .ok_or_else(|| E::custom("amount is not a finite number"))?;
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map(JsonDecimal)
                    .map_err(|_| E::custom(format!("amount {v} does not fit a decimal")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonDecimal, E> {
                JsonDecimal::from_str(v.trim())
                    .map_err(|_| E::custom(format!("`{v}` is not a decimal amount")))
            }
        }
        d.deserialize_any(V)
    }
}

// The generated types derive `JsonSchema` only with the `schemars` feature.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for JsonDecimal {
    fn schema_name() -> String {
        "JsonDecimal".into()
    }
    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::Number.into()),
            format: Some("decimal".into()),
            ..Default::default()
        }
        .into()
    }
}
