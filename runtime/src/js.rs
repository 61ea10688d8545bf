//! JSON exactly as JavaScript writes it.
//!
//! Some providers (XPay by XStak) check a request signature by recomputing it on a Node.js
//! server over `JSON.stringify(JSON.parse(body))`. Signing is therefore only safe when that
//! round trip gives back the very bytes that were sent: the body must be *JS-canonical*.
//! serde_json gets most of the way (compact, `/` unescaped, non-ASCII raw, the same control
//! escapes) but writes some floats differently (`5.0`, `1e+20`, `1e-6` where JavaScript writes
//! `5`, `100000000000000000000`, `0.000001`) and does not know that JavaScript lists
//! integer-like object keys first. This module closes those gaps without depending on
//! serde_json's map order or float formatting:
//!
//! - [`format_decimal`] / [`format_f64`] write a number as `Number.prototype.toString` does;
//! - [`stringify`] is `JSON.stringify` of an already parsed [`serde_json::Value`];
//! - [`canonicalize`] is `JSON.stringify(JSON.parse(text))` on raw bytes, and
//!   [`is_canonical`] tells whether that equals the input.

use std::collections::HashMap;
use std::fmt;

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

/// Why bytes are not JSON that `JSON.parse` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    offset: usize,
    reason: &'static str,
}

impl ParseError {
    /// Byte offset of the problem in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong there.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Writes `value` the way JavaScript's `Number.prototype.toString()` writes the nearest double:
/// `5`, `5.5`, `0.1`, `1234567.891`, `1e+21`, `1e-7`.
///
/// Refuses a value whose nearest double would print as a different number.
pub fn format_decimal(value: &Decimal) -> Result<String, NotRepresentable> {
    if value.is_zero() {
        return Ok("0".to_owned());
    }
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
fn shortest_digits(value: f64) -> (String, i32) {
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
fn js_key_order<K: AsRef<str>, V>(entries: &[(K, V)]) -> Vec<&(K, V)> {
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

fn push_char(c: char, out: &mut String) {
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

fn push_unicode_escape(unit: u16, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
    }
}

/// `JSON.stringify(JSON.parse(text))`, where `text` is `bytes` read as UTF-8.
///
/// Follows JavaScript where it differs from serde_json: duplicate keys keep the first key's
/// position and the last value, array-index keys come first, lone surrogate escapes survive
/// (written back as lowercase `\udxxx`), numbers go through a double (`1E2` → `100`,
/// `1e400` → `null`). Nesting deeper than 512 levels is refused.
pub fn canonicalize(bytes: &[u8]) -> Result<String, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError {
        offset: e.valid_up_to(),
        reason: "not UTF-8",
    })?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    parser.skip_ws();
    let node = parser.value()?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("unexpected data after the JSON value"));
    }
    let mut out = String::with_capacity(bytes.len());
    node.write(&mut out);
    Ok(out)
}

/// Whether `JSON.stringify(JSON.parse(bytes)) === bytes` holds in JavaScript.
pub fn is_canonical(bytes: &[u8]) -> bool {
    canonicalize(bytes).is_ok_and(|c| c.as_bytes() == bytes)
}

const MAX_DEPTH: usize = 512;

/// A parsed value whose scalars and keys are already in their canonical text form.
enum Node {
    Text(String),
    Array(Vec<Node>),
    /// Keys are the canonical string *contents* (escaped, without quotes).
    Object(Vec<(String, Node)>),
}

impl Node {
    fn write(&self, out: &mut String) {
        match self {
            Node::Text(text) => out.push_str(text),
            Node::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Node::Object(entries) => {
                out.push('{');
                for (i, (key, item)) in js_key_order(entries).into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    out.push_str(key);
                    out.push_str("\":");
                    item.write(out);
                }
                out.push('}');
            }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, reason: &'static str) -> ParseError {
        ParseError {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => {
                let mut out = String::from('"');
                self.string_contents(&mut out)?;
                out.push('"');
                Ok(Node::Text(out))
            }
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn nested(
        &mut self,
        parse: fn(&mut Self) -> Result<Node, ParseError>,
    ) -> Result<Node, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.depth += 1;
        let node = parse(self);
        self.depth -= 1;
        node
    }

    fn literal(&mut self, word: &'static str) -> Result<Node, ParseError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Node::Text(word.to_owned()))
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // The token matches Rust's float grammar too; parsing rounds to nearest like JS.
        let token = &self.text[start..self.pos];
        let value: f64 = token.parse().map_err(|_| ParseError {
            offset: start,
            reason: "invalid number",
        })?;
        Ok(Node::Text(
            format_f64(value).unwrap_or_else(|| "null".to_owned()),
        ))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        self.pos += 1; // '{'
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut positions: HashMap<String, usize> = HashMap::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::Object(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let mut key = String::new();
            self.string_contents(&mut key)?;
            self.skip_ws();
            self.expect(b':', "expected ':'")?;
            self.skip_ws();
            let value = self.value()?;
            // JSON.parse assigns properties in order: a repeated key keeps its first position
            // and takes the last value.
            match positions.get(&key) {
                Some(&at) => entries[at].1 = value,
                None => {
                    positions.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node::Object(entries));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    /// Parses a string starting at its opening quote and appends its canonical escaped
    /// contents (without quotes) to `out`.
    fn string_contents(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.pos += 1; // '"'
        // A high surrogate from a `\u` escape waiting for its low half.
        let mut high: Option<u16> = None;
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            match byte {
                b'"' => {
                    self.pos += 1;
                    if let Some(h) = high.take() {
                        push_unicode_escape(h, out);
                    }
                    return Ok(());
                }
                b'\\' => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            match (high.take(), unit) {
                                (Some(h), 0xDC00..=0xDFFF) => {
                                    let c = 0x10000
                                        + ((u32::from(h) - 0xD800) << 10)
                                        + (u32::from(unit) - 0xDC00);
                                    // A high/low pair always forms a valid scalar value.
                                    out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                                }
                                (pending, _) => {
                                    if let Some(h) = pending {
                                        push_unicode_escape(h, out);
                                    }
                                    match unit {
                                        0xD800..=0xDBFF => high = Some(unit),
                                        0xDC00..=0xDFFF => push_unicode_escape(unit, out),
                                        // Not a surrogate, so a valid scalar value.
                                        _ => push_char(
                                            char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'),
                                            out,
                                        ),
                                    }
                                }
                            }
                            continue;
                        }
                        _ => return Err(self.error("invalid escape")),
                    };
                    self.pos += 1;
                    if let Some(h) = high.take() {
                        push_unicode_escape(h, out);
                    }
                    push_char(escaped, out);
                }
                0x00..=0x1F => return Err(self.error("control character in string")),
                _ => {
                    if let Some(h) = high.take() {
                        push_unicode_escape(h, out);
                    }
                    // Copy one whole UTF-8 character; `pos` is always on a char boundary here.
                    let c = self.text[self.pos..].chars().next().unwrap_or('\u{FFFD}');
                    self.pos += c.len_utf8();
                    push_char(c, out);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        let Some(hex) = self.bytes.get(self.pos..self.pos + 4) else {
            return Err(self.error("truncated \\u escape"));
        };
        let mut unit: u16 = 0;
        for &b in hex {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.error("invalid \\u escape")),
            };
            unit = (unit << 4) | u16::from(digit);
        }
        self.pos += 4;
        Ok(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| Decimal::from_scientific(s).unwrap())
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
