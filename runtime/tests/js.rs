//! Properties of the JavaScript-exact JSON writer. The byte-for-byte comparison with a real
//! Node.js lives in `xpay-client/tests/xstak_node_interop/`; these hold without Node.

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

// ---------------------------------------------------------------- canonicalize_exact

/// A JSON number token spelled any valid way, with up to 28 significant digits so that its
/// exact value fits a `Decimal` (when its exponent allows).
fn number_tokens() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "0|[1-9][0-9]{0,14}",
        prop::option::of("[0-9]{1,13}"),
        prop::option::of((
            prop::sample::select(vec!["e", "E"]),
            prop::sample::select(vec!["", "+", "-"]),
            0u32..12,
        )),
    )
        .prop_map(|(negative, int, frac, exp)| {
            let mut token = String::new();
            if negative {
                token.push('-');
            }
            token.push_str(&int);
            if let Some(frac) = frac {
                token.push('.');
                token.push_str(&frac);
            }
            if let Some((e, sign, n)) = exp {
                token.push_str(&format!("{e}{sign}{n}"));
            }
            token
        })
}

/// The exact value of a JSON number token, if a `Decimal` holds it.
fn exact(token: &str) -> Option<Decimal> {
    Decimal::from_scientific(token)
        .or_else(|_| Decimal::from_str(token))
        .ok()
}

/// Object keys in random order: array indices (which JavaScript lists first, ascending),
/// near misses, and names.
fn object_keys() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            "[a-z_]{1,4}",
            (0u32..100).prop_map(|n| n.to_string()),
            any::<u32>().prop_map(|n| n.to_string()),
            prop::sample::select(vec!["4294967294", "4294967295", "01", "-1", "1.0", " 1"])
                .prop_map(str::to_owned),
        ],
        0..10,
    )
}

fn is_array_index(key: &str) -> bool {
    key.parse::<u32>()
        .is_ok_and(|n| n < u32::MAX && n.to_string() == key)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_number_is_refused_exactly_when_javascript_changes_its_value(token in number_tokens()) {
        let text = format!(r#"{{"price":{token}}}"#);
        let lenient = js::canonicalize(text.as_bytes()).expect("valid JSON");
        let written = lenient
            .strip_prefix(r#"{"price":"#)
            .and_then(|t| t.strip_suffix('}'))
            .expect("one member");
        let (Some(before), Some(after)) = (exact(&token), exact(written)) else {
            // Beyond a Decimal's range: nothing to compare exactly.
            return Ok(());
        };
        match js::canonicalize_exact(text.as_bytes()) {
            Ok(canonical) => {
                prop_assert_eq!(&canonical, &lenient);
                prop_assert_eq!(after, before, "{} sent as {}", token, written);
            }
            Err(js::CanonicalError::Inexact(e)) => {
                prop_assert_ne!(after, before, "{} refused though JS writes {}", token, written);
                prop_assert_eq!(e.path(), "price");
                prop_assert_eq!(e.number(), token.as_str());
                prop_assert_eq!(e.nearest(), written);
            }
            Err(e) => prop_assert!(false, "{}: {}", token, e),
        }
    }

    #[test]
    fn integers_are_refused_unless_javascript_writes_them_back(n in any::<u64>()) {
        let text = format!(r#"{{"cart":[{{"qty":{n}}}]}}"#);
        // Kept only if JavaScript writes the same integer back: above 2^53 that needs the double
        // to be exact *and* its shortest form to be the integer itself (26255365759727488 is
        // an exact double, but JavaScript writes it 26255365759727490).
        let held = js::format_f64(n as f64).is_some_and(|t| t == n.to_string());
        match js::canonicalize_exact(text.as_bytes()) {
            Ok(canonical) => {
                prop_assert!(held, "{} sent", n);
                prop_assert_eq!(canonical, js::canonicalize(text.as_bytes()).expect("valid"));
            }
            Err(js::CanonicalError::Inexact(e)) => {
                prop_assert!(!held, "{} refused", n);
                prop_assert_eq!(e.path(), "cart[0].qty");
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    #[test]
    fn keys_come_out_in_javascript_property_order(keys in object_keys()) {
        let members: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{}:{i}", serde_json::to_string(k).expect("a key")))
            .collect();
        let text = format!("{{{}}}", members.join(","));
        // Expected: array indices ascending, then the rest by first appearance; a repeated
        // key keeps its first place and its last value.
        let mut order: Vec<(&str, usize)> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            match order.iter_mut().find(|(seen, _)| seen == k) {
                Some(entry) => entry.1 = i,
                None => order.push((k, i)),
            }
        }
        let (mut indices, names): (Vec<_>, Vec<_>) =
            order.into_iter().partition(|(k, _)| is_array_index(k));
        indices.sort_by_key(|(k, _)| k.parse::<u32>().expect("an index"));
        let expected: Vec<String> = indices
            .into_iter()
            .chain(names)
            .map(|(k, i)| format!("{}:{i}", serde_json::to_string(k).expect("a key")))
            .collect();
        let expected = format!("{{{}}}", expected.join(","));
        prop_assert_eq!(js::canonicalize_exact(text.as_bytes()), Ok(expected));
    }

    #[test]
    fn exact_and_lenient_agree_on_every_text_they_both_accept(v in json_values()) {
        let pretty = serde_json::to_string_pretty(&v).expect("a Value always serializes");
        let lenient = js::canonicalize(pretty.as_bytes()).expect("valid JSON");
        if let Ok(exact) = js::canonicalize_exact(pretty.as_bytes()) {
            prop_assert_eq!(exact, lenient);
        }
    }

    #[test]
    fn hostile_bytes_never_panic_the_exact_form(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(text) = js::canonicalize_exact(&bytes) {
            prop_assert!(js::is_canonical(text.as_bytes()));
        }
    }
}

#[test]
fn exact_form_rewrites_spelling_and_refuses_changed_values_naming_them() {
    for (input, js) in [
        (r#"{"b":1,"2":0,"1":0}"#, r#"{"1":0,"2":0,"b":1}"#),
        (
            r#"{"a":1e21,"b":1E2,"c":5.0,"d":-0,"e":1e-7,"f":0.000001}"#,
            r#"{"a":1e+21,"b":100,"c":5,"d":0,"e":1e-7,"f":0.000001}"#,
        ),
        (
            r#"{"u":"\/\u00e9\ud800\u2028","v":"\u0037"}"#,
            "{\"u\":\"/é\\ud800\u{2028}\",\"v\":\"7\"}",
        ),
        ("9007199254740992", "9007199254740992"),
        ("[0e999999999999999999999]", "[0]"),
    ] {
        assert_eq!(
            js::canonicalize_exact(input.as_bytes()).as_deref(),
            Ok(js),
            "{input}"
        );
    }
    for (input, path, nearest) in [
        (
            r#"{"metadata":{"price":9007199254740993}}"#,
            "metadata.price",
            "9007199254740992",
        ),
        (r#"{"amount":0.10000000000000001}"#, "amount", "0.1"),
        (r#"{"a":[1,{"x y":1e400}]}"#, r#"a[1]["x y"]"#, "null"),
        (r#"{"b":1e-400}"#, "b", "0"),
        (
            "123456789012345678901234567890",
            "$",
            "1.2345678901234568e+29",
        ),
        // Output order: "9" is written before "a", so it is named first.
        (r#"{"a":1e400,"9":1e400}"#, r#"["9"]"#, "null"),
    ] {
        match js::canonicalize_exact(input.as_bytes()) {
            Err(js::CanonicalError::Inexact(e)) => {
                assert_eq!((e.path(), e.nearest()), (path, nearest), "{input}");
                assert!(e.to_string().contains(&format!("`{path}`")), "{e}");
            }
            other => panic!("{input}: {other:?}"),
        }
    }
    // A dropped duplicate never reaches JavaScript's result, so it is not refused.
    assert_eq!(
        js::canonicalize_exact(br#"{"a":1e400,"a":1}"#).as_deref(),
        Ok(r#"{"a":1}"#)
    );
    assert!(matches!(
        js::canonicalize_exact(b"{\"a\":1,}"),
        Err(js::CanonicalError::Invalid(_))
    ));
}
