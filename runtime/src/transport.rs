//! `execute`: the body of every client's `ClientHooks::exec`. It retries what is safe to retry,
//! reads replies under a size cap, checks them against the spec, and traces every attempt.

use crate::error::{Failure, Outcome, snippet};
use crate::retry::{RetryPolicy, retry_after, retryable_status};
use bytes::{Bytes, BytesMut};
use progenitor_client::OperationInfo;
use reqwest::header::HeaderName;
use reqwest::{Method, Request, Response, StatusCode};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The status of a synthetic reply that carries a [`Failure`] past the generated code: no spec
/// may list it (the lint forbids `default` responses), so the generated code hands the reply
/// back untouched as `UnexpectedResponse`, and [`crate::Error`]'s conversion reads the failure.
const DIVERTED: u16 = 999;

/// A generated module's `check_response`: for an operation and status, whether the body decodes
/// into the promised type (`None`: the spec does not list that status).
pub type CheckFn = fn(&str, u16, &[u8]) -> Option<Result<(), String>>;

/// Per-client transport settings, kept in the client's inner state.
#[derive(Debug, Clone)]
pub struct Transport {
    /// Names the API in traces (`"xpay"`, `"xstak"`, `"collect"`, `"payfect"`).
    pub api: &'static str,
    pub retry: RetryPolicy,
    /// Replies longer than this are not read further (a hostile or broken server could send
    /// gigabytes).
    pub body_limit: usize,
    /// The header that makes a write safe to retry, when the provider has one.
    pub idempotency_header: Option<HeaderName>,
}

impl Transport {
    pub fn new(api: &'static str) -> Self {
        Transport {
            api,
            retry: RetryPolicy::default(),
            body_limit: 4 * 1024 * 1024,
            idempotency_header: None,
        }
    }

    pub fn idempotency_header(mut self, name: HeaderName) -> Self {
        self.idempotency_header = Some(name);
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Whether a request may be sent again without risk of doing the work twice.
    pub fn is_safe(&self, request: &Request) -> bool {
        matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        ) || self
            .idempotency_header
            .as_ref()
            .is_some_and(|h| request.headers().contains_key(h))
    }
}

/// A new idempotency key (UUID v4).
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Adds an idempotency key to a write that has none yet. Called from `pre` hooks, so the key is
/// generated once per call and every retry of the call reuses it.
pub fn ensure_idempotency_key(request: &mut Request, header: &HeaderName) {
    if request.method() != Method::GET
        && !request.headers().contains_key(header)
        && let Ok(v) = new_idempotency_key().parse()
    {
        request.headers_mut().insert(header.clone(), v);
    }
}

enum Attempt {
    Reply {
        status: StatusCode,
        response: Response,
    },
    /// `retry_after`: the reply's `Retry-After`, kept when its body is diverted (a 429 or 503
    /// whose body is not what the spec promises still says when to come back).
    Failed {
        failure: Failure,
        retry_after: Option<Duration>,
    },
}

impl Attempt {
    fn failed(failure: Failure) -> Attempt {
        Attempt::Failed {
            failure,
            retry_after: None,
        }
    }
}

/// Sends `request` under `transport`'s policy. Never returns a reqwest error: failures the
/// generated code cannot express travel as a diverted reply (see [`DIVERTED`]).
pub async fn execute(
    client: &reqwest::Client,
    transport: &Transport,
    request: Request,
    info: &OperationInfo,
    check: CheckFn,
) -> reqwest::Result<Response> {
    let span = tracing::info_span!(
        "gateway.call",
        api = transport.api,
        operation_id = info.operation_id,
        method = %request.method(),
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    async move {
        let started = Instant::now();
        let result = run(client, transport, request, info, check).await;
        let span = tracing::Span::current();
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            (attempts, Attempt::Reply { status, .. }) => {
                span.record("attempts", attempts);
                span.record("status", status.as_u16());
            }
            (attempts, Attempt::Failed { .. }) => {
                span.record("attempts", attempts);
            }
        }
        Ok(match result.1 {
            Attempt::Reply { response, .. } => response,
            Attempt::Failed { failure, .. } => diverted(failure),
        })
    }
    .instrument(span)
    .await
}

async fn run(
    client: &reqwest::Client,
    transport: &Transport,
    request: Request,
    info: &OperationInfo,
    check: CheckFn,
) -> (u32, Attempt) {
    let policy = &transport.retry;
    let safe = transport.is_safe(&request);
    let started = Instant::now();
    let deadline = policy.deadline.map(|d| started + d);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let timeout = remaining.map_or(policy.per_attempt_timeout, |r| {
            r.min(policy.per_attempt_timeout)
        });
        let Some(this) = request.try_clone() else {
            // A streaming body can be sent only once (generated JSON bodies always replay).
            let outcome = one_attempt(client, transport, request, timeout, info, check).await;
            return (attempt, stamp(outcome, attempt));
        };
        let attempt_started = Instant::now();
        let outcome = one_attempt(client, transport, this, timeout, info, check).await;
        let elapsed = attempt_started.elapsed();
        let (retry, wait) = match &outcome {
            Attempt::Reply { status, response } => {
                tracing::info!(
                    attempt,
                    status = status.as_u16(),
                    duration_ms = elapsed.as_millis() as u64,
                    "gateway.attempt"
                );
                let wants =
                    retryable_status(*status) && (safe || *status == StatusCode::TOO_MANY_REQUESTS);
                (wants, retry_after(response.headers()))
            }
            Attempt::Failed {
                failure: f,
                retry_after: hint,
            } => {
                let timeout = matches!(f, Failure::Transport { timeout: true, .. });
                tracing::info!(
                    attempt,
                    duration_ms = elapsed.as_millis() as u64,
                    timeout,
                    error = %failure_kind(f),
                    "gateway.attempt"
                );
                // A proxy's HTML 502 fails decoding but is as transient as a JSON 502.
                let wants = match f {
                    Failure::Transport { outcome, .. } => safe || *outcome == Outcome::NotSent,
                    Failure::Decode { status, .. } | Failure::UnexpectedStatus { status, .. } => {
                        retryable_status(*status)
                            && (safe || *status == StatusCode::TOO_MANY_REQUESTS)
                    }
                };
                (wants, *hint)
            }
        };
        if !retry || attempt >= policy.max_attempts {
            return (attempt, stamp(outcome, attempt));
        }
        let mut pause = policy.backoff(attempt);
        if let Some(ra) = wait {
            if ra > policy.max_delay {
                return (attempt, stamp(outcome, attempt));
            }
            pause = pause.max(ra);
        }
        if deadline.is_some_and(|d| Instant::now() + pause >= d) {
            return (attempt, stamp(outcome, attempt));
        }
        tokio::time::sleep(pause).await;
    }
}

fn failure_kind(f: &Failure) -> String {
    match f {
        Failure::Decode { reason, .. } => format!("decode: {reason}"),
        Failure::UnexpectedStatus { status, .. } => format!("unexpected status {status}"),
        Failure::Transport { message, .. } => message.clone(),
    }
}

/// Records how many attempts a transport failure took.
fn stamp(outcome: Attempt, attempts: u32) -> Attempt {
    match outcome {
        Attempt::Failed {
            failure:
                Failure::Transport {
                    outcome,
                    timeout,
                    message,
                    ..
                },
            retry_after,
        } => Attempt::Failed {
            failure: Failure::Transport {
                outcome,
                timeout,
                attempts,
                message,
            },
            retry_after,
        },
        other => other,
    }
}

async fn one_attempt(
    client: &reqwest::Client,
    transport: &Transport,
    request: Request,
    timeout: Duration,
    info: &OperationInfo,
    check: CheckFn,
) -> Attempt {
    let exchange = async {
        let response = client.execute(request).await?;
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = read_capped(response, transport.body_limit).await;
        Ok::<_, reqwest::Error>((status, version, headers, body))
    };
    let (status, version, headers, body) = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => {
            return Attempt::failed(Failure::Transport {
                outcome: Outcome::Unknown,
                timeout: true,
                attempts: 0,
                message: format!("no complete reply within {timeout:?}"),
            });
        }
        Ok(Err(e)) => return Attempt::failed(Failure::from_reqwest(&e, 0)),
        Ok(Ok(parts)) => parts,
    };
    let hinted = |failure: Failure| Attempt::Failed {
        failure,
        retry_after: retry_after(&headers),
    };
    let body = match body {
        Ok(Body::Complete(b)) => b,
        Ok(Body::TooLarge(prefix)) => {
            return hinted(Failure::Decode {
                status,
                reason: format!("body exceeds the {} byte cap", transport.body_limit),
                snippet: snippet(&prefix),
            });
        }
        // The provider replied, then the connection broke mid-body: it may well have acted.
        Err(e) => {
            return Attempt::failed(Failure::Transport {
                outcome: Outcome::Unknown,
                timeout: e.is_timeout(),
                attempts: 0,
                message: format!("reply {status} cut off: {}", crate::error::describe(&e)),
            });
        }
    };
    // Errors report the status that came over the wire; only a good reply is relabelled.
    let (relabelled, verdict) = match check(info.operation_id, status.as_u16(), &body) {
        None if status.is_success() => documented_success(info.operation_id, status, &body, check),
        verdict => (status, verdict),
    };
    match verdict {
        Some(Ok(())) => {}
        Some(Err(reason)) => {
            let reason = if body.is_empty() {
                "empty body".to_string()
            } else if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
                format!("not JSON: {reason}")
            } else {
                reason
            };
            return hinted(Failure::Decode {
                status,
                reason,
                snippet: snippet(&body),
            });
        }
        None => {
            return hinted(Failure::UnexpectedStatus {
                status,
                snippet: snippet(&body),
            });
        }
    }
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = relabelled;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Attempt::Reply {
        status,
        response: Response::from(rebuilt),
    }
}

/// Providers' docs often say "200" where their framework answers `201 Created` or `204`; treating
/// a created resource as an error would invite a duplicate. So a 2xx the spec does not list is
/// read as the one success status it does list (found by asking the generated table), and the
/// reply is relabelled so the generated code decodes it.
fn documented_success(
    operation_id: &str,
    status: StatusCode,
    body: &[u8],
    check: CheckFn,
) -> (StatusCode, Option<Result<(), String>>) {
    let documented = (200u16..300)
        .find(|s| check(operation_id, *s, &[]).is_some())
        .and_then(|s| StatusCode::from_u16(s).ok());
    match documented {
        Some(d) => (d, check(operation_id, d.as_u16(), body)),
        None => (status, None),
    }
}

enum Body {
    Complete(Bytes),
    TooLarge(Bytes),
}

async fn read_capped(mut response: Response, limit: usize) -> reqwest::Result<Body> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        let first = response.chunk().await?.unwrap_or_default();
        return Ok(Body::TooLarge(first));
    }
    let mut buf = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if buf.len() + chunk.len() > limit {
            return Ok(Body::TooLarge(buf.freeze()));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Body::Complete(buf.freeze()))
}

fn diverted(failure: Failure) -> Response {
    let mut rebuilt = http::Response::new(Bytes::new());
    if let Ok(s) = StatusCode::from_u16(DIVERTED) {
        *rebuilt.status_mut() = s;
    }
    rebuilt.extensions_mut().insert(failure);
    Response::from(rebuilt)
}
