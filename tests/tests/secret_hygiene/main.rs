//! Secrets stay secret, and calls stay observable.
//!
//! One tour across the four APIs, with faults: create, settle, verify the webhook, retrieve,
//! refund where the API has refunds, and calls that fail (unknown ids, wrong keys, HTML pages,
//! dropped connections). Everything `tracing` emits at TRACE level (and `log` records, bridged)
//! is captured, together with the `Debug` and `Display` text of every client, builder,
//! credential, verifier, request builder, response, event and error the tour touches. No secret
//! may appear in any of it: the sandbox's keys and webhook secrets, the Fernet key, the wrong
//! keys the tour tries, XStak's `pi_client_secret`s, and any JWT (Collect's access tokens).
//!
//! The same capture must show each call's `gateway.call` span with its API, operation id,
//! attempts and status, and a `gateway.attempt` event per attempt with its number, status and
//! duration, so the test fails if that tracing disappears.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use http::Method;
use paygate_runtime::{ExposeSecret, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

mod collect;
mod payfect;
mod xpay;
mod xstak;

use collect::collect_tour;
use payfect::payfect_tour;
use xpay::xpay_tour;
use xstak::xstak_tour;

// ------------------------------------------------------------------------------------------
// Capturing everything
// ------------------------------------------------------------------------------------------

/// Where every trace line goes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// A TRACE-level subscriber for the whole test binary, with span lifecycle events (so the
/// fields recorded when a call ends are printed too) and `log` records bridged in.
fn capture() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_target(true)
            .with_writer(buffer.clone())
            .finish()
            .try_init()
            .expect("the only subscriber of this test binary");
        buffer
    })
}

/// `Debug` and `Display` text of what the tour touches, and whether it is a value the API
/// returned (which may legitimately carry a per-resource secret such as XStak's
/// `pi_client_secret`) or anything else (clients, builders, credentials, verifiers, errors).
#[derive(Default)]
struct Seen(Vec<(String, bool, String)>);

impl Seen {
    fn push(&mut self, what: &str, returned: bool, value: &dyn std::fmt::Debug) {
        self.0
            .push((what.to_string(), returned, format!("{value:?}")));
        self.0
            .push((what.to_string(), returned, format!("{value:#?}")));
    }

    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.push(what, false, value);
    }

    fn both<T: std::fmt::Debug + std::fmt::Display>(&mut self, what: &str, value: &T) {
        self.push(what, false, value);
        self.0.push((what.to_string(), false, value.to_string()));
    }

    /// A result: the value's `Debug`, or the error's `Debug` and `Display`.
    fn result<T: std::fmt::Debug, E: std::fmt::Debug + std::fmt::Display>(
        &mut self,
        what: &str,
        result: &Result<T, E>,
    ) {
        match result {
            Ok(v) => self.push(what, true, v),
            Err(e) => self.both(what, e),
        }
    }

    /// A value the sandbox returned (`settle`), like an API reply.
    fn returned(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.push(what, true, value);
    }
}

/// The secret strings and, for long ones, their last 16 characters (a truncated leak is a
/// leak too).
fn needles(secrets: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for s in secrets {
        if s.is_empty() {
            continue;
        }
        out.push(s.clone());
        let chars: Vec<char> = s.chars().collect();
        if chars.len() > 20 {
            out.push(chars[chars.len() - 16..].iter().collect());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every JWT starts with a base64url JSON header: `eyJ` is `{"`. Collect's tokens are JWTs, so
/// any `eyJ….eyJ…` in the output is a token, whichever one.
fn contains_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(i, _)| {
        let rest = &text[i..];
        let head: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        rest[head.len()..].starts_with(".eyJ")
    })
}

// ------------------------------------------------------------------------------------------
// Webhook receiver
// ------------------------------------------------------------------------------------------

type Received = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// One merchant endpoint for all four APIs; the path says which.
async fn receiver(sandbox: &Sandbox) -> Received {
    let got: Received = Arc::default();
    let recorded = got.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: HeaderMap, body: Bytes| {
            let recorded = recorded.clone();
            async move {
                recorded.lock().unwrap_or_else(|p| p.into_inner()).push((
                    uri.path().to_string(),
                    headers,
                    body,
                ));
                StatusCode::OK
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    for api in Api::ALL {
        sandbox.set_webhook_receiver(Some(api), format!("{base}/hooks/{}", api.as_str()));
    }
    got
}

async fn delivered(got: &Received, api: Api, n: usize) -> Vec<(HeaderMap, Bytes)> {
    let path = format!("/hooks/{}", api.as_str());
    for _ in 0..1000 {
        let found: Vec<(HeaderMap, Bytes)> = got
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(p, _, _)| *p == path)
            .map(|(_, h, b)| (h.clone(), b.clone()))
            .collect();
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {n} {api} webhooks arrived");
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(1500))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn once(path: &str, method: Method, kind: FaultKind) -> Fault {
    Fault::new(path, kind).method(method).times(1)
}

// ------------------------------------------------------------------------------------------
// The tour
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_trace_debug_or_display_output() {
    let buffer = capture();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let got = receiver(&sandbox).await;
    let creds = sandbox.creds().clone();
    let mut seen = Seen::default();
    let mut secrets: Vec<String> = creds.secret_values();
    seen.debug("sandbox credentials", &creds);
    seen.debug("sandbox", &sandbox);

    xpay_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    let mut url_secrets = Vec::new();
    xstak_tour(&sandbox, &got, &mut seen, &mut secrets, &mut url_secrets).await;
    collect_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    payfect_tour(&sandbox, &got, &mut seen, &mut secrets).await;
    sandbox
        .webhooks()
        .wait_idle(Duration::from_secs(10))
        .await
        .ok();
    sandbox.shutdown().await;

    let traces = buffer.text();
    // For a look at what is captured: HYGIENE_TRACES=/tmp/traces.txt cargo test …
    if let Some(path) = std::env::var_os("HYGIENE_TRACES") {
        std::fs::write(path, &traces).expect("write the traces");
    }
    let url_needles = needles(&url_secrets);
    let needles = needles(&secrets);
    assert!(
        needles.len() >= 12,
        "the secrets to look for: {}",
        needles.len()
    );
    assert!(!url_needles.is_empty(), "no pi_client_secret to look for");
    let mut leaks = Vec::new();
    for (needle, anywhere) in needles
        .iter()
        .map(|n| (n, true))
        .chain(url_needles.iter().map(|n| (n, false)))
    {
        if let Some(line) = traces.lines().find(|l| l.contains(needle.as_str())) {
            leaks.push(format!("trace line: {line}"));
        }
        for (what, returned, text) in &seen.0 {
            if (anywhere || !returned) && text.contains(needle.as_str()) {
                leaks.push(format!("{what}: {text}"));
            }
        }
    }
    if let Some(line) = traces.lines().find(|l| contains_jwt(l)) {
        leaks.push(format!("a JWT in a trace line: {line}"));
    }
    for (what, _, text) in &seen.0 {
        if contains_jwt(text) {
            leaks.push(format!("a JWT in {what}: {text}"));
        }
    }
    let scanned: usize = seen.0.iter().map(|(_, _, t)| t.len()).sum();
    println!(
        "scanned {} trace lines ({} bytes) and {} Debug/Display strings ({scanned} bytes) for {} \
         secret values (+{} URL secrets): {} leaks",
        traces.lines().count(),
        traces.len(),
        seen.0.len(),
        needles.len(),
        url_needles.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));

    assert_observable(&traces);
}

/// The call spans and attempt events are there, with their fields, for every API; a retried
/// call shows its second attempt.
fn assert_observable(traces: &str) {
    let calls: Vec<&str> = traces
        .lines()
        .filter(|l| l.contains("gateway.call{"))
        .collect();
    for (api, operation) in [
        ("xpay", "create_customer"),
        ("xstak", "create_checkout_link"),
        ("collect", "create_collection"),
        ("payfect", "create_checkout"),
    ] {
        let of_call: Vec<&&str> = calls
            .iter()
            .filter(|l| {
                field(l, "api").as_deref() == Some(api)
                    && field(l, "operation_id").as_deref() == Some(operation)
            })
            .collect();
        assert!(
            !of_call.is_empty(),
            "no gateway.call span for {api} {operation}"
        );
        let attempt = of_call
            .iter()
            .find(|l| l.contains("gateway.attempt"))
            .unwrap_or_else(|| panic!("no gateway.attempt event in {api} {operation}"));
        for name in ["attempt", "duration_ms"] {
            assert!(field(attempt, name).is_some(), "{name} missing: {attempt}");
        }
        assert!(
            of_call
                .iter()
                .any(|l| l.contains("gateway.attempt") && field(l, "status").is_some()),
            "no attempt of {api} {operation} records a status"
        );
        // When the call ends its span carries the outcome: attempts made, final status.
        assert!(
            of_call.iter().any(|l| l.contains(" close")
                && field(l, "attempts").is_some()
                && field(l, "status").is_some()),
            "the closed span of {api} {operation} has no attempts/status"
        );
    }
    // The XPay create met a dropped connection first: its retry is visible.
    assert!(
        calls.iter().any(|l| {
            field(l, "operation_id").as_deref() == Some("create_customer")
                && l.contains("gateway.attempt")
                && field(l, "attempt").as_deref() == Some("2")
                && field(l, "status").as_deref() == Some("200")
        }),
        "the retried create_customer shows no second attempt"
    );
    println!(
        "observability: {} lines inside gateway.call spans",
        calls.len()
    );
}

/// `name=value` or `name="value"` in a formatted trace line.
fn field(line: &str, name: &str) -> Option<String> {
    let pattern = format!("{name}=");
    let mut from = 0;
    while let Some(i) = line[from..].find(&pattern) {
        let at = from + i;
        let boundary = at == 0
            || !line[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if boundary {
            let value = &line[at + pattern.len()..];
            let value = value.strip_prefix('"').map_or_else(
                || value.split([' ', '}', ',', ':']).next().unwrap_or(""),
                |quoted| quoted.split('"').next().unwrap_or(""),
            );
            return Some(value.to_string());
        }
        from = at + pattern.len();
    }
    None
}
