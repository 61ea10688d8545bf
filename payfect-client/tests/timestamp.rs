//! Every timestamp form Payfect writes, and what happens to malformed ones.

use chrono::{DateTime, TimeZone, Utc};
use payfect_client::timestamp::{Timestamp, TimestampFormat};
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339 literal")
        .to_utc()
}

fn parsed(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn every_documented_form_parses_to_the_right_instant() {
    let cases = [
        // createdAt / updatedAt: Unix seconds with microseconds.
        (
            "1690532072.288761",
            TimestampFormat::UnixSeconds,
            "2023-07-28T08:14:32.288761Z",
        ),
        (
            "1690532073.498443",
            TimestampFormat::UnixSeconds,
            "2023-07-28T08:14:33.498443Z",
        ),
        // Fewer or no fraction digits, and nanoseconds.
        (
            "1690532072",
            TimestampFormat::UnixSeconds,
            "2023-07-28T08:14:32Z",
        ),
        (
            "1690532072.5",
            TimestampFormat::UnixSeconds,
            "2023-07-28T08:14:32.5Z",
        ),
        (
            "1690532072.123456789",
            TimestampFormat::UnixSeconds,
            "2023-07-28T08:14:32.123456789Z",
        ),
        // expiresAt, current docs: Unix milliseconds.
        (
            "1703939166000",
            TimestampFormat::UnixMillis,
            "2023-12-30T12:26:06Z",
        ),
        (
            "1703939166001",
            TimestampFormat::UnixMillis,
            "2023-12-30T12:26:06.001Z",
        ),
        (
            "1703939166000.5",
            TimestampFormat::UnixMillis,
            "2023-12-30T12:26:06.0005Z",
        ),
        // expiresAt, Aug-2023 docs: ISO 8601.
        (
            "2023-07-29T08:14:32.288761Z",
            TimestampFormat::Iso8601,
            "2023-07-29T08:14:32.288761Z",
        ),
        (
            "2023-07-29T16:14:32.288761+08:00",
            TimestampFormat::Iso8601,
            "2023-07-29T08:14:32.288761Z",
        ),
        (
            "2023-07-29T08:14:32Z",
            TimestampFormat::Iso8601,
            "2023-07-29T08:14:32Z",
        ),
        // Django without time zones writes no offset: read as UTC.
        (
            "2023-07-29T08:14:32.288761",
            TimestampFormat::Iso8601,
            "2023-07-29T08:14:32.288761Z",
        ),
    ];
    for (text, format, instant) in cases {
        let t = parsed(text);
        assert_eq!(t.format(), format, "{text}");
        assert_eq!(t.as_datetime(), utc(instant), "{text}");
        // Re-serializes to exactly the same string.
        assert_eq!(t.as_str(), text);
        assert_eq!(t.to_string(), text);
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{text}\""));
        let back: Timestamp = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        assert_eq!(back, t);
    }
}

#[test]
fn seconds_and_milliseconds_are_told_apart_by_magnitude() {
    // The largest second count below the threshold is in the year 5138…
    assert_eq!(parsed("99999999999").format(), TimestampFormat::UnixSeconds);
    assert_eq!(
        parsed("99999999999").as_datetime().format("%Y").to_string(),
        "5138"
    );
    // …and the smallest millisecond count is in 1973.
    assert_eq!(parsed("100000000000").format(), TimestampFormat::UnixMillis);
    assert_eq!(
        parsed("100000000000").as_datetime(),
        utc("1973-03-03T09:46:40Z")
    );
}

#[test]
fn malformed_values_are_clear_errors_not_panics() {
    for bad in [
        "",
        " ",
        "abc",
        "1.",
        ".5",
        "1e9",
        "0x10",
        "+1690532072",
        " 1690532072",
        "1690532072 ",
        "1690532072.28a",
        "1,5",
        "--1",
        "2023-13-29T08:14:32Z",
        "2023-07-29",
        "2023-07-29T25:00:00Z",
        "99999999999999999999",
        "999999999999999999999999999999",
        "9999999999999999",
        "é-1",
        "日本",
        "\u{0}",
        "1690532072.288761Z",
    ] {
        let err = Timestamp::parse(bad).expect_err(bad);
        let msg = err.to_string();
        assert!(
            msg.starts_with("invalid Payfect timestamp"),
            "{bad:?}: {msg}"
        );
        assert!(msg.contains("expected Unix seconds"), "{bad:?}: {msg}");
        let from_json = serde_json::from_value::<Timestamp>(serde_json::Value::String(bad.into()));
        assert!(from_json.is_err(), "{bad:?}");
    }
    // Long garbage is truncated in the message.
    let long = "x".repeat(10_000);
    let err = Timestamp::parse(&long).unwrap_err();
    assert!(err.to_string().len() < 400);
    assert!(err.input().ends_with('…'));
    // Other JSON types.
    for bad in ["true", "null", "{}", "[]", "-1.0e400"] {
        assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
    }
}

#[test]
fn json_numbers_are_tolerated_and_written_back_as_numbers() {
    let t: Timestamp = serde_json::from_str("1690532072.288761").unwrap();
    assert_eq!(t.format(), TimestampFormat::UnixSeconds);
    assert_eq!(serde_json::to_string(&t).unwrap(), "1690532072.288761");
    let t: Timestamp = serde_json::from_str("1703939166000").unwrap();
    assert_eq!(t.format(), TimestampFormat::UnixMillis);
    assert_eq!(t.as_datetime(), utc("2023-12-30T12:26:06Z"));
    assert_eq!(serde_json::to_string(&t).unwrap(), "1703939166000");
}

#[test]
fn constructors_write_payfects_forms() {
    let at = utc("2023-07-28T08:14:32.288761Z");
    let s = Timestamp::unix_seconds(at);
    assert_eq!(s.as_str(), "1690532072.288761");
    assert_eq!(s.as_datetime(), at);
    let ms = Timestamp::unix_millis(at);
    assert_eq!(ms.as_str(), "1690532072288");
    assert_eq!(ms.as_datetime(), utc("2023-07-28T08:14:32.288Z"));
    let iso = Timestamp::iso8601(at);
    assert_eq!(iso.as_str(), "2023-07-28T08:14:32.288761Z");
    // Instants a Unix form cannot express unambiguously fall back to ISO 8601.
    let early = Utc.with_ymd_and_hms(1971, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        Timestamp::unix_millis(early).format(),
        TimestampFormat::Iso8601
    );
    assert_eq!(Timestamp::unix_millis(early).as_datetime(), early);
}

#[test]
fn debug_shows_text_and_instant() {
    let t = parsed("1703939166000");
    assert_eq!(
        format!("{t:?}"),
        "Timestamp(\"1703939166000\" = 2023-12-30T12:26:06Z)"
    );
}

proptest! {
    #[test]
    fn unix_seconds_round_trip(secs in 0i64..99_999_999_999, frac in proptest::option::of("[0-9]{1,9}")) {
        let text = match &frac {
            Some(f) => format!("{secs}.{f}"),
            None => secs.to_string(),
        };
        let t = Timestamp::parse(&text).unwrap();
        prop_assert_eq!(t.format(), TimestampFormat::UnixSeconds);
        prop_assert_eq!(t.as_datetime().timestamp(), secs);
        prop_assert_eq!(serde_json::to_value(&t).unwrap(), serde_json::Value::String(text.clone()));
    }

    #[test]
    fn unix_millis_round_trip(ms in 100_000_000_000i64..8_000_000_000_000) {
        let text = ms.to_string();
        let t = Timestamp::parse(&text).unwrap();
        prop_assert_eq!(t.format(), TimestampFormat::UnixMillis);
        prop_assert_eq!(t.as_datetime().timestamp_millis(), ms);
        prop_assert_eq!(Timestamp::unix_millis(t.as_datetime()), t);
    }

    #[test]
    fn constructed_timestamps_parse_back(micros in 0i64..4_000_000_000_000_000) {
        let at = DateTime::from_timestamp_micros(micros).unwrap();
        for t in [Timestamp::unix_seconds(at), Timestamp::iso8601(at)] {
            let back = Timestamp::parse(t.as_str()).unwrap();
            prop_assert_eq!(back.as_datetime(), at);
            prop_assert_eq!(&back, &t);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,40}") {
        let _ = Timestamp::parse(&s);
    }
}
