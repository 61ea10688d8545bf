//! FYATU's timestamps: ISO 8601 strings with an offset, e.g. `2026-01-08T12:30:00+00:00`.
//!
//! [`Timestamp`] parses them into an instant and keeps the exact text, so a payload
//! re-serializes as FYATU wrote it (`+00:00` does not silently become `Z`), which keeps stored
//! webhooks and cached responses byte-comparable.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Error messages echo at most this much of a bad input, so hostile input can't flood logs.
const ECHO_LIMIT: usize = 64;

/// A point in time from a FYATU payload, with the text it was written as.
///
/// Equality compares the text; compare [`Timestamp::to_utc`] to compare instants.
///
/// ```
/// use collect_client::time::Timestamp;
///
/// let t: Timestamp = "2026-01-08T12:30:00+00:00".parse().unwrap();
/// assert_eq!(t.to_utc().to_rfc3339(), "2026-01-08T12:30:00+00:00");
/// assert_eq!(t.as_str(), "2026-01-08T12:30:00+00:00");
/// let z: Timestamp = "2026-01-08T12:30:00Z".parse().unwrap();
/// assert_eq!(z.to_utc(), t.to_utc());
/// assert_ne!(z, t);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    instant: DateTime<FixedOffset>,
    text: String,
}

/// A string that is not an ISO 8601 date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an ISO 8601 date-time", self.0)
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// Parses RFC 3339 (`2026-01-08T12:30:00+00:00`, `…Z`, with or without fractions). A space
    /// instead of `T`, or a missing offset (read as UTC), is tolerated.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let trimmed = text.trim();
        let instant = DateTime::parse_from_rfc3339(trimmed)
            .or_else(|_| DateTime::parse_from_rfc3339(&trimmed.replacen(' ', "T", 1)))
            .or_else(|_| {
                NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S%.f"))
                    .map(|naive| naive.and_utc().fixed_offset())
            })
            .map_err(|_| TimestampError(text.chars().take(ECHO_LIMIT).collect()))?;
        Ok(Timestamp {
            instant,
            text: text.to_owned(),
        })
    }

    /// The instant, in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.instant.with_timezone(&Utc)
    }

    /// The instant with the offset FYATU wrote.
    pub fn as_datetime(&self) -> DateTime<FixedOffset> {
        self.instant
    }

    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// Writes the instant as FYATU does: whole seconds in UTC with a `+00:00` offset.
impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        let text = instant.to_rfc3339_opts(SecondsFormat::Secs, false);
        Timestamp {
            instant: instant.fixed_offset(),
            text,
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

// The generated types derive `JsonSchema` only with the `schemars` feature.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".into()
    }
    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            format: Some("date-time".into()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_and_reads_instant() {
        let t = Timestamp::parse("2026-01-08T12:30:00+01:00").unwrap();
        assert_eq!(t.to_utc().to_rfc3339(), "2026-01-08T11:30:00+00:00");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-01-08T12:30:00+01:00\""
        );
        let naive = Timestamp::parse("2026-01-08 12:30:00").unwrap();
        assert_eq!(naive.to_utc().to_rfc3339(), "2026-01-08T12:30:00+00:00");
        assert!(Timestamp::parse("yesterday").is_err());
        assert!(
            Timestamp::parse(&"9".repeat(10_000))
                .unwrap_err()
                .to_string()
                .len()
                < 120
        );
    }

    #[test]
    fn from_utc_matches_provider_style() {
        let t = Timestamp::from(Timestamp::parse("2026-01-08T12:30:00Z").unwrap().to_utc());
        assert_eq!(t.as_str(), "2026-01-08T12:30:00+00:00");
    }
}
