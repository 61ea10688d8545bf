//! Per-client transport settings, idempotency keys, and reading a reply under a size cap.

use crate::error::Error;
use crate::retry::RetryPolicy;
use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderName;
use reqwest::{Method, Request, Response};
use std::convert::Infallible;

/// Per-client transport settings, kept in the client's inner state.
#[derive(Debug, Clone)]
pub struct Transport {
    /// Names the API in traces (`"xpay"`, `"xstak"`, `"collect"`, `"payfect"`).
    pub api: &'static str,
    /// The retry policy of every call (per call: the client's `with_retry`).
    pub retry: RetryPolicy,
    /// Replies longer than this are not read further (a hostile or broken server could send
    /// gigabytes).
    pub body_limit: usize,
    /// The header that makes a write safe to retry, when the provider has one.
    pub idempotency_header: Option<HeaderName>,
    /// JSON keys whose values are secrets (the generated `SENSITIVE_KEYS`, from the spec's
    /// `x-sensitive` marks): redacted from every snippet an error or log line quotes.
    pub sensitive: &'static [&'static str],
}

impl Transport {
    /// Settings for the API named `api`, with the default retry policy and a 4 MiB reply cap.
    pub fn new(api: &'static str) -> Self {
        Transport {
            api,
            retry: RetryPolicy::default(),
            body_limit: 4 * 1024 * 1024,
            idempotency_header: None,
            sensitive: &[],
        }
    }

    /// The header that carries the provider's idempotency key.
    pub fn idempotency_header(mut self, name: HeaderName) -> Self {
        self.idempotency_header = Some(name);
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The JSON keys to redact from snippets.
    pub fn sensitive(mut self, keys: &'static [&'static str]) -> Self {
        self.sensitive = keys;
        self
    }

    /// The idempotency key a request carries, if it carries a usable one.
    pub fn idempotency_key<'r>(&self, request: &'r Request) -> Option<&'r str> {
        let header = self.idempotency_header.as_ref()?;
        let value = request.headers().get(header)?.to_str().ok()?;
        (!value.trim().is_empty()).then_some(value)
    }

    /// Whether a request may be sent again without risk of doing the work twice: a read, or a
    /// write carrying a non-blank idempotency key (a provider treats a blank key as none).
    pub fn is_safe(&self, request: &Request) -> bool {
        is_read(request.method()) || self.idempotency_key(request).is_some()
    }
}

/// Reads change nothing at the provider, so repeating them is harmless.
pub(crate) fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A new idempotency key (UUID v4).
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Adds an idempotency key to a write that has none yet, so the key is generated once per call
/// and every retry of the call reuses it. A key the caller set but left blank is refused: the
/// provider would treat it as no key, and a retried write would then be done twice.
pub fn ensure_idempotency_key(
    request: &mut Request,
    header: &HeaderName,
) -> Result<(), Error<Infallible>> {
    if is_read(request.method()) {
        return Ok(());
    }
    match request.headers().get(header) {
        Some(v) if v.to_str().map_or(true, |s| s.trim().is_empty()) => {
            Err(Error::InvalidRequest(format!(
                "the {header} header is blank (or not text); set a non-blank key, or none to have one generated"
            )))
        }
        Some(_) => Ok(()),
        None => {
            if let Ok(v) = new_idempotency_key().parse() {
                request.headers_mut().insert(header.clone(), v);
            }
            Ok(())
        }
    }
}

/// A reply body, read under the cap.
pub(crate) enum Body {
    Complete(Bytes),
    TooLarge(Bytes),
}

pub(crate) async fn read_capped(mut response: Response, limit: usize) -> reqwest::Result<Body> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        let first = response.chunk().await?.unwrap_or_default();
        return Ok(Body::TooLarge(first));
    }
    // Most replies arrive in one chunk: that chunk is the body, without a copy. A second one
    // starts a buffer.
    let Some(first) = response.chunk().await? else {
        return Ok(Body::Complete(Bytes::new()));
    };
    if first.len() > limit {
        return Ok(Body::TooLarge(first));
    }
    let Some(second) = response.chunk().await? else {
        return Ok(Body::Complete(first));
    };
    let mut buf = BytesMut::from(first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        if buf.len() + chunk.len() > limit {
            return Ok(Body::TooLarge(buf.freeze()));
        }
        buf.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Body::Complete(buf.freeze()))
}
