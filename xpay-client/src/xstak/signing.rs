//! Request signing (`x-signature`).
//!
//! XStak's server parses each body and recomputes the lowercase-hex HMAC-SHA256 of
//! `JSON.stringify(parsed)` with the API HMAC secret. So the client sends, and signs, exactly
//! those bytes: [`canonical_signed_body`] rewrites the serialized body the way JavaScript
//! would (integer-like keys first in ascending order, `5.0` as `5`, `1e21` as `1e+21`…) and
//! the request hook sends the result in place of serde_json's bytes. The server then reads
//! back the very bytes that were signed. The only body refused is one holding a number that a
//! JavaScript double cannot carry exactly (money beyond 2^53, or more digits than a double
//! keeps), since sending it would silently change the value; the error names the field.
//!
//! GET requests carry no body and no signature, like XStak's own WooCommerce plugin.

use std::fmt;

use paygate_runtime::{ExposeSecret, SecretString, js, signature};

/// The `x-signature` of `body`: lowercase-hex HMAC-SHA256 keyed with the API HMAC secret's
/// UTF-8 bytes.
pub fn sign(api_hmac_secret: &SecretString, body: &[u8]) -> String {
    signature::hmac_sha256_hex(api_hmac_secret.expose_secret().as_bytes(), body)
}

/// A request body as it goes on the wire, and its `x-signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBody {
    body: Vec<u8>,
    signature: String,
}

impl SignedBody {
    /// The bytes to send: `JSON.stringify(JSON.parse(serialized))`.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `x-signature` over [`body`](Self::body).
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The bytes to send and their signature.
    pub fn into_parts(self) -> (Vec<u8>, String) {
        (self.body, self.signature)
    }
}

/// A body that cannot be sent to XStak without its server reading something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsendableBody(js::CanonicalError);

impl UnsendableBody {
    /// The JSON path of the number JavaScript cannot hold (`amount`, `metadata.price`), if
    /// that is the reason.
    pub fn path(&self) -> Option<&str> {
        match &self.0 {
            js::CanonicalError::Inexact(e) => Some(e.path()),
            js::CanonicalError::Invalid(_) => None,
        }
    }
}

impl fmt::Display for UnsendableBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            js::CanonicalError::Inexact(e) => write!(
                f,
                "request body not sent: `{}` is {}, which XStak's JavaScript server cannot \
                 hold exactly (it would read {}); send a value a double holds, or a string",
                e.path(),
                e.number(),
                e.nearest()
            ),
            js::CanonicalError::Invalid(e) => write!(
                f,
                "request body not sent: it is not JSON that JavaScript accepts ({e})"
            ),
        }
    }
}

impl std::error::Error for UnsendableBody {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The bytes to send for the serialized `body`, and their signature: what XStak's server
/// computes from them, byte for byte.
///
/// An empty body (a write without one; none in the spec today) is sent empty and signed over
/// the empty string, as one third-party client does; unconfirmed.
pub fn canonical_signed_body(
    api_hmac_secret: &SecretString,
    body: &[u8],
) -> Result<SignedBody, UnsendableBody> {
    let body = if body.is_empty() {
        Vec::new()
    } else {
        js::canonicalize_exact(body)
            .map_err(UnsendableBody)?
            .into_bytes()
    };
    let signature = sign(api_hmac_secret, &body);
    Ok(SignedBody { body, signature })
}

/// Bytes that `JSON.stringify(JSON.parse(body))` would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonCanonicalBody {
    reason: String,
}

impl fmt::Display for NonCanonicalBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "XStak re-serializes a body with JSON.stringify before checking x-signature, and {}",
            self.reason
        )
    }
}

impl std::error::Error for NonCanonicalBody {}

/// Checks that `JSON.stringify(JSON.parse(body))` gives back `body` byte for byte, as it does
/// for every [`SignedBody`]; says where it would not.
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
            "at byte {at} it would read {:?} where the body has {:?}; usually a number \
             JavaScript writes differently (5.0 → 5, 1e21 → 1e+21) or integer-like object keys \
             out of ascending order",
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
