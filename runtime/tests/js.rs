//! Properties of the JavaScript-exact JSON writer. The byte-for-byte comparison with a real
//! Node.js lives in `xpay-client/tests/xstak_node_interop.rs`; these hold without Node.

use std::str::FromStr;

use paygate_runtime::js;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value};

/// Reads a JS number text (possibly `1e+21` / `1e-7`) back as an exact decimal.
fn decimal_of(js_text: &str) -> Decimal {
    Decimal::from_str(js_text)
        .or_else(|_| Decimal::from_scientific(js_text))
        .unwrap_or_else(|e| panic!("{js_text}: {e}"))
}

fn decimals() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=28).prop_map(|(m, scale)| Decimal::new(m, scale))
}

/// Decimals with at most 15 significant digits: every one of them survives a double.
fn short_decimals() -> impl Strategy<Value = Decimal> {
    (-999_999_999_999_999i64..=999_999_999_999_999, 0u32..=20)
        .prop_map(|(m, scale)| Decimal::new(m, scale))
}

fn json_values() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "/",
            "\u{7f}",
            "\u{2028}",
            "\"\\\u{1}\n",
            "عید مبارک",
            "💸"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof!["[a-z_]{1,6}", "[0-9]{1,3}", Just("4294967295".to_owned())],
                    inner
                ),
                0..6
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn short_decimals_are_always_representable(d in short_decimals()) {
        let text = js::format_decimal(&d).expect("15 significant digits survive a double");
        prop_assert_eq!(decimal_of(&text), d);
        // Exactly what JavaScript would print for the number it parses.
        let double: f64 = text.parse().expect("a JS number is a Rust float");
        prop_assert_eq!(js::format_f64(double), Some(text.clone()));
    }

    #[test]
    fn format_decimal_never_changes_a_value(d in decimals()) {
        match js::format_decimal(&d) {
            Ok(text) => {
                prop_assert_eq!(decimal_of(&text), d);
                prop_assert!(js::is_canonical(text.as_bytes()), "{}", text);
            }
            Err(e) => {
                prop_assert_eq!(e.value(), d);
                prop_assert_ne!(decimal_of(e.nearest()), d);
            }
        }
    }

    #[test]
    fn doubles_round_trip_and_are_canonical(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        match js::format_f64(v) {
            Some(text) => {
                let back: f64 = text.parse().expect("a JS number is a Rust float");
                prop_assert!(back == v, "{} -> {} -> {}", v, text, back);
                prop_assert!(js::is_canonical(text.as_bytes()), "{}", text);
            }
            None => prop_assert!(!v.is_finite()),
        }
    }

    #[test]
    fn stringify_output_is_canonical(v in json_values()) {
        let text = js::stringify(&v);
        prop_assert_eq!(js::canonicalize(text.as_bytes()), Ok(text.clone()));
    }

    #[test]
    fn canonicalize_of_serde_output_equals_stringify(v in json_values()) {
        let serde_text = serde_json::to_string(&v).expect("a Value always serializes");
        prop_assert_eq!(js::canonicalize(serde_text.as_bytes()), Ok(js::stringify(&v)));
    }

    #[test]
    fn pretty_printing_is_never_canonical(v in json_values()) {
        let pretty = serde_json::to_string_pretty(&v).expect("a Value always serializes");
        let canonical = js::stringify(&v);
        prop_assert_eq!(js::is_canonical(pretty.as_bytes()), pretty == canonical);
    }

    #[test]
    fn hostile_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(text) = js::canonicalize(&bytes) {
            prop_assert!(js::is_canonical(text.as_bytes()));
        }
    }

    #[test]
    fn hostile_json_like_text_never_panics(text in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,40}") {
        let _ = js::is_canonical(text.as_bytes());
    }
}

#[test]
fn documented_examples() {
    let cases = [
        ("5", "5"),
        ("5.0", "5"),
        ("5.50", "5.5"),
        ("0.1", "0.1"),
        ("1234567.891", "1234567.891"),
        ("1000000000000000000000", "1e+21"),
        ("0.0000001", "1e-7"),
    ];
    for (input, expected) in cases {
        let d = Decimal::from_str(input).expect("valid decimal literal");
        assert_eq!(js::format_decimal(&d).as_deref(), Ok(expected), "{input}");
    }
    let d = Decimal::from_str("0.10000000000000001").expect("valid decimal literal");
    assert!(js::format_decimal(&d).is_err());
}

#[test]
fn javascript_specific_object_rules() {
    // Array-index keys first, ascending; the last duplicate wins in the first position.
    let text = br#"{"b":1,"a":2,"b":3,"10":4,"9":5,"4294967295":6}"#;
    assert_eq!(
        js::canonicalize(text).as_deref(),
        Ok(r#"{"9":5,"10":4,"b":3,"a":2,"4294967295":6}"#)
    );
    assert!(!js::is_canonical(text));
    assert!(js::is_canonical(
        br#"{"9":5,"10":4,"b":3,"a":2,"4294967295":6}"#
    ));
    // Whitespace, escaped slashes, escaped non-ASCII and `5.0` are what JS would not send.
    for text in [
        &br#"{"a": 1}"#[..],
        br#"{"u":"https:\/\/x"}"#,
        br#"{"u":"\u00e9"}"#,
        br#"{"amount":5.0}"#,
        br#"{"amount":1e21}"#,
        b"{\"a\":1}\n",
    ] {
        assert!(!js::is_canonical(text), "{}", String::from_utf8_lossy(text));
    }
    assert!(js::is_canonical(
        "{\"u\":\"https://x\",\"é\":\"😀\",\"amount\":1e+21}".as_bytes()
    ));
}
