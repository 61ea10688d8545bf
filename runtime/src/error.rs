//! The one error type every client returns, generic over the provider's typed error body.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Whether a failed request may have reached the provider and been acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The request was never delivered (e.g. the connection was refused): nothing happened.
    NotSent,
    /// A write may have been processed. If it carried an idempotency key
    /// ([`Error::idempotency_key`]), send it again with the same key; otherwise reconcile
    /// (look the object up) before trying again.
    Unknown,
    /// A read (`GET`) failed without a reply: whether it reached the provider does not matter,
    /// since reading changes nothing. Repeat it.
    ReadOnly,
}

/// What a provider's error body says, read the same way for every API. Each client implements
/// it for its error schema, so that [`Error`]'s accessors and `Display` read the provider's code
/// and message without knowing its shape.
pub trait ProviderError {
    /// The provider's machine-readable code, e.g. `authentication_error/api_key_invalid`.
    fn code(&self) -> Option<Cow<'_, str>> {
        None
    }
    /// The provider's human-readable message.
    fn message(&self) -> Option<Cow<'_, str>> {
        None
    }
    /// The provider's id of the failed request, when the body carries one.
    fn request_id(&self) -> Option<&str> {
        None
    }
}

impl ProviderError for () {}
impl ProviderError for std::convert::Infallible {}
impl ProviderError for serde_json::Value {}

/// Everything a call can fail with. `E` is the provider's documented error body.
#[non_exhaustive]
pub enum Error<E> {
    /// Rejected before anything was sent: a missing field, a value the provider forbids.
    InvalidRequest(String),
    /// The provider answered with the error it documents.
    Api {
        /// The HTTP status of the reply.
        status: StatusCode,
        /// The provider's error, decoded.
        body: E,
        /// The reply's headers (`Retry-After`, request ids).
        headers: HeaderMap,
    },
    /// The reply did not decode into what the spec promises (HTML page, truncated or empty
    /// body, wrong JSON types, a missing field, or a body over the size cap).
    Decode {
        /// The HTTP status of the reply.
        status: StatusCode,
        /// Why it did not decode.
        reason: String,
        /// The start of the body, for diagnosis, with every secret redacted.
        snippet: String,
    },
    /// A status no provider uses for this API (informational or out of range).
    UnexpectedStatus {
        /// The HTTP status of the reply.
        status: StatusCode,
        /// The start of the body, with every secret redacted.
        snippet: String,
    },
    /// The provider (or something in between) answered with a redirect. No provider documents
    /// redirects on its API, and following one would send credentials and signed bodies to
    /// wherever it points, so it is never followed.
    Redirect {
        /// The 3xx status.
        status: StatusCode,
        /// Where it pointed (`Location`), when it said.
        location: Option<String>,
    },
    /// No usable reply: connection failure, timeout, deadline, dropped connection.
    Transport {
        /// Whether the request may have been processed.
        outcome: Outcome,
        /// Whether a timeout or the deadline ended it.
        timeout: bool,
        /// How many attempts were made.
        attempts: u32,
        /// What failed, without URLs (they can carry secrets).
        message: String,
        /// The idempotency key every attempt carried, when the request had one: send the
        /// write again with this key to learn its outcome without doing it twice.
        idempotency_key: Option<String>,
    },
    /// The client's own layer failed: signing, authentication, a provider rule checked locally.
    Client(String),
}

impl<E> Error<E> {
    /// The HTTP status of the reply the error came from, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::Decode { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The provider's typed error body.
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The reply's headers, for a provider error.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// Whether the request may have been processed, for a failure without a reply.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Error::Transport { outcome, .. } => Some(*outcome),
            _ => None,
        }
    }

    /// True when a write may have been processed although no reply was read.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome() == Some(Outcome::Unknown)
    }

    /// The idempotency key the request carried, for a failure without a reply.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Error::Transport {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            _ => None,
        }
    }

    /// How long the provider asked callers to wait (`Retry-After`), on a provider error.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers().and_then(crate::retry::retry_after)
    }

    /// Maps the typed body, e.g. into a richer provider error.
    pub fn map_api<F, T>(self, f: T) -> Error<F>
    where
        T: FnOnce(E) -> F,
    {
        match self {
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
            Error::Api {
                status,
                body,
                headers,
            } => Error::Api {
                status,
                body: f(body),
                headers,
            },
            Error::Decode {
                status,
                reason,
                snippet,
            } => Error::Decode {
                status,
                reason,
                snippet,
            },
            Error::UnexpectedStatus { status, snippet } => {
                Error::UnexpectedStatus { status, snippet }
            }
            Error::Redirect { status, location } => Error::Redirect { status, location },
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
                idempotency_key,
            } => Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
                idempotency_key,
            },
            Error::Client(m) => Error::Client(m),
        }
    }
}

impl<E: ProviderError> Error<E> {
    /// The provider's machine-readable code, on a provider error.
    pub fn code(&self) -> Option<Cow<'_, str>> {
        self.api_error().and_then(ProviderError::code)
    }

    /// The provider's message, on a provider error.
    pub fn message(&self) -> Option<Cow<'_, str>> {
        self.api_error().and_then(ProviderError::message)
    }

    /// The provider's id for the failed request: from the error body, else from a
    /// `request-id` / `x-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.api_error()
            .and_then(ProviderError::request_id)
            .or_else(|| {
                let headers = self.headers()?;
                ["request-id", "x-request-id"]
                    .iter()
                    .find_map(|h| headers.get(*h)?.to_str().ok())
            })
    }
}

impl Error<std::convert::Infallible> {
    /// A failure from a client's own `prepare` step, as the error of any operation.
    pub fn widen<E>(self) -> Error<E> {
        self.map_api(|never| match never {})
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(m) => f.debug_tuple("InvalidRequest").field(m).finish(),
            // Headers are left out: they are noise here and may carry tokens.
            Error::Api { status, body, .. } => f
                .debug_struct("Api")
                .field("status", status)
                .field("body", body)
                .finish_non_exhaustive(),
            Error::Decode {
                status,
                reason,
                snippet,
            } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("reason", reason)
                .field("snippet", snippet)
                .finish(),
            Error::UnexpectedStatus { status, snippet } => f
                .debug_struct("UnexpectedStatus")
                .field("status", status)
                .field("snippet", snippet)
                .finish(),
            Error::Redirect { status, location } => f
                .debug_struct("Redirect")
                .field("status", status)
                .field("location", location)
                .finish(),
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
                idempotency_key,
            } => f
                .debug_struct("Transport")
                .field("outcome", outcome)
                .field("timeout", timeout)
                .field("attempts", attempts)
                .field("message", message)
                .field("idempotency_key", idempotency_key)
                .finish(),
            Error::Client(m) => f.debug_tuple("Client").field(m).finish(),
        }
    }
}

impl<E: ProviderError> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Api { status, body, .. } => {
                match (body.code(), body.message()) {
                    (Some(code), Some(message)) => write!(f, "{code}: {message}")?,
                    (Some(code), None) => write!(f, "{code} (HTTP {status})")?,
                    (None, Some(message)) => write!(f, "HTTP {status}: {message}")?,
                    (None, None) => write!(f, "provider error, HTTP {status}")?,
                }
                if let Some(id) = self.request_id() {
                    write!(f, " (request {id})")?;
                }
                Ok(())
            }
            Error::Decode {
                status,
                reason,
                snippet,
            } => write!(
                f,
                "undecodable reply (HTTP {status}): {reason}; body starts {snippet:?}"
            ),
            Error::UnexpectedStatus { status, snippet } => {
                write!(f, "unexpected status {status}; body starts {snippet:?}")
            }
            Error::Redirect { status, location } => {
                write!(f, "the server answered with a redirect ({status}")?;
                if let Some(l) = location {
                    write!(f, " to {l:?}")?;
                }
                write!(
                    f,
                    "); redirects are not followed, so no credential leaves for another host"
                )
            }
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
                idempotency_key,
            } => {
                let what = if *timeout { "timed out" } else { "failed" };
                write!(f, "request {what} after {attempts} attempt(s): {message}")?;
                match (outcome, idempotency_key) {
                    (Outcome::Unknown, Some(key)) => write!(
                        f,
                        "; outcome unknown: send it again with idempotency key {key:?} to learn it"
                    ),
                    (Outcome::Unknown, None) => write!(
                        f,
                        "; outcome unknown: the provider may have processed it, so it was not retried blindly"
                    ),
                    _ => Ok(()),
                }
            }
            Error::Client(m) => write!(f, "{m}"),
        }
    }
}

impl<E: ProviderError + fmt::Debug> std::error::Error for Error<E> {}

/// Whether a request that failed with `e` may have reached the provider: a refused
/// connection never did; anything later might have.
pub(crate) fn outcome_of(e: &reqwest::Error) -> Outcome {
    if e.is_connect() {
        Outcome::NotSent
    } else {
        Outcome::Unknown
    }
}

/// The error chain as text, without URLs: they can carry secrets (XStak puts
/// `pi_client_secret` in the query).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    if let Some(i) = message.find(" for url (") {
        message.truncate(i);
    }
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        message.push_str(": ");
        message.push_str(&err.to_string());
        source = err.source();
    }
    message
}

/// Failures while a generated operation builds its request (a body that cannot be serialized,
/// a header value that cannot be sent): nothing was sent.
impl<E> From<reqwest::header::InvalidHeaderValue> for Error<E> {
    fn from(e: reqwest::header::InvalidHeaderValue) -> Self {
        Error::InvalidRequest(format!("a header value cannot be sent: {e}"))
    }
}

impl<E> From<reqwest::Error> for Error<E> {
    fn from(e: reqwest::Error) -> Self {
        if e.is_builder() || e.is_request() && !e.is_connect() && !e.is_timeout() {
            Error::InvalidRequest(describe(&e))
        } else {
            Error::Transport {
                outcome: outcome_of(&e),
                timeout: e.is_timeout(),
                attempts: 1,
                message: describe(&e),
                idempotency_key: None,
            }
        }
    }
}
