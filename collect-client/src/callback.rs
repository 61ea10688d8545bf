//! The browser redirect after checkout: FYATU sends the payer to your `callbackUrl` with
//! `?batch=<collectionId>&status=<COMPLETED|FAILED|CANCELLED>`.
//!
//! Anyone can type that URL, so it only tells you which collection to look at. Confirm with
//! [`CollectClient::confirm_callback`](crate::CollectClient::confirm_callback) (a
//! `GET /collections/{id}`) before fulfilling.
//!
//! ```
//! use collect_client::callback::{CallbackRedirect, CallbackStatus};
//!
//! let r = CallbackRedirect::parse("https://shop.example/return?batch=SCI679A1B2C3D4E5&status=COMPLETED").unwrap();
//! assert_eq!(r.batch, "SCI679A1B2C3D4E5");
//! assert_eq!(r.status, CallbackStatus::Completed);
//! ```

use std::fmt;

/// The `status` query parameter. Open: a value FYATU adds later (e.g. `EXPIRED`, which the
/// create page mentions once) parses into `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallbackStatus {
    /// `COMPLETED`: the redirect claims the payment went through (confirm it).
    Completed,
    /// `FAILED`: the payment failed.
    Failed,
    /// `CANCELLED`: the payer abandoned the checkout.
    Cancelled,
    /// Any other value, as received.
    Unknown(String),
}

impl CallbackStatus {
    /// The value as it appears in the URL (`COMPLETED`, …).
    pub fn as_str(&self) -> &str {
        match self {
            CallbackStatus::Completed => "COMPLETED",
            CallbackStatus::Failed => "FAILED",
            CallbackStatus::Cancelled => "CANCELLED",
            CallbackStatus::Unknown(s) => s,
        }
    }
}

impl From<&str> for CallbackStatus {
    fn from(s: &str) -> Self {
        match s {
            "COMPLETED" => CallbackStatus::Completed,
            "FAILED" => CallbackStatus::Failed,
            "CANCELLED" => CallbackStatus::Cancelled,
            other => CallbackStatus::Unknown(other.to_string()),
        }
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the redirect says. Not proof of payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackRedirect {
    /// The collection id.
    pub batch: String,
    /// The status the redirect claims; not proof of payment.
    pub status: CallbackStatus,
}

/// Why a redirect could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// A parameter is absent or empty.
    Missing(&'static str),
    /// A parameter appears twice with different values (a tampered or mangled URL).
    Ambiguous(&'static str),
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Missing(p) => write!(f, "callback URL has no `{p}` parameter"),
            CallbackError::Ambiguous(p) => {
                write!(f, "callback URL has conflicting `{p}` parameters")
            }
        }
    }
}

impl std::error::Error for CallbackError {}

impl CallbackRedirect {
    /// Reads a full return URL (`https://shop/return?batch=…&status=…`), a path with a query
    /// (`/return?…`) or a bare query string (`batch=…&status=…`, with or without `?`).
    pub fn parse(url_or_query: &str) -> Result<Self, CallbackError> {
        let input = url_or_query.trim();
        let query = match reqwest::Url::parse(input) {
            Ok(url) => url.query().unwrap_or("").to_string(),
            Err(_) => match input.split_once('?') {
                Some((_, q)) => q.to_string(),
                None => input.to_string(),
            },
        };
        let query = query.split('#').next().unwrap_or("");
        let mut batch: Option<String> = None;
        let mut status: Option<String> = None;
        for (key, value) in form_pairs(query) {
            let slot = match key.as_str() {
                "batch" => (&mut batch, "batch"),
                "status" => (&mut status, "status"),
                _ => continue,
            };
            match slot.0 {
                Some(seen) if *seen != value => return Err(CallbackError::Ambiguous(slot.1)),
                _ => *slot.0 = Some(value),
            }
        }
        let batch = batch
            .map(|b| b.trim().to_string())
            .filter(|b| !b.is_empty())
            .ok_or(CallbackError::Missing("batch"))?;
        let status = status
            .map(|s| s.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .ok_or(CallbackError::Missing("status"))?;
        Ok(CallbackRedirect {
            batch,
            status: CallbackStatus::from(status.as_str()),
        })
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    // `Url` decodes form pairs for us; any base works.
    let Ok(mut url) = reqwest::Url::parse("http://callback.invalid/") else {
        return Vec::new();
    };
    url.set_query(Some(query));
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        for input in [
            "https://shop.example/return?batch=SCI1&status=FAILED",
            "/return?status=FAILED&batch=SCI1",
            "?batch=SCI1&status=failed",
            "batch=SCI1&status=FAILED&batch=SCI1",
        ] {
            let r = CallbackRedirect::parse(input).unwrap();
            assert_eq!(r.batch, "SCI1", "{input}");
            assert_eq!(r.status, CallbackStatus::Failed, "{input}");
        }
    }
}
