//! Idempotent replay of POST requests (XPay platform `Idempotency-Key`, XStak
//! `x-idempotency-key`).
//!
//! Same key + same request → the stored response, without running the handler again. Same key +
//! different request → the provider's error. Two requests with the same key in flight at once
//! run the handler once: the second waits for the first and replays its response.
//!
//! Unconfirmed for both providers (their docs give no rules): the key lifetime (24 h, Stripe's),
//! the fingerprint (method + path + query + body bytes), the mismatch status and body, that
//! concurrent duplicates wait instead of failing, and which replies are stored (all below 500
//! except 400, 401, 403, 422 and 429, so fixing the request or credentials, or waiting out a
//! rate limit, lets the same key go through).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Api, Ctx, RequestId};

// No request bigger than this reaches the layer: the body limit outside it refuses them.
use super::MAX_BODY;

/// Most keys remembered per API. Past it, expired keys are swept first, then the oldest
/// finished ones are forgotten (a later retry with such a key runs again, as after expiry).
pub const MAX_KEYS: usize = 10_000;

/// Sent on replayed responses (Stripe's name; sandbox-only, the providers document none).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Builds the provider's error for a key reused with a different request.
pub type MismatchReply = fn(key: &str, request_id: &RequestId) -> Response;

/// Per-API settings.
#[derive(Debug, Clone)]
pub struct IdempotencyConfig {
    /// The API these settings are for.
    pub api: Api,
    /// The request header carrying the key.
    pub header: HeaderName,
    /// Builds the reply to a key reused with a different request.
    pub mismatch: MismatchReply,
    /// How long a key is remembered, on the sandbox clock.
    pub ttl: TimeDelta,
    /// The request headers that carry the caller's credentials. A replay must present the
    /// same values as the request that stored the reply: the original passed authentication
    /// (failed authentications are never stored), so equal values are valid ones.
    pub credential_headers: &'static [&'static str],
}

impl IdempotencyConfig {
    /// XPay platform: `Idempotency-Key`.
    pub fn xpay_platform() -> Self {
        IdempotencyConfig {
            api: Api::XpayPlatform,
            header: HeaderName::from_static("idempotency-key"),
            mismatch: xpay_platform_mismatch,
            ttl: TimeDelta::hours(24),
            credential_headers: &["authorization"],
        }
    }

    /// XStak: `x-idempotency-key`.
    pub fn xstak() -> Self {
        IdempotencyConfig {
            api: Api::Xstak,
            header: HeaderName::from_static("x-idempotency-key"),
            mismatch: xstak_mismatch,
            ttl: TimeDelta::hours(24),
            // Not `x-signature`: it changes with the body, so a reused key with another body
            // must still meet the mismatch rule (the handler verifies the signature itself).
            credential_headers: &["x-api-key", "x-account-id"],
        }
    }
}

/// XPay's envelope (`{error:{type,message}, request_id}`). The type and the status are
/// unconfirmed: XPay documents only that a reused key with a different body is rejected
/// ("fingerprint mismatch" in its plugin). The message follows Stripe, which XPay mirrors
/// elsewhere; the status is 409 Conflict, as for XStak: the request itself is valid, it
/// conflicts with the one the key first named (Stripe answers 400).
fn xpay_platform_mismatch(key: &str, request_id: &RequestId) -> Response {
    // Stripe's `idempotency_error` type and `idempotency_key_reused` code are not in XPay's
    // documented enums, so the reply uses the documented type and leaves `code` out.
    let body = json!({
        "error": {
            "type": "invalid_request_error",
            "message": format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
        },
        "request_id": request_id.as_str(),
    });
    (StatusCode::CONFLICT, axum::Json(body)).into_response()
}

/// XStak's failure shape as its own integrations read it (`success: false` + `message`). The
/// status (409) and the wording are unconfirmed: XStak documents no idempotency rules at all.
fn xstak_mismatch(key: &str, _request_id: &RequestId) -> Response {
    let body = json!({
        "success": false,
        "message": format!("x-idempotency-key '{key}' was already used with a different request body"),
    });
    (StatusCode::CONFLICT, axum::Json(body)).into_response()
}

#[derive(Clone)]
struct Stored {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Stored {
    fn replay(&self) -> Response {
        let mut response = Response::new(Body::from(self.body.clone()));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
            .headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        response
    }
}

enum Entry {
    InFlight {
        fingerprint: [u8; 32],
        credentials: [u8; 32],
        /// Closed (its sender dropped) when the first request finishes.
        done: tokio::sync::watch::Receiver<()>,
    },
    Done {
        fingerprint: [u8; 32],
        credentials: [u8; 32],
        stored: Stored,
        at: DateTime<Utc>,
    },
}

/// The replay store of one API. Clones share state.
#[derive(Clone)]
pub struct Idempotency {
    inner: Arc<Inner>,
}

struct Inner {
    config: IdempotencyConfig,
    ctx: Ctx,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("config", &self.inner.config)
            .field("keys", &self.entries().len())
            .finish()
    }
}

impl Idempotency {
    /// An empty store for one API, on `ctx`'s clock.
    pub fn new(ctx: Ctx, config: IdempotencyConfig) -> Self {
        Idempotency {
            inner: Arc::new(Inner {
                config,
                ctx,
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.inner
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Wraps `router`; apply it inside the request-id layer so mismatch errors carry the id.
    pub fn apply(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(
            self.clone(),
            idempotency_middleware,
        ))
    }

    fn is_fresh(&self, at: DateTime<Utc>) -> bool {
        self.inner.ctx.now() - at < self.inner.config.ttl
    }

    /// How many keys are remembered (finished or in flight).
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Keeps the store bounded before a new key goes in: every 1,024 keys (and at the cap)
    /// expired keys are swept; at the cap the oldest finished tenth is forgotten too.
    fn make_room(&self, entries: &mut HashMap<String, Entry>) {
        if entries.len() % 1024 != 1023 && entries.len() < MAX_KEYS {
            return;
        }
        entries.retain(|_, entry| match entry {
            Entry::InFlight { .. } => true,
            Entry::Done { at, .. } => self.is_fresh(*at),
        });
        if entries.len() < MAX_KEYS {
            return;
        }
        let mut finished: Vec<(DateTime<Utc>, String)> = entries
            .iter()
            .filter_map(|(key, entry)| match entry {
                Entry::Done { at, .. } => Some((*at, key.clone())),
                Entry::InFlight { .. } => None,
            })
            .collect();
        finished.sort();
        for (_, key) in finished.into_iter().take(MAX_KEYS / 10) {
            entries.remove(&key);
        }
    }
}

enum Decision {
    Run(tokio::sync::watch::Sender<()>),
    Wait(tokio::sync::watch::Receiver<()>),
    Replay(Stored),
    Mismatch,
    /// Other credentials than the original's: the handler authenticates them afresh, and the
    /// stored reply stays out of reach.
    Bypass,
}

async fn idempotency_middleware(
    State(store): State<Idempotency>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let key = match request.headers().get(&store.inner.config.header) {
        Some(value) if !value.is_empty() => match value.to_str() {
            Ok(key) => key.to_owned(),
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    "idempotency key is not visible ASCII",
                )
                    .into_response();
            }
        },
        // The XStak docs' own curl sends the header empty: that means "no key".
        _ => return next.run(request).await,
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fingerprint = fingerprint(&parts.method, &parts.uri, &body);
    let credentials = credentials(&parts.headers, store.inner.config.credential_headers);
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_default();

    loop {
        let decision = {
            let mut entries = store.entries();
            match entries.get(&key) {
                Some(Entry::Done {
                    fingerprint: stored_fp,
                    credentials: stored_creds,
                    stored,
                    at,
                }) if store.is_fresh(*at) => {
                    if *stored_creds != credentials {
                        Decision::Bypass
                    } else if *stored_fp == fingerprint {
                        Decision::Replay(stored.clone())
                    } else {
                        Decision::Mismatch
                    }
                }
                Some(Entry::InFlight {
                    fingerprint: running_fp,
                    credentials: running_creds,
                    done,
                }) => {
                    if *running_creds != credentials {
                        Decision::Bypass
                    } else if *running_fp == fingerprint {
                        Decision::Wait(done.clone())
                    } else {
                        Decision::Mismatch
                    }
                }
                _ => {
                    let (sender, done) = tokio::sync::watch::channel(());
                    store.make_room(&mut entries);
                    entries.insert(
                        key.clone(),
                        Entry::InFlight {
                            fingerprint,
                            credentials,
                            done,
                        },
                    );
                    Decision::Run(sender)
                }
            }
        };
        match decision {
            Decision::Replay(stored) => return stored.replay(),
            Decision::Mismatch => return (store.inner.config.mismatch)(&key, &request_id),
            Decision::Bypass => {
                return next.run(Request::from_parts(parts, Body::from(body))).await;
            }
            Decision::Wait(mut done) => {
                // Errs once the first request's sender is dropped, i.e. when it has finished.
                let _ = done.changed().await;
            }
            Decision::Run(sender) => {
                let request = Request::from_parts(parts, Body::from(body));
                let first = FirstRequest {
                    store: store.clone(),
                    key,
                    _done: sender,
                };
                // On its own task, so the change and the stored reply happen even if this
                // client hangs up.
                return match tokio::spawn(first.run(request, next)).await {
                    Ok(response) => response,
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                };
            }
        }
    }
}

/// Owns a key while its first request runs; whatever happens (even a panic), dropping it
/// frees the key for waiters.
struct FirstRequest {
    store: Idempotency,
    key: String,
    _done: tokio::sync::watch::Sender<()>,
}

impl FirstRequest {
    async fn run(self, request: Request, next: Next) -> Response {
        let response = next.run(request).await;
        let (parts, body) = response.into_parts();
        let body = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) => body,
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
        if storable(parts.status) {
            let mut headers = parts.headers.clone();
            headers.remove(header::DATE);
            headers.remove(header::CONTENT_LENGTH);
            let at = self.store.inner.ctx.now();
            let running = match self.store.entries().get(&self.key) {
                Some(Entry::InFlight {
                    fingerprint,
                    credentials,
                    ..
                }) => Some((*fingerprint, *credentials)),
                _ => None,
            };
            if let Some((fingerprint, credentials)) = running {
                self.store.entries().insert(
                    self.key.clone(),
                    Entry::Done {
                        fingerprint,
                        credentials,
                        stored: Stored {
                            status: parts.status,
                            headers,
                            body: body.clone(),
                        },
                        at,
                    },
                );
            }
        }
        Response::from_parts(parts, Body::from(body))
    }
}

impl Drop for FirstRequest {
    fn drop(&mut self) {
        let mut entries = self.store.entries();
        if matches!(entries.get(&self.key), Some(Entry::InFlight { .. })) {
            entries.remove(&self.key);
        }
    }
}

/// Stripe's rule, as XPay and XStak document none: a request that failed validation or auth,
/// was rate limited or hit a server error never "ran", so it leaves no result to replay and a
/// corrected request may reuse the key.
fn storable(status: StatusCode) -> bool {
    !status.is_server_error()
        && !matches!(
            status,
            StatusCode::BAD_REQUEST
                | StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::UNPROCESSABLE_ENTITY
                | StatusCode::TOO_MANY_REQUESTS
        )
}

/// A digest of the credential headers' values (absent and empty headers differ).
fn credentials(headers: &HeaderMap, names: &[&str]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for name in names {
        match headers.get(*name) {
            Some(value) => {
                hash.update([1]);
                hash.update(value.as_bytes());
            }
            None => hash.update([0]),
        }
        hash.update([0]);
    }
    hash.finalize().into()
}

fn fingerprint(method: &Method, uri: &http::Uri, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(method.as_str());
    hash.update([0]);
    hash.update(uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/"));
    hash.update([0]);
    hash.update(body);
    hash.finalize().into()
}
