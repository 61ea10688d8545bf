//! The common case of the canonical form, checked without building anything.
//!
//! A body that serde_json wrote from generated types (no spaces, integers, named keys, no
//! `\u` escapes) is already what `JSON.stringify(JSON.parse(body))` gives back. Re-rendering
//! it through a parsed tree cost about 78,000 instructions per XStak request, two fifths of
//! a whole call (BENCHMARKS.md). One allocation-free pass says so instead; whatever it is not
//! sure of (a fraction, an exponent, a `\u` escape, an array-index key, more keys than it
//! compares cheaply) goes to the full parse, which stays the only definition of the form.

use super::canonical::MAX_DEPTH;

/// Objects with more keys than this go to the full parse, which finds a repeated key with a
/// hash map; below it, comparing with every earlier key is cheaper.
const MAX_KEYS: usize = 64;

/// Integers of at most this many digits are exact doubles (below 10^15 < 2^53), so
/// JavaScript writes them back unchanged.
const MAX_DIGITS: usize = 15;

/// The bytes that end a run of plain string contents: the closing quote, an escape, and the
/// control characters JavaScript escapes.
const STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stops[b] = true;
        b += 1;
    }
    stops[b'"' as usize] = true;
    stops[b'\\' as usize] = true;
    stops
};

/// Whether `JSON.stringify(JSON.parse(text))` is sure to give `text` back byte for byte.
/// `false` means "not sure": the caller renders the full canonical form.
pub(super) fn is_verbatim(text: &str) -> bool {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        pos: 0,
        keys: Vec::new(),
    };
    scan.value(0) && scan.pos == scan.bytes.len()
}

struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The keys of every object being scanned, innermost last: a repeated key means
    /// `JSON.parse` drops one of them.
    keys: Vec<&'a [u8]>,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Whitespace anywhere is never canonical, so nothing skips it: a space fails the match.
    fn value(&mut self, depth: usize) -> bool {
        match self.peek() {
            Some(b'{') => depth < MAX_DEPTH && self.object(depth + 1),
            Some(b'[') => depth < MAX_DEPTH && self.array(depth + 1),
            Some(b'"') => self.string().is_some(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.integer(),
            _ => false,
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// An integer JavaScript writes back as it is: no fraction or exponent (`5.0` and `1e2`
    /// are respelled), no `-0` (written `0`), and few enough digits to be exact.
    fn integer(&mut self) -> bool {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        let digits = &self.bytes[start..self.pos];
        let well_formed = match digits {
            [] => false,
            [b'0'] => !negative,
            [b'0', ..] => false,
            _ => digits.len() <= MAX_DIGITS,
        };
        well_formed && !matches!(self.peek(), Some(b'.' | b'e' | b'E'))
    }

    /// The raw contents of a string whose every escape is one JavaScript writes the same way;
    /// `None` for anything else (`\/`, `\u`, a raw control character, no closing quote).
    fn string(&mut self) -> Option<&'a [u8]> {
        self.pos += 1; // '"'
        let start = self.pos;
        loop {
            // Runs of plain bytes are skipped with one table lookup each.
            self.pos += self.bytes[self.pos..]
                .iter()
                .position(|&b| STOPS[usize::from(b)])?;
            match self.bytes[self.pos] {
                b'"' => {
                    let contents = &self.bytes[start..self.pos];
                    self.pos += 1;
                    return Some(contents);
                }
                b'\\' => match self.bytes.get(self.pos + 1)? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 2,
                    _ => return None,
                },
                0x00..=0x1F => return None,
                _ => self.pos += 1,
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.pos += 1; // '['
        if self.peek() == Some(b']') {
            self.pos += 1;
            return true;
        }
        loop {
            if !self.value(depth) {
                return false;
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.pos += 1; // '{'
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return true;
        }
        let first = self.keys.len();
        loop {
            if self.peek() != Some(b'"') {
                return false;
            }
            let Some(key) = self.string() else {
                return false;
            };
            // An all-digit key may be an array index, which JavaScript moves to the front.
            // Canonical strings have one spelling each, so equal contents are equal keys.
            if key.iter().all(u8::is_ascii_digit)
                || self.keys.len() - first >= MAX_KEYS
                || self.keys[first..].contains(&key)
            {
                return false;
            }
            self.keys.push(key);
            if self.peek() != Some(b':') {
                return false;
            }
            self.pos += 1;
            if !self.value(depth) {
                return false;
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.keys.truncate(first);
                    return true;
                }
                _ => return false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::canonical::canonicalize_full;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn what_serde_writes_from_a_typical_request_is_verbatim() {
        for text in [
            r#"{"amount":5,"currency":"PKR","customer":{"email":"[email protected]","name":"user"},"payment_methods":["card","jazzcash"],"metadata":{}}"#,
            r#"{"name":"tab\tquote\"back\\slash\nbell\b"}"#,
            r#"[-12,0,999999999999999,true,false,null,[],{},"ünïcødé €"]"#,
        ] {
            assert!(is_verbatim(text), "{text}");
            assert_eq!(canonicalize_full(text.as_bytes()).unwrap(), text);
        }
    }

    #[test]
    fn whatever_javascript_would_rewrite_is_left_to_the_full_parse() {
        for text in [
            r#"{"a": 1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"b":{"a":1},"a":{"a":2,"a":3}}"#,
            r#"{"b":1,"1":2}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1e2}"#,
            r#"{"a":-0}"#,
            r#"{"a":01}"#,
            r#"{"a":1234567890123456}"#,
            r#"{"a":"\u0041"}"#,
            r#"{"a":"\/"}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":tru}"#,
            r#"{"a":1}x"#,
            r#"{"a":"#,
            "",
            " 1",
        ] {
            assert!(!is_verbatim(text), "{text}");
        }
    }

    #[test]
    fn nesting_beyond_the_limit_is_left_to_the_full_parse() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(!is_verbatim(&deep));
        let limit = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(is_verbatim(&limit));
        assert_eq!(canonicalize_full(limit.as_bytes()).unwrap(), limit);
    }

    #[test]
    fn an_object_with_many_keys_is_left_to_the_full_parse() {
        let keys = |n: usize| {
            let pairs: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", pairs.join(","))
        };
        assert!(is_verbatim(&keys(MAX_KEYS)));
        assert!(!is_verbatim(&keys(MAX_KEYS + 1)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The one property that matters: the fast answer is never wrong. Texts from an
        /// alphabet rich in what the canonical form rewrites.
        #[test]
        fn verbatim_text_is_exactly_what_the_full_parse_writes(
            text in r#"[\[\]{}",:0-9eE.\-ab\\/ u\t]{0,48}"#
        ) {
            if is_verbatim(&text) {
                prop_assert_eq!(canonicalize_full(text.as_bytes()).ok(), Some(text.clone()));
            }
        }

        /// The same for well-formed texts built from the parts the form rewrites: repeated and
        /// array-index keys, respelled numbers and escapes.
        #[test]
        fn verbatim_json_is_exactly_what_the_full_parse_writes(text in json_texts()) {
            if is_verbatim(&text) {
                prop_assert_eq!(canonicalize_full(text.as_bytes()).ok(), Some(text.clone()));
            }
        }

        /// And it is taken for what serde writes from JSON values without fractions.
        #[test]
        fn serde_output_of_integers_and_named_keys_is_verbatim(
            v in integer_json_values()
        ) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert!(is_verbatim(&text), "{}", text);
            prop_assert_eq!(canonicalize_full(text.as_bytes()).unwrap(), text);
        }
    }

    fn json_texts() -> impl Strategy<Value = String> {
        let number = prop::sample::select(vec![
            "0",
            "-0",
            "7",
            "-12",
            "1.5",
            "5.0",
            "1e2",
            "1E2",
            "999999999999999",
            "9007199254740993",
            "1234567890123456",
        ]);
        let string = prop::collection::vec(
            prop::sample::select(vec!["a", "\\n", "\\/", "\\u0041", "\\\"", "é", "\\b"]),
            0..3,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()));
        let leaf = prop_oneof![
            number.prop_map(str::to_owned),
            string,
            prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            let key = prop::sample::select(vec!["a", "b", "c", "0", "1", "10", "01"]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|items| format!("[{}]", items.join(","))),
                prop::collection::vec((key, inner), 0..5).prop_map(|entries| {
                    let entries: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!("\"{k}\":{v}"))
                        .collect();
                    format!("{{{}}}", entries.join(","))
                }),
            ]
        })
    }

    fn integer_json_values() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-999_999_999_999_999i64..=999_999_999_999_999).prop_map(Value::from),
            "[a-z\"\\\\\t\n é€]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_][a-z0-9_]{0,6}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
