//! Exactly once under faults: for each API, 200 logical creates against the sandbox while it
//! drops connections after committing, answers 502, rate-limits with `Retry-After`, and
//! replies slower than the client's per-attempt timeout.
//!
//! - XPay platform (`Idempotency-Key`), XStak (`x-idempotency-key`, opted in) and Collect
//!   (`orderId` resolution): every logical create returns its resource, and the server holds
//!   exactly one resource per logical create.
//! - Payfect documents no idempotency key, so the client never re-sends a create whose outcome
//!   is unknown: a 429 is retried (nothing was processed), a 502 is returned as an error (it may
//!   come from a proxy after the provider acted), a dropped connection or a timeout is an
//!   `outcome unknown` error. What is asserted is exactly that, plus: never a duplicate.
//! - XStak's default (the key's meaning is unconfirmed, so writes are not retried on an unknown
//!   outcome) is checked the same honest way.
//!
//! Each test prints its counts (`-- --nocapture`): logical creates, HTTP attempts, faults
//! injected by kind, resources on the server, duplicates, client errors.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use http::Method;
use paygate_runtime::RetryPolicy;
use paygate_sandbox::core::faults::ActiveFault;
use paygate_sandbox::{Api, Fault, FaultId, FaultKind, Faults, Sandbox};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

mod collect;
mod payfect;
mod retry_after;
mod xpay_platform;
mod xstak;

const LOGICAL_CREATES: usize = 200;
const CONCURRENCY: usize = 16;
/// Replies this slow miss the per-attempt timeout below.
const SLOW_REPLY_MS: u64 = 700;

/// Small backoffs and a short per-attempt timeout, so hundreds of faulted creates take
/// seconds. `max_delay` must exceed the sandbox's `Retry-After: 1`, or the hint is not waited
/// for.
fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(10)
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(1500))
        .per_attempt_timeout(Duration::from_millis(300))
        .deadline(Some(Duration::from_secs(30)))
}

// ------------------------------------------------------------------------------------------
// Attempts, counted from the runtime's own traces
// ------------------------------------------------------------------------------------------

type AttemptCounts = Arc<Mutex<HashMap<(String, String), u64>>>;

/// Counts `gateway.attempt` events per (api, operation id) of their `gateway.call` span.
struct AttemptCounter {
    counts: AttemptCounts,
}

#[derive(Default)]
struct CallFields {
    api: String,
    operation_id: String,
}

impl Visit for CallFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "api" => self.api = value.to_string(),
            "operation_id" => self.operation_id = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S> Layer<S> for AttemptCounter
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "gateway.call" {
            return;
        }
        let mut fields = CallFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut message = Message::default();
        event.record(&mut message);
        if message.0 != "gateway.attempt" {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        for span in span.scope() {
            if let Some(call) = span.extensions().get::<CallFields>() {
                let key = (call.api.clone(), call.operation_id.clone());
                *self
                    .counts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(key)
                    .or_default() += 1;
                return;
            }
        }
    }
}

/// The process-wide counter (tests of this file run in parallel; each reads its own API).
fn attempt_counts() -> &'static AttemptCounts {
    static COUNTS: OnceLock<AttemptCounts> = OnceLock::new();
    COUNTS.get_or_init(|| {
        let counts = AttemptCounts::default();
        let subscriber = tracing_subscriber::registry().with(AttemptCounter {
            counts: counts.clone(),
        });
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        counts
    })
}

fn attempts(api: &str, operation_id: &str) -> u64 {
    attempt_counts()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&(api.to_string(), operation_id.to_string()))
        .copied()
        .unwrap_or(0)
}

// ------------------------------------------------------------------------------------------
// Faults and the report
// ------------------------------------------------------------------------------------------

/// The fault rules on one create route, by label.
struct FaultPlan {
    rules: Vec<(&'static str, FaultId, u32)>,
}

/// Probabilistic faults on `path`, each capped so every create can still get through within
/// `fast_policy().max_attempts`. Together they hit about a third of the attempts.
fn inject_faults(faults: &Faults, path: &str) -> FaultPlan {
    let mut rules = Vec::new();
    let mut add =
        |label: &'static str, kind: FaultKind, p: f64, count: u32, after: Option<bool>| {
            let mut fault = Fault::new(path, kind)
                .method(Method::POST)
                .probability(p)
                .times(count);
            if let Some(after) = after {
                fault = fault.after_commit(after);
            }
            rules.push((label, faults.add(fault), count));
        };
    add(
        "drop after commit",
        FaultKind::DropConnection,
        0.10,
        25,
        None,
    );
    add("502", FaultKind::Status { status: 502 }, 0.10, 25, None);
    add(
        "429 + Retry-After: 1",
        FaultKind::RateLimit {
            retry_after_secs: 1,
        },
        0.05,
        10,
        None,
    );
    add(
        "slow, after commit",
        FaultKind::Latency { ms: SLOW_REPLY_MS },
        0.06,
        12,
        Some(true),
    );
    add(
        "slow, before commit",
        FaultKind::Latency { ms: SLOW_REPLY_MS },
        0.03,
        6,
        Some(false),
    );
    FaultPlan { rules }
}

impl FaultPlan {
    /// How often each rule fired: a rule still listed says so; a rule no longer listed used
    /// up its count.
    fn fired(&self, faults: &Faults) -> Vec<(&'static str, u32)> {
        let active: Vec<ActiveFault> = faults.list();
        self.rules
            .iter()
            .map(|(label, id, count)| {
                let fired = active
                    .iter()
                    .find(|a| a.id == *id)
                    .map_or(*count, |a| a.fired);
                (*label, fired)
            })
            .collect()
    }
}

struct Report {
    api: &'static str,
    logical: usize,
    attempts: u64,
    faults: Vec<(&'static str, u32)>,
    on_server: usize,
    duplicates: usize,
    returned: usize,
    errors: BTreeMap<String, usize>,
}

impl Report {
    fn print(&self) {
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(label, n)| format!("{label}: {n}"))
            .collect();
        let total: u32 = self.faults.iter().map(|(_, n)| n).sum();
        let errors = if self.errors.is_empty() {
            "none".to_string()
        } else {
            self.errors
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "\n| API | logical creates | attempts | faults injected | resources on server | duplicates | returned to caller | client errors |\n\
             |---|---|---|---|---|---|---|---|\n\
             | {} | {} | {} | {} ({}) | {} | {} | {} | {} |\n",
            self.api,
            self.logical,
            self.attempts,
            total,
            faults.join(", "),
            self.on_server,
            self.duplicates,
            self.returned,
            errors
        );
    }
}

/// Runs `create(i)` for every logical create, `CONCURRENCY` at a time.
async fn run_all<T, F, Fut>(create: F) -> Vec<(usize, T)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    futures::stream::iter(0..LOGICAL_CREATES)
        .map(|i| {
            let fut = create(i);
            async move { (i, fut.await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// A short name for an error, for the report.
fn error_kind<E: std::fmt::Debug>(e: &paygate_runtime::Error<E>) -> String {
    use paygate_runtime::Error as E;
    match e {
        E::Transport { outcome, .. } if e.outcome_unknown() => {
            format!("transport ({outcome:?}): outcome unknown")
        }
        E::Transport { outcome, .. } => format!("transport ({outcome:?})"),
        E::Api { status, .. } => format!("api {}", status.as_u16()),
        E::Decode { status, .. } => format!("undecodable {}", status.as_u16()),
        E::UnexpectedStatus { status, .. } => format!("unexpected {}", status.as_u16()),
        E::InvalidRequest(m) => format!("invalid request: {m}"),
        E::Client(m) => format!("client: {m}"),
        _ => "other".to_string(),
    }
}

/// Every kind of fault fired, and retries happened: otherwise the test proved nothing.
fn assert_faults_fired(report: &Report) {
    for (label, n) in &report.faults {
        assert!(*n > 0, "{}: no `{label}` fault fired", report.api);
    }
    assert!(
        report.attempts > report.logical as u64,
        "{}: no retries were made",
        report.api
    );
}
