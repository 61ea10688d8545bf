//! Fault injection per route, for testing what clients do when the network and the provider
//! misbehave.
//!
//! A rule names a method (or any) and a path pattern; the first active rule matching a request
//! fires. Rules can fire before the handler (nothing is committed) or after it (the change is
//! committed and only the reply is damaged or lost) — the second kind is what makes blind
//! retries double-charge.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The header on every reply a fault shaped (not on dropped connections: nothing arrives).
pub const FAULT_HEADER: &str = "x-sandbox-fault";

/// What a rule does to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits `ms` milliseconds (before the handler, or after it with `after_commit`).
    Latency {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Replies with this status (normally a 5xx) and a plain-text body.
    Status {
        /// The HTTP status to reply with.
        status: u16,
    },
    /// Replies 429 with `Retry-After: <retry_after_secs>`.
    RateLimit {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Closes the connection without a reply. By default the handler runs first, so the
    /// change is committed and the client cannot know it.
    DropConnection,
    /// Replies with an HTML error page, like a load balancer or CDN in front of the API.
    Html {
        /// The HTTP status of the HTML page.
        status: u16,
    },
    /// Runs the handler and sends only the first half of its body.
    TruncatedJson,
}

impl FaultKind {
    fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Status { .. } => "status",
            FaultKind::RateLimit { .. } => "rate_limit",
            FaultKind::DropConnection => "drop_connection",
            FaultKind::Html { .. } => "html",
            FaultKind::TruncatedJson => "truncated_json",
        }
    }

    fn after_commit_by_default(&self) -> bool {
        matches!(self, FaultKind::DropConnection | FaultKind::TruncatedJson)
    }
}

/// A fault rule. In JSON (`POST /_sandbox/faults`):
/// `{"method":"POST","path":"/xpay/checkout/sessions","kind":"drop_connection","count":1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// `GET`, `POST`, …; absent = any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The path as the client sends it, API prefix included: `/xpay/checkout/sessions`.
    /// `*` or `{name}` matches one segment, a final `**` any rest; a trailing `/` and the
    /// query string are ignored.
    pub path: String,
    /// What the rule does.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Fire at most this many times, then disappear; absent = until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Fire on this fraction of matching requests (0.0–1.0); absent = every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Run the handler (commit the change) before the fault acts. Defaults to true for
    /// `drop_connection` and `truncated_json` (the latter always runs it), false otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_commit: Option<bool>,
}

impl Fault {
    /// A rule for `kind` on `path` (any method).
    pub fn new(path: impl Into<String>, kind: FaultKind) -> Self {
        Fault {
            method: None,
            path: path.into(),
            kind,
            count: None,
            probability: None,
            after_commit: None,
        }
    }

    /// Restricts the rule to one method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method.as_str().to_owned());
        self
    }

    /// Fires at most `count` times.
    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    /// Fires on a random `probability` share of matching requests.
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = Some(probability);
        self
    }

    /// Whether the handler runs before the fault acts.
    pub fn after_commit(mut self, after_commit: bool) -> Self {
        self.after_commit = Some(after_commit);
        self
    }

    fn runs_handler_first(&self) -> bool {
        matches!(self.kind, FaultKind::TruncatedJson)
            || self
                .after_commit
                .unwrap_or_else(|| self.kind.after_commit_by_default())
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(method.as_str()))
            && path_matches(&self.path, path)
    }
}

/// Identifies an added rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaultId(pub u64);

/// A rule still in force, as listed by `Faults::list` and `GET /_sandbox/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveFault {
    /// The id [`Faults::add`] returned.
    pub id: FaultId,
    /// The rule as added.
    #[serde(flatten)]
    pub fault: Fault,
    /// How often it has fired so far.
    pub fired: u32,
}

/// The rule set, shared by every API router. Clones share state.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rules: Mutex<Vec<ActiveFault>>,
    /// How often each rule fired, kept after the rule is used up or removed.
    fired: Mutex<std::collections::HashMap<FaultId, u32>>,
    next_id: AtomicU64,
    fired_total: AtomicU64,
}

impl Faults {
    /// An empty rule set.
    pub fn new() -> Self {
        Faults::default()
    }

    fn rules(&self) -> MutexGuard<'_, Vec<ActiveFault>> {
        self.inner
            .rules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule after the existing ones (earlier rules win).
    pub fn add(&self, fault: Fault) -> FaultId {
        let id = FaultId(self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1);
        self.rules().push(ActiveFault {
            id,
            fault,
            fired: 0,
        });
        id
    }

    /// Removes one rule; false if it was not there (cleared, or used up).
    pub fn remove(&self, id: FaultId) -> bool {
        let mut rules = self.rules();
        let before = rules.len();
        rules.retain(|rule| rule.id != id);
        rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules().clear();
    }

    /// The rules in force, in matching order.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.rules().clone()
    }

    /// How often rule `id` has fired, including after it was used up or removed.
    pub fn fired(&self, id: FaultId) -> u32 {
        self.inner
            .fired
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    /// How many times any rule has fired since the sandbox started.
    pub fn fired_total(&self) -> u64 {
        self.inner.fired_total.load(Ordering::Relaxed)
    }

    /// Picks the rule that fires for this request, counting it down.
    fn pick(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut rules = self.rules();
        let index = rules.iter().position(|rule| {
            rule.fault.matches(method, path)
                && rule.fault.count.is_none_or(|count| rule.fired < count)
                && rule
                    .fault
                    .probability
                    // NaN never fires; `random_bool` would panic on it.
                    .is_none_or(|p| !p.is_nan() && rand::rng().random_bool(p.clamp(0.0, 1.0)))
        })?;
        let rule = &mut rules[index];
        rule.fired += 1;
        self.inner
            .fired
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(rule.id, rule.fired);
        let fault = rule.fault.clone();
        if rule.fault.count.is_some_and(|count| rule.fired >= count) {
            rules.remove(index);
        }
        self.inner.fired_total.fetch_add(1, Ordering::Relaxed);
        Some(fault)
    }

    /// Wraps `router` so these rules apply to it. Apply it outside any path-stripping
    /// `nest`, so patterns see the path the client sent.
    pub fn apply(&self, router: Router) -> Router {
        router.layer(axum::middleware::from_fn_with_state(
            self.clone(),
            fault_middleware,
        ))
    }
}

/// Segment-wise match: `*` and `{name}` match one segment, a final `**` matches the rest.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let mut wanted = segments(pattern);
    let mut got = segments(path);
    loop {
        match (wanted.next(), got.next()) {
            (Some("**"), _) => return true,
            (None, None) => return true,
            (Some(want), Some(have)) => {
                let any = want == "*" || (want.starts_with('{') && want.ends_with('}'));
                if !any && want != have {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

async fn fault_middleware(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let Some(fault) = faults.pick(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    tracing::info!(
        method = %request.method(),
        path = request.uri().path(),
        fault = fault.kind.name(),
        "injecting fault"
    );
    let committed = if fault.runs_handler_first() {
        Some(run_to_completion(next, request).await)
    } else {
        if let FaultKind::Latency { ms } = fault.kind {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return next.run(request).await;
        }
        None
    };
    let mut response = match (fault.kind.clone(), committed) {
        (FaultKind::Latency { ms }, Some(response)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return response;
        }
        (FaultKind::Latency { .. }, None) => unreachable_response(),
        (FaultKind::Status { status }, _) => status_reply(status),
        (FaultKind::RateLimit { retry_after_secs }, _) => {
            let mut response = status_reply(429);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        (FaultKind::Html { status }, _) => html_reply(status),
        (FaultKind::DropConnection, _) => return dropped_connection(),
        (FaultKind::TruncatedJson, Some(response)) => truncate(response).await,
        (FaultKind::TruncatedJson, None) => unreachable_response(),
    };
    if let Ok(value) = HeaderValue::from_str(fault.kind.name()) {
        response.headers_mut().insert(FAULT_HEADER, value);
    }
    response
}

/// Runs the handler on its own task: the change commits even if the client hangs up (which a
/// client with a per-attempt timeout does during an after-commit latency fault).
async fn run_to_completion(next: Next, request: Request) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn unreachable_response() -> Response {
    // `runs_handler_first` is always true for truncation, and latency returns early above.
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

fn status_reply(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = format!(
        "{} {}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn html_reply(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html")], page).into_response()
}

/// A reply whose body fails before its first byte: hyper then closes the connection without
/// flushing the status line, so the client sees a connection error, not a response.
fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.slice(..body.len() / 2)))
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn patterns() {
        assert!(path_matches(
            "/xpay/checkout/sessions",
            "/xpay/checkout/sessions"
        ));
        assert!(path_matches(
            "/xpay/checkout/sessions/",
            "/xpay/checkout/sessions"
        ));
        assert!(path_matches(
            "/xpay/checkout/sessions/{id}",
            "/xpay/checkout/sessions/cs_1"
        ));
        assert!(path_matches(
            "/xpay/checkout/sessions/*/expire",
            "/xpay/checkout/sessions/cs_1/expire"
        ));
        assert!(path_matches("/xpay/**", "/xpay/refunds?limit=3"));
        assert!(path_matches("/**", "/"));
        assert!(!path_matches(
            "/xpay/checkout/sessions",
            "/xpay/checkout/sessions/cs_1"
        ));
        assert!(!path_matches(
            "/xpay/checkout/sessions/*",
            "/xpay/checkout/sessions"
        ));
        assert!(!path_matches("/xstak/**", "/xpay/refunds"));
    }
}
