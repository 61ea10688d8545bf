//! `JSON.stringify(JSON.parse(bytes))` on raw bytes, with the paths of numbers whose value
//! JavaScript would change.

use std::collections::HashMap;
use std::fmt;

use super::{format_f64, js_key_order, keeps_value, push_char, push_unicode_escape};

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

/// A number in a JSON text that JavaScript would read as a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InexactNumber {
    path: String,
    number: String,
    nearest: String,
}

impl InexactNumber {
    /// Where the number is: `amount`, `metadata.price`, `items[0].qty`, `metadata["9"]`, or
    /// `$` for a bare number.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The number as written.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// What JavaScript writes back after reading it (`null` when out of range).
    pub fn nearest(&self) -> &str {
        &self.nearest
    }
}

impl fmt::Display for InexactNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is {}, which a JavaScript number cannot hold exactly (JavaScript reads it as {})",
            self.path, self.number, self.nearest
        )
    }
}

impl std::error::Error for InexactNumber {}

/// Why [`canonicalize_exact`] gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalError {
    /// Not JSON that `JSON.parse` accepts.
    Invalid(ParseError),
    /// JSON, but JavaScript would change a number's value.
    Inexact(InexactNumber),
}

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalError::Invalid(e) => e.fmt(f),
            CanonicalError::Inexact(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CanonicalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CanonicalError::Invalid(e) => Some(e),
            CanonicalError::Inexact(e) => Some(e),
        }
    }
}

/// `JSON.stringify(JSON.parse(text))`, where `text` is `bytes` read as UTF-8.
///
/// Follows JavaScript where it differs from serde_json: duplicate keys keep the first key's
/// position and the last value, array-index keys come first, lone surrogate escapes survive
/// (written back as lowercase `\udxxx`), numbers go through a double (`1E2` → `100`,
/// `1e400` → `null`). Nesting deeper than 512 levels is refused.
pub fn canonicalize(bytes: &[u8]) -> Result<String, ParseError> {
    if let Some(text) = verbatim(bytes) {
        return Ok(text.to_owned());
    }
    canonicalize_full(bytes)
}

/// [`canonicalize`] through the parsed tree, whatever the input.
pub(super) fn canonicalize_full(bytes: &[u8]) -> Result<String, ParseError> {
    let node = parse(bytes)?;
    let mut out = String::with_capacity(bytes.len());
    // Never fails when not strict.
    let _ = node.write(&mut out, &mut Vec::new(), false);
    Ok(out)
}

/// [`canonicalize`], refusing a number whose value JavaScript would change on the way
/// (`9007199254740993` read as `9007199254740992`, `0.10000000000000001` as `0.1`, `1e400`
/// as `null`). Numbers that only change their spelling (`1E2`, `5.0`, `1e21`) are rewritten.
///
/// These bytes are what a JavaScript server reads back byte for byte, and the only thing it
/// reads differently from the sender is refused, naming the first such value in output order.
pub fn canonicalize_exact(bytes: &[u8]) -> Result<String, CanonicalError> {
    // Verbatim text holds only integers that doubles carry exactly.
    if let Some(text) = verbatim(bytes) {
        return Ok(text.to_owned());
    }
    let node = parse(bytes).map_err(CanonicalError::Invalid)?;
    let mut out = String::with_capacity(bytes.len());
    node.write(&mut out, &mut Vec::new(), true)
        .map_err(CanonicalError::Inexact)?;
    Ok(out)
}

fn parse(bytes: &[u8]) -> Result<Node, ParseError> {
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
    Ok(node)
}

/// `bytes` as text when they are sure to be canonical already.
fn verbatim(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()
        .filter(|text| super::verbatim::is_verbatim(text))
}

/// Whether `JSON.stringify(JSON.parse(bytes)) === bytes` holds in JavaScript.
pub fn is_canonical(bytes: &[u8]) -> bool {
    canonicalize(bytes).is_ok_and(|c| c.as_bytes() == bytes)
}

pub(super) const MAX_DEPTH: usize = 512;

/// A parsed value whose scalars and keys are already in their canonical text form.
enum Node {
    Text(String),
    /// A number as JavaScript writes it back; `source` keeps the token when that changes
    /// its value (`9007199254740993`, `0.10000000000000001`, `1e400`).
    Number {
        text: String,
        source: Option<String>,
    },
    Array(Vec<Node>),
    /// Keys are the canonical string *contents* (escaped, without quotes).
    Object(Vec<(String, Node)>),
}

/// One step of the path from the root to a value: an object key (canonical escaped
/// contents) or an array position.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

impl Node {
    /// Appends the canonical text. With `strict`, stops at the first number (in output
    /// order, as `JSON.stringify` visits them) whose value JavaScript would change.
    fn write<'a>(
        &'a self,
        out: &mut String,
        path: &mut Vec<Step<'a>>,
        strict: bool,
    ) -> Result<(), InexactNumber> {
        match self {
            Node::Text(text) => out.push_str(text),
            Node::Number { text, source } => {
                if let (true, Some(source)) = (strict, source) {
                    return Err(InexactNumber {
                        path: render_path(path),
                        number: source.clone(),
                        nearest: text.clone(),
                    });
                }
                out.push_str(text);
            }
            Node::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    path.push(Step::Index(i));
                    item.write(out, path, strict)?;
                    path.pop();
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
                    path.push(Step::Key(key));
                    item.write(out, path, strict)?;
                    path.pop();
                }
                out.push('}');
            }
        }
        Ok(())
    }
}

/// `metadata.price`, `items[0].amount`, `metadata["9"]`; `$` for the whole body. Keys that
/// are not plain identifiers are written as JSON strings, as `JSON.stringify(key)` would.
fn render_path(path: &[Step<'_>]) -> String {
    if path.is_empty() {
        return "$".to_owned();
    }
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) if is_identifier(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Key(key) => {
                out.push_str("[\"");
                out.push_str(key);
                out.push_str("\"]");
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
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
        Ok(Node::Number {
            text: format_f64(value).unwrap_or_else(|| "null".to_owned()),
            source: (!keeps_value(token, value)).then(|| token.to_owned()),
        })
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
