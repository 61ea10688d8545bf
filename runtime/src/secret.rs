//! Secrets: held in `secrecy` types (redacted in `Debug`, zeroed on drop) and turned into
//! header values marked sensitive, so they stay out of logs.

pub use secrecy::{ExposeSecret, SecretString};

use reqwest::header::HeaderValue;
use secrecy::zeroize::Zeroizing;
use std::fmt;

/// A header value built from a secret, flagged sensitive so `Debug` of the request hides it.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, reqwest::header::InvalidHeaderValue> {
    let mut v = HeaderValue::from_str(value)?;
    v.set_sensitive(true);
    Ok(v)
}

/// A credential's header value, made once when the client (or token) is made and then cloned
/// into each request: a reference count per call, where building it each time cost a
/// format, a validation and a copy (about 600 instructions of a call, BENCHMARKS.md).
///
/// Flagged sensitive, so a request's `Debug` hides it, and redacted in its own `Debug`. Its
/// bytes are not wiped when it is dropped, like every request's copy of them (reqwest does not
/// wipe headers); the secret itself stays in its [`SecretString`].
#[derive(Clone)]
pub struct SecretHeader(Option<HeaderValue>);

impl SecretHeader {
    /// `prefix` followed by the secret (`"Bearer "`, `"Api-Key "`, or `""` for the bare
    /// secret). A secret that cannot be sent in a header (a line break, a control character)
    /// gives a header that [`SecretHeader::value`] refuses, so that a client built without
    /// checks fails each call rather than at construction.
    pub fn new(prefix: &str, secret: &SecretString) -> SecretHeader {
        let text = Zeroizing::new(format!("{prefix}{}", secret.expose_secret()));
        SecretHeader(sensitive_header(&text).ok())
    }

    /// The value to put in a request; `None` if the secret cannot be sent in a header.
    pub fn value(&self) -> Option<HeaderValue> {
        self.0.clone()
    }
}

impl fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHeader([REDACTED])")
    }
}

/// A secret that a provider returns inside a payload for the browser side of a payment (XStak's
/// `pi_client_secret`, XPay's `clientSecret`). It has to be read and sent on, so it serializes
/// as the plain string, but `Debug` never shows it: a logged response must not leak it.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// Wraps a secret received from the provider.
    pub fn new(secret: impl Into<String>) -> Self {
        ClientSecret(SecretString::from(secret.into()))
    }

    /// The secret itself, to hand to the browser side. Keep it out of logs.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret([REDACTED])")
    }
}

impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl From<String> for ClientSecret {
    fn from(s: String) -> Self {
        ClientSecret::new(s)
    }
}

impl From<&str> for ClientSecret {
    fn from(s: &str) -> Self {
        ClientSecret::new(s)
    }
}

impl serde::Serialize for ClientSecret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose_secret())
    }
}

impl<'de> serde::Deserialize<'de> for ClientSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ClientSecret::new)
    }
}

// The generated types derive `JsonSchema` only with the `schemars` feature.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for ClientSecret {
    fn schema_name() -> String {
        "ClientSecret".into()
    }
    fn json_schema(g: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_secrets_round_trip_but_never_debug() {
        let s: ClientSecret = serde_json::from_str(r#""xpay_pi_1_cs_abc""#).unwrap();
        assert_eq!(s.expose_secret(), "xpay_pi_1_cs_abc");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""xpay_pi_1_cs_abc""#);
        assert!(!format!("{s:?}").contains("cs_abc"));
        assert!(!format!("{:?}", Some(s)).contains("cs_abc"));
    }

    #[test]
    fn a_secret_header_is_sensitive_and_never_debugs() {
        let key = SecretString::from("sk_test_abc");
        let header = SecretHeader::new("Bearer ", &key);
        let value = header.value().unwrap();
        assert_eq!(value, "Bearer sk_test_abc");
        assert!(value.is_sensitive());
        assert!(!format!("{header:?}").contains("abc"));
        assert!(!format!("{value:?}").contains("abc"));
    }

    #[test]
    fn a_secret_that_cannot_be_a_header_fails_each_use() {
        let header = SecretHeader::new("", &SecretString::from("line\nbreak"));
        assert!(header.value().is_none());
        assert!(header.clone().value().is_none());
    }
}
