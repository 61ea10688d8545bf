//! JSON exactly as JavaScript writes it.
//!
//! Some providers (XPay by XStak) check a request signature by recomputing it on a Node.js
//! server over `JSON.stringify(JSON.parse(body))`. A signature only survives that round trip
//! if the bytes sent are already what it produces, so such a client sends (and signs) the
//! *JS-canonical* form of its body rather than serde_json's. serde_json gets most of the way
//! (compact, `/` unescaped, non-ASCII raw, the same control escapes) but writes some numbers
//! differently (`5.0`, `1e20`, `1e-6` where JavaScript writes `5`, `100000000000000000000`,
//! `0.000001`) and does not know that JavaScript lists integer-like object keys first. This
//! module closes those gaps without depending on serde_json's map order or float formatting:
//!
//! - [`format_decimal`] / [`format_f64`] write a number as `Number.prototype.toString` does;
//! - [`stringify()`] is `JSON.stringify` of an already parsed [`serde_json::Value`];
//! - [`canonicalize`] is `JSON.stringify(JSON.parse(text))` on raw bytes, and
//!   [`is_canonical`] tells whether that equals the input;
//! - [`canonicalize_exact`] is the same, but refuses a number whose *value* JavaScript would
//!   change (beyond 2^53, more digits than a double holds), naming where it is.

use std::fmt;

mod canonical;
mod verbatim;

pub use canonical::{
    CanonicalError, InexactNumber, ParseError, canonicalize, canonicalize_exact, is_canonical,
};

use rust_decimal::Decimal;

/// A decimal that JavaScript cannot carry without changing its value.
///
/// JavaScript numbers are IEEE-754 doubles. A decimal survives only if the shortest form of
/// the nearest double is the decimal itself (`0.1` does, `0.10000000000000001` does not).
/// Money must never change silently, so such values are refused instead of rounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRepresentable {
    value: Decimal,
    nearest: String,
}

impl NotRepresentable {
    /// The refused value.
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// What JavaScript would make of it (`JSON.parse` then `toString`).
    pub fn nearest(&self) -> &str {
        &self.nearest
    }
}

impl fmt::Display for NotRepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cannot be sent as a JavaScript number without changing its value \
             (a JavaScript server would read it as {})",
            self.value, self.nearest
        )
    }
}

impl std::error::Error for NotRepresentable {}

/// Writes `value` the way JavaScript's `Number.prototype.toString()` writes the nearest double:
/// `5`, `5.5`, `0.1`, `1234567.891`, `1e+21`, `1e-7`.
///
/// Refuses a value whose nearest double would print as a different number.
pub fn format_decimal(value: &Decimal) -> Result<String, NotRepresentable> {
    if value.is_zero() {
        return Ok("0".to_owned());
    }
    // Money is nearly always here, with no double involved (the round trip through one cost
    // about 5,000 instructions): at most fifteen significant digits survive a double exactly
    // (DBL_DIG), and from 10^-6 up to 10^21 JavaScript writes them positionally, as a
    // normalized `Decimal` displays.
    let normalized = value.normalize();
    let mantissa = normalized.mantissa().unsigned_abs();
    if mantissa < 1_000_000_000_000_000 {
        // 0.DIGITS × 10^point, as in `shortest_digits`; `mantissa` is not zero here.
        let point = i64::from(mantissa.ilog10()) + 1 - i64::from(normalized.scale());
        if (-5..=21).contains(&point) {
            return Ok(normalized.to_string());
        }
    }
    format_decimal_through_double(value)
}

/// [`format_decimal`] by way of the nearest double, for any non-zero value.
fn format_decimal_through_double(value: &Decimal) -> Result<String, NotRepresentable> {
    let refuse = |nearest: String| NotRepresentable {
        value: *value,
        nearest,
    };
    // `Decimal`'s Display is plain positional notation, which Rust parses to the nearest
    // double (correctly rounded), exactly as `JSON.parse` does.
    let double: f64 = value
        .to_string()
        .parse()
        .map_err(|_| refuse("an unparsable number".to_owned()))?;
    let Some(js) = format_f64(double) else {
        return Err(refuse("null".to_owned()));
    };
    let (js_digits, js_point) = shortest_digits(double.abs());

    // Both sides are compared as 0.DIGITS × 10^point with no trailing zeros (a Decimal's
    // scale cannot go below 0, so integers like 10^21 keep theirs in the mantissa).
    let mantissa = value.mantissa().unsigned_abs().to_string();
    let point = mantissa.len() as i64 - i64::from(value.scale());
    let digits = mantissa.trim_end_matches('0');
    let same_sign = value.is_sign_negative() == (double < 0.0);
    if same_sign && digits == js_digits && point == i64::from(js_point) {
        Ok(js)
    } else {
        Err(refuse(js))
    }
}

/// Writes a double as `Number.prototype.toString()` does; `None` for NaN and infinities
/// (which `JSON.stringify` writes as `null`).
pub fn format_f64(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        // Covers -0 too: JavaScript prints it as "0".
        return Some("0".to_owned());
    }
    let (digits, point) = shortest_digits(value.abs());
    let mut out = String::with_capacity(digits.len() + 8);
    if value < 0.0 {
        out.push('-');
    }
    write_number(&digits, point, &mut out);
    Some(out)
}

/// The shortest decimal digits that read back as `value` (finite, > 0), and the position of
/// the decimal point: `value ≈ 0.DIGITS × 10^point`. Among several shortest candidates, the
/// closest to `value`, and on an exact tie the even one (ECMAScript Number::toString step 5).
pub(super) fn shortest_digits(value: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-trip digits, closest to the value, but breaks an
    // exact tie between two candidates upwards where ECMAScript takes the even one.
    let text = format!("{value:e}");
    // `{:e}` always writes "<mantissa>e<exponent>"; the fallbacks cannot be taken.
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exponent + 1;
    // Two shortest candidates can both read back only with at least 16 digits (any two
    // different decimals of 15 digits or fewer read back as different doubles).
    let odd = digits.ends_with(['1', '3', '5', '7', '9']);
    if digits.len() >= 16
        && odd
        && let Some(even) = even_tie_candidate(value, &digits, point)
    {
        return (even, point);
    }
    (digits, point)
}

/// Whether the JSON number `token` has exactly the decimal value JavaScript writes back for
/// `value`, the double it parses to (so `1E2`, `5.0` and `-0` keep their value; `1e400`,
/// `1e-400` and `9007199254740993` do not).
pub(super) fn keeps_value(token: &str, value: f64) -> bool {
    let (negative, unsigned) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], &unsigned[at + 1..]),
        None => (unsigned, ""),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let Some(first) = digits.find(|c: char| c != '0') else {
        // Zero (of either sign): JavaScript writes 0, the same value.
        return value == 0.0;
    };
    if !value.is_finite() || value == 0.0 || negative != (value < 0.0) {
        return false;
    }
    // An exponent too large for i64 cannot belong to a finite, non-zero double anyway.
    let exponent: i64 = match exponent.strip_prefix('+').unwrap_or(exponent).parse() {
        Ok(e) => e,
        Err(_) if exponent.is_empty() => 0,
        Err(_) => return false,
    };
    let significant = digits[first..].trim_end_matches('0');
    // Compared as 0.DIGITS × 10^point, like `shortest_digits`.
    let point = (int.len() as i64)
        .saturating_add(exponent)
        .saturating_sub(first as i64);
    let (js_digits, js_point) = shortest_digits(value.abs());
    significant == js_digits && point == i64::from(js_point)
}

/// If `value` lies exactly halfway between `digits` (odd last digit) and a neighbour that
/// also reads back as `value`, returns that (even) neighbour.
fn even_tie_candidate(value: f64, digits: &str, point: i32) -> Option<String> {
    let (head, last) = digits.split_at(digits.len() - 1);
    let last = last.parse::<u8>().ok()?;
    let k = digits.len() as i32;
    // The exact decimal expansion of a double has at most 767 significant digits.
    let exact = format!("{value:.800e}");
    let (exact_mantissa, exact_exponent) = exact.split_once('e')?;
    let exact_point = exact_exponent.parse::<i32>().ok()? + 1;
    let exact_digits: String = exact_mantissa
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let exact_digits = exact_digits.trim_end_matches('0');
    // `last` is odd, so ±1 never carries (9 + 1 would end in 0: then a shorter candidate
    // would exist, and `digits` would not be shortest).
    for neighbour in [last - 1, last + 1] {
        if neighbour > 9 {
            continue;
        }
        let candidate = format!("{head}{neighbour}");
        let reads_back = format!("{candidate}e{}", point - k)
            .parse::<f64>()
            .is_ok_and(|v| v == value);
        // Halfway between the two: the lower of them followed by a 5, exactly.
        let lower = if neighbour < last { &candidate } else { digits };
        let midpoint = format!("{lower}5");
        if reads_back && exact_point == point && exact_digits == midpoint {
            return Some(candidate.trim_end_matches('0').to_owned());
        }
    }
    None
}

/// ECMAScript Number::toString(10) steps 6–10 for digits `d1…dk` and point `n`.
fn write_number(digits: &str, point: i32, out: &mut String) {
    let k = digits.len() as i32;
    let n = point;
    if k <= n && n <= 21 {
        out.push_str(digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        out.push('e');
        out.push(if e >= 0 { '+' } else { '-' });
        out.push_str(&e.unsigned_abs().to_string());
    }
}

/// `JSON.stringify` of a parsed value: compact, object keys in their order (array-index keys
/// such as `"7"` first, ascending, as JavaScript objects order them), `/` unescaped,
/// non-ASCII raw, numbers as JavaScript writes the nearest double.
///
/// The key order of a [`serde_json::Map`] is its insertion order only with serde_json's
/// `preserve_order` feature; without it the map is sorted.
pub fn stringify(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => match n.as_f64().and_then(format_f64) {
            Some(text) => out.push_str(&text),
            None => out.push_str("null"),
        },
        Value::String(s) => quote(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            out.push('{');
            for (i, (key, item)) in js_key_order(&entries).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// Property order of a JavaScript object: array indices ascending, then the other keys in
/// insertion order.
pub(super) fn js_key_order<K: AsRef<str>, V>(entries: &[(K, V)]) -> Vec<&(K, V)> {
    let mut indexed: Vec<(u32, &(K, V))> = Vec::new();
    let mut named: Vec<&(K, V)> = Vec::new();
    for entry in entries {
        match array_index(entry.0.as_ref()) {
            Some(index) => indexed.push((index, entry)),
            None => named.push(entry),
        }
    }
    if indexed.is_empty() {
        return named;
    }
    indexed.sort_by_key(|(index, _)| *index);
    indexed.into_iter().map(|(_, e)| e).chain(named).collect()
}

/// `Some(n)` if `key` is an ECMAScript array index: the canonical decimal form of an integer
/// below 2^32 − 1.
fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    if n < u64::from(u32::MAX) {
        u32::try_from(n).ok()
    } else {
        None
    }
}

/// JSON.stringify's QuoteJSONString for a string without lone surrogates.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        push_char(c, out);
    }
    out.push('"');
}

pub(super) fn push_char(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 => push_unicode_escape(c as u16, out),
        c => out.push(c),
    }
}

pub(super) fn push_unicode_escape(unit: u16, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| Decimal::from_scientific(s).unwrap())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// The shortcut for short decimals writes what the way through a double writes.
        #[test]
        fn short_decimals_take_a_shortcut_to_the_same_text(
            mantissa in proptest::prop_oneof![
                -999_999_999_999_999i64..=999_999_999_999_999,
                proptest::prelude::any::<i64>(),
            ],
            scale in 0u32..=28,
            zeros in 0u32..4,
        ) {
            let mantissa = mantissa.checked_mul(10i64.pow(zeros)).unwrap_or(mantissa);
            let value = Decimal::new(mantissa, scale);
            proptest::prop_assume!(!value.is_zero());
            proptest::prop_assert_eq!(
                format_decimal(&value),
                format_decimal_through_double(&value)
            );
        }
    }

    #[test]
    fn decimals_print_like_javascript() {
        for (input, js) in [
            ("5", "5"),
            ("5.0", "5"),
            ("5.50", "5.5"),
            ("0.1", "0.1"),
            ("-0.1", "-0.1"),
            ("1234567.891", "1234567.891"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("0.0000001", "1e-7"),
            ("0.000001", "0.000001"),
            ("123.456e-10", "1.23456e-8"),
            ("0.00", "0"),
        ] {
            assert_eq!(format_decimal(&dec(input)).as_deref(), Ok(js), "{input}");
        }
    }

    #[test]
    fn decimals_that_a_double_would_change_are_refused() {
        for input in [
            "0.10000000000000001",
            "12345678901234567.89",
            "9007199254740993",
        ] {
            let err = format_decimal(&dec(input)).unwrap_err();
            assert_eq!(err.value(), dec(input));
            assert!(err.to_string().contains(input), "{err}");
        }
    }

    #[test]
    fn canonical_form_follows_javascript() {
        for (input, js) in [
            (
                r#"{"b":1,"a":2,"b":3,"2":4,"1":5,"2":6}"#,
                r#"{"1":5,"2":6,"b":3,"a":2}"#,
            ),
            (r#" [ 1E2 , -0 , 0.0 , 1e400 ] "#, "[100,0,0,null]"),
            (
                r#"["\ud800","\u001F","\/","\ud83d\ude00","\ud83d\ud83d\ude00x"]"#,
                "[\"\\ud800\",\"\\u001f\",\"/\",\"😀\",\"\\ud83d😀x\"]",
            ),
            (
                r#"{"4294967295":1,"4294967294":2,"01":3,"0":4}"#,
                r#"{"0":4,"4294967294":2,"4294967295":1,"01":3}"#,
            ),
        ] {
            assert_eq!(canonicalize(input.as_bytes()).as_deref(), Ok(js), "{input}");
        }
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for input in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\n\"",
            "nul",
            "[1] 2",
            "\u{feff}1",
        ] {
            assert!(canonicalize(input.as_bytes()).is_err(), "{input:?}");
        }
        assert!(canonicalize(&[b'"', 0xff, b'"']).is_err());
        let deep = "[".repeat(100_000);
        assert!(canonicalize(deep.as_bytes()).is_err());
    }
}
