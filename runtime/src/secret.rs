//! Secrets: held in `secrecy` types (redacted in `Debug`, zeroed on drop) and turned into
//! header values marked sensitive, so they stay out of logs.

pub use secrecy::{ExposeSecret, SecretString};

use reqwest::header::HeaderValue;

/// A header value built from a secret, flagged sensitive so `Debug` of the request hides it.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut v = HeaderValue::from_str(value)?;
    v.set_sensitive(true);
    Ok(v)
}

/// `Bearer <token>`, sensitive.
pub fn bearer(token: &SecretString) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    sensitive_header(&format!("Bearer {}", token.expose_secret()))
}
