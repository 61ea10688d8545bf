//! The one error type every client returns, generic over the provider's typed error body.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::fmt;

/// Whether a failed request may have reached the provider and been acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request was never delivered (e.g. the connection was refused): nothing happened.
    NotSent,
    /// The request may have been processed. A write that carries no idempotency key is not
    /// retried in this state; reconcile before trying again.
    Unknown,
}

/// Why the runtime diverted a reply away from the generated code. Carried to [`Error`] in the
/// extensions of a synthetic reply, because a `ClientHooks::exec` can only return a reply.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Decode {
        status: StatusCode,
        reason: String,
        snippet: String,
    },
    UnexpectedStatus {
        status: StatusCode,
        snippet: String,
    },
    Transport {
        outcome: Outcome,
        timeout: bool,
        attempts: u32,
        message: String,
    },
}

/// Everything a call can fail with. `E` is the provider's documented error body.
#[non_exhaustive]
pub enum Error<E> {
    /// Rejected before anything was sent: a missing field, a value the provider forbids.
    InvalidRequest(String),
    /// The provider answered with the error it documents.
    Api {
        status: StatusCode,
        body: E,
        headers: HeaderMap,
    },
    /// The reply did not decode into what the spec promises (HTML page, truncated or empty
    /// body, wrong JSON types, a missing field, or a body over the size cap).
    Decode {
        status: StatusCode,
        reason: String,
        /// The start of the body, for diagnosis.
        snippet: String,
    },
    /// A status the spec does not list for this operation.
    UnexpectedStatus { status: StatusCode, snippet: String },
    /// No usable reply: connection failure, timeout, deadline, dropped connection.
    Transport {
        outcome: Outcome,
        timeout: bool,
        attempts: u32,
        message: String,
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
            | Error::UnexpectedStatus { status, .. } => Some(*status),
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

    /// True when a write may have been processed although no reply was read.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                outcome: Outcome::Unknown,
                ..
            }
        )
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
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
            } => Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
            },
            Error::Client(m) => Error::Client(m),
        }
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
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
            } => f
                .debug_struct("Transport")
                .field("outcome", outcome)
                .field("timeout", timeout)
                .field("attempts", attempts)
                .field("message", message)
                .finish(),
            Error::Client(m) => f.debug_tuple("Client").field(m).finish(),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Api { status, body, .. } => write!(f, "provider error {status}: {body:?}"),
            Error::Decode {
                status,
                reason,
                snippet,
            } => write!(
                f,
                "undecodable reply ({status}): {reason}; body starts {snippet:?}"
            ),
            Error::UnexpectedStatus { status, snippet } => {
                write!(f, "unexpected status {status}; body starts {snippet:?}")
            }
            Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
            } => {
                let what = if *timeout { "timed out" } else { "failed" };
                write!(f, "request {what} after {attempts} attempt(s): {message}")?;
                if *outcome == Outcome::Unknown {
                    write!(
                        f,
                        "; outcome unknown: the provider may have processed it, so it was not retried blindly"
                    )?;
                }
                Ok(())
            }
            Error::Client(m) => write!(f, "{m}"),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {}

impl<E> From<progenitor_client::Error<E>> for Error<E> {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(m) => Error::InvalidRequest(m),
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                Error::Api {
                    status,
                    body: rv.into_inner(),
                    headers,
                }
            }
            P::UnexpectedResponse(resp) => match resp.extensions().get::<Failure>() {
                Some(failure) => failure.clone().into_error(),
                None => Error::UnexpectedStatus {
                    status: resp.status(),
                    snippet: String::new(),
                },
            },
            // A body that cannot be serialized (e.g. an amount no JSON number holds exactly)
            // fails while the request is built: nothing was sent.
            P::CommunicationError(e) if e.is_builder() => Error::InvalidRequest(describe(&e)),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Failure::from_reqwest(&e, 1).into_error()
            }
            // The runtime checked this body against the same type before the generated code
            // parsed it, so this is unreachable in practice; keep the reason anyway.
            P::InvalidResponsePayload(bytes, e) => Error::Client(format!(
                "reply passed the runtime check but not the generated parser: {e}; body starts {:?}",
                snippet(&bytes)
            )),
            P::Custom(m) => Error::Client(m),
        }
    }
}

/// The start of a body, printable, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let cut = &body[..body.len().min(MAX)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > MAX {
        s.push('…');
    }
    s
}

impl Failure {
    pub(crate) fn from_reqwest(e: &reqwest::Error, attempts: u32) -> Failure {
        // A refused connection never reached the provider; anything later might have.
        let outcome = if e.is_connect() {
            Outcome::NotSent
        } else {
            Outcome::Unknown
        };
        Failure::Transport {
            outcome,
            timeout: e.is_timeout(),
            attempts,
            message: describe(e),
        }
    }

    pub(crate) fn into_error<E>(self) -> Error<E> {
        match self {
            Failure::Decode {
                status,
                reason,
                snippet,
            } => Error::Decode {
                status,
                reason,
                snippet,
            },
            Failure::UnexpectedStatus { status, snippet } => {
                Error::UnexpectedStatus { status, snippet }
            }
            Failure::Transport {
                outcome,
                timeout,
                attempts,
                message,
            } => Error::Transport {
                outcome,
                timeout,
                attempts,
                message,
            },
        }
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
