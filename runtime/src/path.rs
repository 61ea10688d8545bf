//! Path parameters as exactly one URL path segment.
//!
//! progenitor percent-encodes a path parameter (`/` becomes `%2F`), but a URL parser still
//! resolves the dot segments `.` and `..` (WHATWG URL; `reqwest` parses every URL). So
//! `/v1/checkouts/{id}/` with the id `..` would be sent to `/v1/`, and an id taken from a
//! webhook or a form could point a call, credentials and all, at another endpoint of the API.
//! An empty value makes `//`, which routes differently too. [`segment`] refuses those values
//! before anything is sent, and encodes every other value as progenitor does, `\` included
//! (a URL parser reads it as `/`). Codegen calls it in place of progenitor's `encode_path`.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use std::borrow::Cow;

/// What a path segment must encode besides the controls: WHATWG URL's path-segment set plus
/// `/` and `%` (the set progenitor's `encode_path` uses), and `\`, which a URL parser reads as
/// `/` in an http(s) URL (progenitor's set leaves it, so `..\..` climbed two levels). The one
/// list both [`PATH_SEGMENT`] and [`PLAIN`] are built from.
const ENCODED: &[u8] = b"\\ \"#<>?`{}/%";

/// The encode set: the controls (and, always, non-ASCII bytes) plus [`ENCODED`].
const PATH_SEGMENT: &AsciiSet = &{
    // `AsciiSet` is not `Copy`: the first `add` makes the owned set to go on from.
    let mut set = CONTROLS.add(ENCODED[0]);
    let mut i = 1;
    while i < ENCODED.len() {
        set = set.add(ENCODED[i]);
        i += 1;
    }
    set
};

/// Per byte: whether [`PATH_SEGMENT`] leaves it as it is (printable ASCII outside
/// [`ENCODED`]); a table, since it is read for every byte of every path parameter.
const PLAIN: [bool; 256] = {
    let mut plain = [false; 256];
    let mut b = 0x21;
    while b <= 0x7e {
        plain[b] = true;
        b += 1;
    }
    let mut i = 0;
    while i < ENCODED.len() {
        plain[ENCODED[i] as usize] = false;
        i += 1;
    }
    plain
};

/// The path parameter `name`'s `value`, percent-encoded as one path segment; an empty value,
/// `.` or `..` is refused with a message naming the parameter (generated code turns it into
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest), as it does for a parameter that
/// was never set).
pub fn segment<'a>(name: &str, value: &'a str) -> Result<Cow<'a, str>, String> {
    if matches!(value, "" | "." | "..") {
        return Err(format!(
            "{name}: {value:?} is not a valid path parameter (it would change the request's path)"
        ));
    }
    // Most ids need no encoding: one pass over the bytes, and no copy, answers that.
    if value.bytes().all(plain) {
        return Ok(Cow::Borrowed(value));
    }
    // `%` is encoded, so a value such as `%2e%2e` cannot become a dot segment either.
    Ok(Cow::from(utf8_percent_encode(value, PATH_SEGMENT)))
}

fn plain(b: u8) -> bool {
    PLAIN[b as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_and_empty_values_are_refused_with_the_parameter_named() {
        for value in ["", ".", ".."] {
            match segment("collection_id", value) {
                Err(m) => assert!(m.starts_with("collection_id: "), "{m}"),
                Ok(s) => panic!("{value:?}: {s}"),
            }
        }
    }

    #[test]
    fn a_backslash_is_encoded_since_urls_read_it_as_a_slash() {
        assert_eq!(segment("id", "..\\..").as_deref(), Ok("..%5C.."));
        assert!(!plain(b'\\'));
        let url = reqwest::Url::parse(&format!(
            "https://api.test/v1/checkouts/{}/",
            segment("id", "..\\..\\x").unwrap()
        ))
        .unwrap();
        assert_eq!(url.path(), "/v1/checkouts/..%5C..%5Cx/");
    }

    #[test]
    fn the_fast_check_agrees_with_the_set_for_every_byte() {
        for b in 0u8..=0x7f {
            let text = (b as char).to_string();
            let encoded = utf8_percent_encode(&text, PATH_SEGMENT).to_string();
            assert_eq!(plain(b), encoded == text, "byte {b:#04x}");
        }
        // Bytes of a non-ASCII character are always encoded.
        assert!((0x80..=0xffu8).all(|b| !plain(b)));
        assert_eq!(segment("id", "é").as_deref(), Ok("%C3%A9"));
    }

    #[test]
    fn other_values_encode_as_progenitor_does() {
        for value in ["cs_1", "a/../b", "...", "%2e%2e", "x y", "é?#", ".a", "a."] {
            assert_eq!(
                segment("id", value).ok().as_deref(),
                Some(progenitor_client::encode_path(value).as_str()),
                "{value:?}"
            );
        }
    }
}
