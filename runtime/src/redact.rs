//! Redaction of reply bodies before any of them reaches an error message or a log line.
//!
//! Error snippets quote the start of a reply so that a broken reply can be diagnosed. A reply
//! can carry secrets (a FYATU JWT, XStak's `pi_client_secret`, XPay's `clientSecret`), and the
//! replies that end up in errors are exactly the malformed ones: truncated, wrongly typed, cut
//! at the size cap. So redaction cannot rely on the body parsing. It scans the text for
//! `"key": "value"` pairs whose key the spec marks `x-sensitive` (codegen emits each API's
//! list) and replaces the value, closed or not; and, whatever the key, anything shaped like a
//! JWT (`eyJ…`), since tokens also travel under keys no spec names.

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// How much of a body an error quotes, in bytes (before redaction).
pub const SNIPPET_BYTES: usize = 200;

/// The start of `body`, printable, with sensitive values redacted. `sensitive` lists the JSON
/// keys whose string values are secrets (a generated module's `SENSITIVE_KEYS`).
pub fn snippet(body: &[u8], sensitive: &[&str]) -> String {
    // Redact the whole body first, then cut: a secret that straddles the cut must not leave
    // its first half behind.
    let text = String::from_utf8_lossy(body);
    let redacted = redact_text(&text, sensitive);
    let mut cut = redacted.len().min(SNIPPET_BYTES);
    while !redacted.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut s = redacted[..cut].to_string();
    if redacted.len() > cut {
        s.push('…');
    }
    s
}

/// `text` with the string values of `sensitive` keys and every JWT-shaped token replaced.
pub fn redact_text(text: &str, sensitive: &[&str]) -> String {
    redact_jwts(&redact_keys(text, sensitive))
}

/// Replaces the value after `"key"` + optional spaces + `:` + optional spaces + `"`, up to the
/// closing quote or the end of the text (a truncated reply).
fn redact_keys(text: &str, sensitive: &[&str]) -> String {
    if sensitive.is_empty() {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let Some(key_len) = sensitive
            .iter()
            .find(|k| {
                let end = i + 1 + k.len();
                bytes.get(i + 1..end) == Some(k.as_bytes()) && bytes.get(end) == Some(&b'"')
            })
            .map(|k| k.len())
        else {
            i += 1;
            continue;
        };
        let mut j = i + key_len + 2;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if bytes.get(j) != Some(&b':') {
            i += 1;
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        match bytes.get(j) {
            Some(b'"') => {
                let start = j + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != b'"' {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                let end = end.min(bytes.len());
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            // A secret sent as a number or object is unusual; redact up to the next delimiter.
            Some(_) => {
                let start = j;
                let mut end = start;
                while end < bytes.len() && !matches!(bytes[end], b',' | b'}' | b']') {
                    end += 1;
                }
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                i = end;
            }
            None => i = j,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Replaces every run that starts `eyJ` (base64url of `{"`, how every JWT header starts) and
/// continues with base64url characters and dots.
fn redact_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(tail.len());
        if len >= 16 {
            out.push_str(REDACTED);
        } else {
            out.push_str(&tail[..len]);
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_marked_keys_closed_or_truncated() {
        let keys = &["clientSecret", "pi_client_secret"];
        assert_eq!(
            redact_text(
                r#"{"id":"cs_1","clientSecret": "cs_secret_abc","n":1}"#,
                keys
            ),
            r#"{"id":"cs_1","clientSecret": "[redacted]","n":1}"#
        );
        assert_eq!(
            redact_text(r#"{"pi_client_secret":"pi_sec"#, keys),
            r#"{"pi_client_secret":"[redacted]"#
        );
        assert_eq!(
            redact_text(r#"{"clientSecret":12345}"#, keys),
            r#"{"clientSecret":[redacted]}"#
        );
        // An escaped quote inside the secret does not end it early.
        assert_eq!(
            redact_text(r#"{"clientSecret":"a\"b","x":1}"#, keys),
            r#"{"clientSecret":"[redacted]","x":1}"#
        );
        // A key that merely starts like a marked key is left alone.
        assert_eq!(
            redact_text(r#"{"clientSecretHint":"x"}"#, keys),
            r#"{"clientSecretHint":"x"}"#
        );
    }

    #[test]
    fn redacts_jwts_under_any_key() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let body = format!(r#"{{"data":{{"whatever":"{jwt}","expiresIn":"x"}}}}"#);
        let out = redact_text(&body, &[]);
        assert!(!out.contains("eyJzdWIi"), "{out}");
        assert!(out.contains(REDACTED));
    }

    #[test]
    fn snippet_redacts_before_cutting() {
        let body = format!(
            r#"{{"pad":"{}","clientSecret":"topsecretvalue"}}"#,
            "x".repeat(180)
        );
        let s = snippet(body.as_bytes(), &["clientSecret"]);
        assert!(!s.contains("topsec"), "{s}");
        assert!(s.ends_with('…'));
    }
}
