//! Request signing (`x-signature`).
//!
//! XStak's server parses each body and recomputes the lowercase-hex HMAC-SHA256 of
//! `JSON.stringify(parsed)` with the API HMAC secret. We sign the exact bytes we send, so the
//! two agree only if those bytes are already what `JSON.stringify` writes. The request hook
//! therefore checks every body with [`check_body`] and refuses to send one that JavaScript
//! would re-serialize differently (a float written `5.0` or `1e+20`, keys like `"10"` listed
//! before `"9"`…) instead of sending a request the server will reject as forged.
//!
//! GET requests carry no body and no signature, like XStak's own WooCommerce plugin.

use std::fmt;

use paygate_runtime::{ExposeSecret, SecretString, js, signature};

/// The `x-signature` of `body`: lowercase-hex HMAC-SHA256 keyed with the API HMAC secret's
/// UTF-8 bytes.
pub fn sign(api_hmac_secret: &SecretString, body: &[u8]) -> String {
    signature::hmac_sha256_hex(api_hmac_secret.expose_secret().as_bytes(), body)
}

/// A body that XStak's `JSON.stringify(JSON.parse(body))` would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonCanonicalBody {
    reason: String,
}

impl fmt::Display for NonCanonicalBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "request body not sent: XStak re-serializes it with JSON.stringify before checking \
             x-signature, and {}",
            self.reason
        )
    }
}

impl std::error::Error for NonCanonicalBody {}

/// Checks that `JSON.stringify(JSON.parse(body))` gives back `body` byte for byte.
pub fn check_body(body: &[u8]) -> Result<(), NonCanonicalBody> {
    let canonical = js::canonicalize(body).map_err(|e| NonCanonicalBody {
        reason: format!("the body is not JSON that JavaScript accepts ({e})"),
    })?;
    let canonical = canonical.as_bytes();
    if canonical == body {
        return Ok(());
    }
    let at = body
        .iter()
        .zip(canonical)
        .position(|(a, b)| a != b)
        .unwrap_or(body.len().min(canonical.len()));
    Err(NonCanonicalBody {
        reason: format!(
            "at byte {at} it would read {:?} where we wrote {:?}; usually a float that \
             JavaScript writes differently (5.0 → 5, 1e+20 → 100000000000000000000) or \
             integer-like object keys out of ascending order in metadata",
            excerpt(canonical, at),
            excerpt(body, at)
        ),
    })
}

/// Up to 24 bytes from `at`, as text.
fn excerpt(bytes: &[u8], at: usize) -> String {
    let end = bytes.len().min(at + 24);
    String::from_utf8_lossy(&bytes[at.min(end)..end]).into_owned()
}
