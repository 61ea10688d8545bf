//! XPay's ISO-8601 timestamps.
//!
//! They stay strings in the generated types ([`types::Timestamp`]) so a value round-trips
//! exactly as XPay wrote it (`.000Z`) and docs placeholders like `"string"` still parse; these
//! helpers convert on demand.

use chrono::{DateTime, SecondsFormat, Utc};
#[cfg(feature = "schemars")]
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::types;

impl types::Timestamp {
    /// Parses the RFC 3339 / ISO-8601 value (any offset, normalised to UTC).
    pub fn to_datetime(&self) -> Result<DateTime<Utc>, chrono::ParseError> {
        DateTime::parse_from_rfc3339(&self.0).map(|t| t.with_timezone(&Utc))
    }
}

impl From<DateTime<Utc>> for types::Timestamp {
    /// Written as XPay writes it: milliseconds and `Z` (`2024-01-01T00:00:00.000Z`).
    fn from(t: DateTime<Utc>) -> Self {
        types::Timestamp(t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// A timestamp field of an update that can also be removed: `Set` sends the value, `Clear`
/// sends JSON `null` (e.g. a payment link's `expiresAt`); leave the field `None` to keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearableTimestamp {
    /// Sets the timestamp to this value.
    Set(types::Timestamp),
    /// Removes the timestamp (sends `null`).
    Clear,
}

impl From<DateTime<Utc>> for ClearableTimestamp {
    fn from(t: DateTime<Utc>) -> Self {
        ClearableTimestamp::Set(t.into())
    }
}

impl From<types::Timestamp> for ClearableTimestamp {
    fn from(t: types::Timestamp) -> Self {
        ClearableTimestamp::Set(t)
    }
}

impl Serialize for ClearableTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ClearableTimestamp::Set(t) => s.serialize_str(&t.0),
            ClearableTimestamp::Clear => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for ClearableTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<String>::deserialize(d)? {
            Some(s) => ClearableTimestamp::Set(types::Timestamp(s)),
            None => ClearableTimestamp::Clear,
        })
    }
}

// The generated types derive `JsonSchema` only with the `schemars` feature.
#[cfg(feature = "schemars")]
impl JsonSchema for ClearableTimestamp {
    fn schema_name() -> String {
        "ClearableTimestamp".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <Option<String>>::json_schema(generator)
    }
}
