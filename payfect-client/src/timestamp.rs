//! Payfect's timestamps.
//!
//! Payfect writes points in time three ways, all as JSON strings:
//!
//! | form | example | where |
//! |---|---|---|
//! | Unix seconds with a fraction | `"1690532072.288761"` | `createdAt`, `updatedAt` |
//! | Unix milliseconds | `"1703939166000"` | `expiresAt` (current docs) |
//! | ISO 8601 | `"2023-07-29T08:14:32.288761Z"` | `expiresAt` (Aug-2023 docs) |
//!
//! [`Timestamp`] parses any of them into one typed instant and remembers the exact text, so a
//! response re-serializes to what Payfect sent (a cache or audit log round-trips unchanged).
//!
//! The two Unix forms are both bare digits, so they are told apart by magnitude: a value of
//! 100 000 000 000 or more is milliseconds (as seconds it would be after the year 5000; as
//! milliseconds it is after March 1973). Smaller values are seconds.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Unix values at or above this are milliseconds; below it, seconds.
const MILLIS_THRESHOLD: u128 = 100_000_000_000;

/// Error messages echo at most this much of a bad input, so hostile input can't flood logs.
const ECHO_LIMIT: usize = 64;

/// Which of Payfect's forms a [`Timestamp`] was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimestampFormat {
    /// Unix seconds, optionally with a fraction: `"1690532072.288761"`.
    UnixSeconds,
    /// Unix milliseconds: `"1703939166000"`.
    UnixMillis,
    /// ISO 8601 / RFC 3339: `"2023-07-29T08:14:32.288761Z"`. A value without an offset is read
    /// as UTC.
    Iso8601,
}

/// How the value appeared in JSON. Payfect documents strings; a bare number is accepted so a
/// change of representation doesn't break parsing, and is written back as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Wire {
    String,
    Integer,
    Float,
}

/// A point in time from a Payfect response, with the exact text it was written as.
///
/// Equality compares the wire text (two timestamps are equal when Payfect wrote the same
/// thing); compare [`Timestamp::as_datetime`] to compare instants.
///
/// ```
/// use payfect_client::timestamp::{Timestamp, TimestampFormat};
///
/// let created: Timestamp = "1690532072.288761".parse().unwrap();
/// assert_eq!(created.format(), TimestampFormat::UnixSeconds);
/// assert_eq!(created.as_datetime().to_rfc3339(), "2023-07-28T08:14:32.288761+00:00");
/// assert_eq!(created.to_string(), "1690532072.288761");
///
/// let expires: Timestamp = "1703939166000".parse().unwrap();
/// assert_eq!(expires.format(), TimestampFormat::UnixMillis);
/// assert!(expires.as_datetime() > created.as_datetime());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    instant: DateTime<Utc>,
    format: TimestampFormat,
    text: String,
    wire: Wire,
}

impl Timestamp {
    /// Parses any of Payfect's three forms (see the [module docs](self)).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let (instant, format) = parse_instant(text)?;
        Ok(Timestamp {
            instant,
            format,
            text: text.to_owned(),
            wire: Wire::String,
        })
    }

    /// Writes `instant` in the given form, the way Payfect does: seconds with six fractional
    /// digits, whole milliseconds (sub-millisecond precision is dropped), or RFC 3339 in UTC
    /// with microseconds.
    pub fn new(instant: DateTime<Utc>, format: TimestampFormat) -> Self {
        let text = match format {
            TimestampFormat::UnixSeconds => {
                let micros = instant.timestamp_micros();
                let sign = if micros < 0 { "-" } else { "" };
                let abs = micros.unsigned_abs();
                format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
            }
            TimestampFormat::UnixMillis => instant.timestamp_millis().to_string(),
            TimestampFormat::Iso8601 => instant.to_rfc3339_opts(SecondsFormat::Micros, true),
        };
        // Re-parse so that `instant` is exactly what the text says (e.g. truncated to ms).
        match parse_instant(&text) {
            Ok((instant, parsed)) if parsed == format => Timestamp {
                instant,
                format,
                text,
                wire: Wire::String,
            },
            // Only reachable for instants the Unix forms can't express unambiguously (before
            // 1973 in milliseconds, or after the year 5138 in seconds): ISO 8601 always can.
            _ => Timestamp {
                instant,
                format: TimestampFormat::Iso8601,
                text: instant.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                wire: Wire::String,
            },
        }
    }

    /// `instant` as Unix seconds with microseconds, like `createdAt`.
    pub fn unix_seconds(instant: DateTime<Utc>) -> Self {
        Self::new(instant, TimestampFormat::UnixSeconds)
    }

    /// `instant` as Unix milliseconds, like the current `expiresAt`.
    pub fn unix_millis(instant: DateTime<Utc>) -> Self {
        Self::new(instant, TimestampFormat::UnixMillis)
    }

    /// `instant` as ISO 8601 in UTC, like `expiresAt` in older responses.
    pub fn iso8601(instant: DateTime<Utc>) -> Self {
        Self::new(instant, TimestampFormat::Iso8601)
    }

    /// The instant, in UTC.
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.instant
    }

    /// The form Payfect used.
    pub fn format(&self) -> TimestampFormat {
        self.format
    }

    /// The exact text Payfect sent.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Timestamp({:?} = {})",
            self.text,
            self.instant.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.instant
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.wire {
            Wire::String => serializer.serialize_str(&self.text),
            // The text came from the number itself, so these parses succeed; fall back to the
            // string form rather than fail if that ever stops holding.
            Wire::Integer => match self.text.parse::<i64>() {
                Ok(n) => serializer.serialize_i64(n),
                Err(_) => serializer.serialize_str(&self.text),
            },
            Wire::Float => match self.text.parse::<f64>() {
                Ok(n) => serializer.serialize_f64(n),
                Err(_) => serializer.serialize_str(&self.text),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a Payfect timestamp string: Unix seconds, Unix milliseconds or ISO 8601",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                number(v.to_string(), Wire::Integer)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                number(v.to_string(), Wire::Integer)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                if !v.is_finite() {
                    return Err(E::custom("a Payfect timestamp must be a finite number"));
                }
                number(v.to_string(), Wire::Float)
            }
        }
        fn number<E: de::Error>(text: String, wire: Wire) -> Result<Timestamp, E> {
            let (instant, format) = parse_unix(&text).map_err(E::custom)?;
            Ok(Timestamp {
                instant,
                format,
                text,
                wire,
            })
        }
        deserializer.deserialize_any(V)
    }
}

// The generated types derive `JsonSchema` only with the `schemars` feature.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        let mut schema = match String::json_schema(generator) {
            schemars::schema::Schema::Object(o) => o,
            other => return other,
        };
        schema.metadata().description = Some(
            "Unix seconds (\"1690532072.288761\"), Unix milliseconds (\"1703939166000\") or \
             ISO 8601 (\"2023-07-29T08:14:32Z\")"
                .into(),
        );
        schema.into()
    }
}

/// Why a string is not a Payfect timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    input: String,
    reason: &'static str,
}

impl TimestampError {
    fn new(input: &str, reason: &'static str) -> Self {
        let mut echo: String = input.chars().take(ECHO_LIMIT).collect();
        if echo.len() < input.len() {
            echo.push('…');
        }
        TimestampError {
            input: echo,
            reason,
        }
    }

    /// The offending input (truncated when long).
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid Payfect timestamp {:?}: {}; expected Unix seconds (\"1690532072.288761\"), \
             Unix milliseconds (\"1703939166000\") or ISO 8601 (\"2023-07-29T08:14:32Z\")",
            self.input, self.reason
        )
    }
}

impl std::error::Error for TimestampError {}

fn parse_instant(text: &str) -> Result<(DateTime<Utc>, TimestampFormat), TimestampError> {
    if text.is_empty() {
        return Err(TimestampError::new(text, "empty"));
    }
    // ISO 8601 always has a date separator after the year; the Unix forms only ever start
    // with a sign.
    let iso_like = text
        .bytes()
        .enumerate()
        .any(|(i, b)| (b == b'-' && i > 0) || b == b':' || b == b'T');
    if iso_like {
        return parse_iso(text).map(|t| (t, TimestampFormat::Iso8601));
    }
    parse_unix(text)
}

fn parse_iso(text: &str) -> Result<DateTime<Utc>, TimestampError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    // Django without time-zone support writes no offset; its times are then UTC by default.
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, pattern) {
            return Ok(t.and_utc());
        }
    }
    Err(TimestampError::new(text, "not a valid ISO 8601 date-time"))
}

fn parse_unix(text: &str) -> Result<(DateTime<Utc>, TimestampFormat), TimestampError> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(TimestampError::new(
            text,
            "not a number of seconds or milliseconds",
        ));
    }
    // 20 digits is already far beyond any representable date; this also bounds the arithmetic.
    if int.len() > 20 {
        return Err(TimestampError::new(text, "out of range"));
    }
    let int_value: u128 = int
        .parse()
        .map_err(|_| TimestampError::new(text, "out of range"))?;
    let (format, unit_nanos, frac_digits) = if int_value >= MILLIS_THRESHOLD {
        (TimestampFormat::UnixMillis, 1_000_000i128, 6)
    } else {
        (TimestampFormat::UnixSeconds, 1_000_000_000i128, 9)
    };
    // Digits beyond nanosecond precision are kept in the text but can't be represented.
    let frac_nanos: i128 = match frac {
        Some(f) => {
            let used: String = f.chars().take(frac_digits).collect();
            let padded = format!("{used:0<width$}", width = frac_digits);
            padded
                .parse::<i128>()
                .map_err(|_| TimestampError::new(text, "not a number"))?
        }
        None => 0,
    };
    let mut total = int_value as i128 * unit_nanos + frac_nanos;
    if negative {
        total = -total;
    }
    let secs = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| TimestampError::new(text, "out of range"))?;
    // rem_euclid of 1e9 is in 0..1e9, so it fits a u32.
    let nanos = total.rem_euclid(1_000_000_000) as u32;
    let instant = DateTime::from_timestamp(secs, nanos)
        .ok_or_else(|| TimestampError::new(text, "out of range"))?;
    Ok((instant, format))
}
