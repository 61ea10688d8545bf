//! The one call path of every generated operation: prepare once, send under the retry policy,
//! decode the final reply once.
//!
//! Codegen ends every generated `send()` with a call to [`send`] (or [`send_empty`] for an
//! operation whose success has no body), so every call of every client returns this crate's
//! [`Error`] directly and nothing else decodes a reply. What differs per API is written once
//! per client as an [`Api`] implementation on its state: auth headers, signing, idempotency
//! keys, token renewal and which writes are safe to repeat.

use crate::error::{Error, Outcome, describe, outcome_of};
use crate::redact::snippet;
use crate::retry::{retry_after, retryable_status};
use crate::transport::{Body, Transport, is_read, read_capped};
use bytes::Bytes;
use progenitor_client::{OperationInfo, ResponseValue};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Request, StatusCode};
use serde::de::DeserializeOwned;
use std::convert::Infallible;
use std::future::Future;
use std::time::Instant;
use tracing::Instrument;

/// Whether a write may be repeated after its outcome became unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Decided by the request: reads and writes carrying an idempotency key are repeated,
    /// other writes are not (429 aside: the provider refused them).
    ByRequest,
    /// The provider deduplicates this write by a field of its body (Collect's `orderId`): a
    /// repeat that finds the first one done is refused, and the client resolves that refusal
    /// to the existing object. So it is repeated like a keyed write.
    Deduplicated,
}

/// What one API adds to the shared call path: implemented by each generated client type, in
/// the client crate's own `hooks.rs` (it may call other operations, e.g. to renew a token).
pub trait Api: Send + Sync {
    /// Transport settings: retry policy, reply cap, idempotency header, sensitive keys.
    fn transport(&self) -> &Transport;

    /// Runs once per call, before the first attempt: auth headers, an idempotency key, a
    /// signature. Every attempt then sends the same bytes.
    fn prepare(
        &self,
        request: &mut Request,
        op: &OperationInfo,
    ) -> impl Future<Output = Result<(), Error<Infallible>>> + Send;

    /// After a `401`, a chance to renew credentials and fix `request` in place. Returning true
    /// sends it once more (within the same attempt budget and deadline).
    fn reauthorize(
        &self,
        request: &mut Request,
        op: &OperationInfo,
    ) -> impl Future<Output = bool> + Send {
        let _ = (request, op);
        async { false }
    }

    /// Which writes of this API may be repeated.
    fn strategy(&self, op: &OperationInfo) -> Strategy {
        let _ = op;
        Strategy::ByRequest
    }
}

/// Sends a generated operation's request and decodes the reply into `S` (any 2xx; providers'
/// docs often say 200 where their framework answers 201) or the provider's error `E`.
///
/// Not an `async fn` itself: it returns the call's future, one layer of futures fewer for the
/// reply to be copied through.
pub fn send<S, E, A>(
    http: &reqwest::Client,
    api: &A,
    request: Request,
    op: OperationInfo,
) -> impl Future<Output = Result<ResponseValue<S>, Error<E>>>
where
    S: DeserializeOwned,
    E: DeserializeOwned,
    A: Api,
{
    let sensitive = api.transport().sensitive;
    call(
        http,
        api,
        request,
        op,
        move |status, headers, body| match serde_json::from_slice::<S>(body) {
            Ok(value) => Ok(ResponseValue::new(value, status, headers)),
            Err(e) => Err(decode_error(status, body, &e, sensitive)),
        },
    )
}

/// [`send`] for an operation whose success carries no body.
pub fn send_empty<E, A>(
    http: &reqwest::Client,
    api: &A,
    request: Request,
    op: OperationInfo,
) -> impl Future<Output = Result<ResponseValue<()>, Error<E>>>
where
    E: DeserializeOwned,
    A: Api,
{
    call(http, api, request, op, |status, headers, _| {
        Ok(ResponseValue::new((), status, headers))
    })
}

/// The final reply of a call, read but not decoded.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
}

impl Reply {
    fn complete<E>(&self, sensitive: &[&str]) -> Result<Bytes, Error<E>> {
        match &self.body {
            Body::Complete(b) => Ok(b.clone()),
            Body::TooLarge(prefix) => Err(Error::Decode {
                status: self.status,
                reason: "the body exceeds the size cap".into(),
                snippet: snippet(prefix, sensitive),
            }),
        }
    }

    /// A reply that is not a success, as the error it is.
    fn into_error<E: DeserializeOwned>(self, sensitive: &[&str]) -> Error<E> {
        let status = self.status;
        if status.is_redirection() {
            let location = self
                .headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(|l| crate::redact::redact_text(l, sensitive));
            return Error::Redirect { status, location };
        }
        let body = match self.complete(sensitive) {
            Ok(body) => body,
            Err(e) => return e,
        };
        if !(status.is_client_error() || status.is_server_error()) {
            return Error::UnexpectedStatus {
                status,
                snippet: snippet(&body, sensitive),
            };
        }
        match serde_json::from_slice::<E>(&body) {
            Ok(parsed) => Error::Api {
                status,
                body: parsed,
                headers: self.headers,
            },
            Err(e) => decode_error(status, &body, &e, sensitive),
        }
    }
}

fn decode_error<E>(
    status: StatusCode,
    body: &[u8],
    e: &serde_json::Error,
    sensitive: &[&str],
) -> Error<E> {
    let reason = if body.is_empty() {
        "empty body".to_string()
    } else if e.is_syntax() || e.is_eof() {
        format!("not JSON: {}", unquote(&e.to_string()))
    } else {
        unquote(&e.to_string())
    };
    Error::Decode {
        status,
        reason,
        snippet: snippet(body, sensitive),
    }
}

/// serde quotes the offending value (`invalid type: string "eyJ…"`): that value can be a
/// secret under a wrongly typed field, so the quoted part is dropped from the reason.
fn unquote(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '"' {
            if !inside {
                out.push('…');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

enum Attempt {
    Reply(Reply),
    Failed {
        outcome: Outcome,
        timeout: bool,
        message: String,
    },
}

/// Prepares once, then sends under the policy until a reply is final, and decodes it: a 2xx
/// with `decode` (once per reply; a safe request whose 2xx does not decode, e.g. a body cut
/// short, is sent again), anything else as the provider's error `E`.
async fn call<A, E, T, D>(
    http: &reqwest::Client,
    api: &A,
    mut request: Request,
    op: OperationInfo,
    decode: D,
) -> Result<T, Error<E>>
where
    A: Api,
    E: DeserializeOwned,
    D: Fn(StatusCode, HeaderMap, &[u8]) -> Result<T, Error<E>>,
{
    let transport = api.transport();
    let op = &op;
    api.prepare(&mut request, op).await.map_err(Error::widen)?;
    let span = tracing::info_span!(
        "gateway.call",
        api = transport.api,
        operation_id = op.operation_id,
        method = %request.method(),
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    // With no subscriber listening (the common case in production), the span is disabled:
    // skipping `Instrumented` then saves entering and leaving it on every poll.
    if span.is_disabled() {
        attempts(http, api, request, op, &decode, &span).await
    } else {
        let started = Instant::now();
        let result = attempts(http, api, request, op, &decode, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        result
    }
}

async fn attempts<A, E, T, D>(
    http: &reqwest::Client,
    api: &A,
    mut request: Request,
    op: &OperationInfo,
    decode: &D,
    span: &tracing::Span,
) -> Result<T, Error<E>>
where
    A: Api,
    E: DeserializeOwned,
    D: Fn(StatusCode, HeaderMap, &[u8]) -> Result<T, Error<E>>,
{
    let sensitive = api.transport().sensitive;
    let transport = api.transport();
    let policy = &transport.retry;
    let read = is_read(request.method());
    let key = transport.idempotency_key(&request).map(str::to_string);
    let safe = read || key.is_some() || api.strategy(op) == Strategy::Deduplicated;
    let started = Instant::now();
    // A deadline too far off for the clock is no deadline.
    let deadline = policy.deadline.and_then(|d| started.checked_add(d));
    let mut reauthorized = false;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if !span.is_disabled() {
            span.record("attempts", attempt);
        }
        let attempt_started = if attempt == 1 {
            started
        } else {
            Instant::now()
        };
        let attempt_deadline = match (
            attempt_started.checked_add(policy.per_attempt_timeout),
            deadline,
        ) {
            (Some(own), Some(overall)) => Some(own.min(overall)),
            (own, overall) => own.or(overall),
        };
        // Generated JSON bodies always clone; a streaming body can be sent only once. The
        // policy's last attempt takes the request itself, since nothing reads a copy after it
        // (a 401 is re-authorized and resent only before the last attempt).
        let out_of_attempts = attempt >= policy.max_attempts;
        let copy = if out_of_attempts {
            None
        } else {
            request.try_clone()
        };
        // What stays in `request` keeps the URL the reply must come from.
        let (this, last_chance) = match copy {
            Some(copy) => (copy, false),
            None => {
                let placeholder = Request::new(reqwest::Method::GET, request.url().clone());
                (std::mem::replace(&mut request, placeholder), true)
            }
        };
        let outcome = one_attempt(
            http,
            transport,
            this,
            (attempt_started, attempt_deadline),
            request.url(),
        )
        .await;
        // Read the clock only for a subscriber that wants it.
        let elapsed = || attempt_started.elapsed().as_millis() as u64;
        let last = last_chance || attempt >= policy.max_attempts;
        let (error, wants, wait) = match outcome {
            Attempt::Reply(reply) => {
                let status = reply.status;
                tracing::info!(
                    attempt,
                    status = status.as_u16(),
                    duration_ms = elapsed(),
                    "gateway.attempt"
                );
                if !span.is_disabled() {
                    span.record("status", status.as_u16());
                }
                if status == StatusCode::UNAUTHORIZED && !reauthorized && !last {
                    reauthorized = true;
                    if api.reauthorize(&mut request, op).await {
                        continue;
                    }
                }
                let wait = retry_after(&reply.headers);
                if status.is_success() {
                    // Returned from here, not carried through the rest of the loop: a decoded
                    // reply can be kilobytes, and every move of it is a copy.
                    let error = match reply
                        .complete(sensitive)
                        .and_then(|body| decode(status, reply.headers, &body))
                    {
                        Ok(value) => return Ok(value),
                        Err(error) => error,
                    };
                    // A 2xx that does not decode (cut short, an HTML page) says nothing
                    // reliable; a request that is safe to repeat is sent again.
                    let wants = safe && matches!(error, Error::Decode { .. });
                    (error, wants, wait)
                } else {
                    let error = reply.into_error(sensitive);
                    // A garbled error reply (cut short, an HTML page) says nothing reliable
                    // either: a safe request is sent again.
                    let wants = (retryable_status(status)
                        && (safe || status == StatusCode::TOO_MANY_REQUESTS))
                        || (safe && matches!(error, Error::Decode { .. }));
                    (error, wants, wait)
                }
            }
            Attempt::Failed {
                outcome,
                timeout,
                message,
            } => {
                tracing::info!(attempt, duration_ms = elapsed(), error = %message, "gateway.attempt");
                let wants = safe || outcome == Outcome::NotSent;
                let error = Error::Transport {
                    outcome: if read && outcome == Outcome::Unknown {
                        Outcome::ReadOnly
                    } else {
                        outcome
                    },
                    timeout,
                    attempts: attempt,
                    message,
                    idempotency_key: key.clone(),
                };
                (error, wants, None)
            }
        };
        if !wants || last {
            return Err(error);
        }
        let mut pause = policy.backoff(attempt);
        if let Some(ra) = wait {
            if ra > policy.max_delay {
                return Err(error);
            }
            pause = pause.max(ra);
        }
        if deadline.is_some_and(|d| Instant::now().checked_add(pause).is_none_or(|at| at >= d)) {
            return Err(error);
        }
        tokio::time::sleep(pause).await;
    }
}

async fn one_attempt(
    http: &reqwest::Client,
    transport: &Transport,
    request: Request,
    (started, deadline): (Instant, Option<Instant>),
    url: &reqwest::Url,
) -> Attempt {
    let exchange = async {
        let mut response = http.execute(request).await?;
        // A caller-supplied client that follows redirects has already sent the request on;
        // its reply is from somewhere else and must not pass for the provider's.
        let redirected = response.url() != url;
        let status = response.status();
        // Taken, not cloned: the body is read through the response, not its headers.
        let headers = std::mem::take(response.headers_mut());
        let body = read_capped(response, transport.body_limit).await;
        Ok::<_, reqwest::Error>((redirected, status, headers, body))
    };
    // An instant rather than a duration: tokio need not read the clock again.
    let exchange = match deadline {
        Some(deadline) => {
            tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), exchange).await
        }
        None => Ok(exchange.await),
    };
    match exchange {
        Err(_) => Attempt::Failed {
            outcome: Outcome::Unknown,
            timeout: true,
            message: format!(
                "no complete reply within {:?}",
                deadline
                    .map(|d| d.saturating_duration_since(started))
                    .unwrap_or_default()
            ),
        },
        Ok(Err(e)) => Attempt::Failed {
            outcome: outcome_of(&e),
            timeout: e.is_timeout(),
            message: describe(&e),
        },
        Ok(Ok((true, ..))) => Attempt::Failed {
            outcome: Outcome::Unknown,
            timeout: false,
            message: "the HTTP client followed a redirect to another URL; build it with \
                      reqwest::redirect::Policy::none()"
                .into(),
        },
        Ok(Ok((false, status, headers, Ok(body)))) => Attempt::Reply(Reply {
            status,
            headers,
            body,
        }),
        // The provider replied, then the connection broke mid-body: it may well have acted.
        Ok(Ok((false, status, _, Err(e)))) => Attempt::Failed {
            outcome: Outcome::Unknown,
            timeout: e.is_timeout(),
            message: format!("reply {status} cut off: {}", describe(&e)),
        },
    }
}
