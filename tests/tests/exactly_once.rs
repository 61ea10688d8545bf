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

// ------------------------------------------------------------------------------------------
// XPay platform: customers, `Idempotency-Key`
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xpay_platform_creates_exactly_once() {
    use xpay_client::platform::{Client, types};
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(fast_policy())
        .build()
        .expect("valid configuration");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let email = |i: usize| format!("eo-{}-{i:04}@example.com", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/xpay/customers");
    let results = run_all(|i| {
        let client = client.clone();
        let email = email(i);
        async move {
            let body = types::CreateCustomerRequest::builder()
                .email(Some(email))
                .name(Some(format!("Exactly Once {i}")));
            client
                .create_customer()
                .body(body)
                .send()
                .await
                .map(progenitor_client::ResponseValue::into_inner)
        }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    // The server's view, through its list endpoint.
    let listed: Vec<types::CustomerListItem> = client
        .list_customers()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .expect("list customers");
    let mut by_email: HashMap<String, Vec<String>> = HashMap::new();
    for c in &listed {
        if let Some(Some(e)) = &c.email {
            by_email.entry(e.clone()).or_default().push(c.id.clone());
        }
    }

    let mut errors = BTreeMap::new();
    let mut returned = 0;
    for (i, result) in &results {
        let on_server = by_email.get(&email(*i)).cloned().unwrap_or_default();
        assert_eq!(
            on_server.len(),
            1,
            "create {i}: {on_server:?} on the server"
        );
        match result {
            Ok(customer) => {
                returned += 1;
                assert_eq!(
                    customer.id, on_server[0],
                    "create {i} returned another customer"
                );
            }
            Err(e) => *errors.entry(error_kind(e)).or_insert(0) += 1,
        }
    }
    let report = Report {
        api: "xpay platform (POST /customers, Idempotency-Key)",
        logical: LOGICAL_CREATES,
        attempts: attempts("xpay", "create_customer"),
        on_server: (0..LOGICAL_CREATES)
            .map(|i| by_email.get(&email(i)).map_or(0, Vec::len))
            .sum(),
        duplicates: by_email
            .values()
            .map(|ids| ids.len().saturating_sub(1))
            .sum(),
        faults,
        returned,
        errors,
    };
    report.print();
    assert!(
        report.errors.is_empty(),
        "every create must return its customer"
    );
    assert_eq!(report.returned, LOGICAL_CREATES);
    assert_eq!(report.duplicates, 0);
    assert_faults_fired(&report);
    sandbox.shutdown().await;
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

// ------------------------------------------------------------------------------------------
// XStak: checkout links, `x-idempotency-key`
// ------------------------------------------------------------------------------------------

/// The XStak sandbox as `Sandbox::start` builds it (idempotent replay inside request ids
/// inside fault injection), plus a ledger of the checkout links its handler created: the
/// sandbox has no list endpoint or accessor for XStak intents.
mod xstak_server {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::middleware::Next;
    use axum::response::Response;
    use paygate_sandbox::apis::XstakSandbox;
    use paygate_sandbox::core::idempotency::{Idempotency, IdempotencyConfig};
    use paygate_sandbox::core::server::Server;
    use paygate_sandbox::core::{Ctx, WebhookConfig};

    /// `(metadata.order_reference, _id)` of every intent the handler created.
    pub(super) type Ledger = Arc<Mutex<Vec<(String, String)>>>;

    pub(super) struct XstakServer {
        pub ctx: Ctx,
        pub ledger: Ledger,
        pub base_url: String,
        pub server: Server,
    }

    async fn record_creates(
        State(ledger): State<Ledger>,
        request: Request,
        next: Next,
    ) -> Response {
        let create = request.method() == Method::POST
            && request
                .uri()
                .path()
                .ends_with("/public/v1/payment/checkout");
        let response = next.run(request).await;
        if !create || !response.status().is_success() {
            return response;
        }
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        if let Ok(reply) = serde_json::from_slice::<Value>(&bytes)
            && reply["success"] == json!(true)
        {
            let text = |p: &str| reply.pointer(p).and_then(Value::as_str).map(str::to_string);
            ledger.lock().unwrap_or_else(|p| p.into_inner()).push((
                text("/data/metadata/order_reference").unwrap_or_default(),
                text("/data/_id").unwrap_or_default(),
            ));
        }
        Response::from_parts(parts, Body::from(bytes))
    }

    pub(super) async fn start() -> XstakServer {
        let ctx = Ctx::new(WebhookConfig::default());
        let ledger = Ledger::default();
        let api =
            XstakSandbox::new(ctx.clone())
                .router()
                .layer(axum::middleware::from_fn_with_state(
                    ledger.clone(),
                    record_creates,
                ));
        let api = Idempotency::new(ctx.clone(), IdempotencyConfig::xstak()).apply(api);
        let app = Router::new().nest(
            Api::Xstak.prefix(),
            paygate_sandbox::core::request_id::apply(api, None),
        );
        let app = ctx.faults().apply(app);
        let server = Server::bind(app, 0).await.expect("bind loopback");
        let base_url = format!("{}{}", server.url(), Api::Xstak.prefix());
        XstakServer {
            ctx,
            ledger,
            base_url,
            server,
        }
    }
}

fn xstak_checkout(order_reference: &str) -> xpay_client::xstak::types::CheckoutRequest {
    serde_json::from_value(json!({
        "amount": 1500.5,
        "currency": "PKR",
        "customer": {"name": "Ali", "email": "ali@example.pk", "phone": "03001234567"},
        "metadata": {"order_reference": order_reference},
        "success_url": "https://shop.example.pk/paid",
        "failure_url": "https://shop.example.pk/failed"
    }))
    .expect("a valid checkout request")
}

fn xstak_client(server: &xstak_server::XstakServer, trust_key: bool) -> xpay_client::xstak::Client {
    use xpay_client::xstak::{Client, Credentials};
    let creds = server.ctx.creds();
    Client::staging(Credentials::new(
        creds.xstak_api_key.clone(),
        creds.xstak_account_id.clone(),
        creds.xstak_api_hmac_secret.clone(),
    ))
    .base_url(&server.base_url)
    .retry(fast_policy())
    .retry_writes_with_idempotency_key(trust_key)
    .build()
    .expect("valid XStak settings")
}

fn ledger_by_reference(ledger: &xstak_server::Ledger) -> HashMap<String, Vec<String>> {
    let mut by_ref: HashMap<String, Vec<String>> = HashMap::new();
    for (reference, id) in ledger.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        by_ref
            .entry(reference.clone())
            .or_default()
            .push(id.clone());
    }
    by_ref
}

/// Both XStak runs share the attempt counter (api `xstak`, `create_checkout_link`), so they
/// run one after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xstak_exactly_once_when_the_key_is_trusted_and_never_repeated_by_default() {
    attempt_counts();
    let server = xstak_server::start().await;
    xstak_default_never_repeats_an_unknown_outcome(&server).await;
    xstak_creates_exactly_once_with_the_idempotency_key(&server).await;
    server.server.shutdown().await;
}

async fn xstak_creates_exactly_once_with_the_idempotency_key(server: &xstak_server::XstakServer) {
    use xpay_client::xstak::EnvelopeExt;
    let attempts_before = attempts("xstak", "create_checkout_link");
    let client = xstak_client(server, true);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let reference = |i: usize| format!("eo-{}-{i:04}", &run[..8]);

    let plan = inject_faults(server.ctx.faults(), "/xstak/public/v1/payment/checkout");
    let results = run_all(|i| {
        let client = client.clone();
        let body = xstak_checkout(&reference(i));
        async move { client.create_checkout_link().body(body).send().await.data() }
    })
    .await;
    let faults = plan.fired(server.ctx.faults());
    server.ctx.faults().clear();

    let by_ref = ledger_by_reference(&server.ledger);
    assert!(
        by_ref.keys().all(|r| !r.is_empty()),
        "the ledger must see each intent's order_reference"
    );
    let mut errors = BTreeMap::new();
    let mut returned = 0;
    for (i, result) in &results {
        let on_server = by_ref.get(&reference(*i)).cloned().unwrap_or_default();
        assert_eq!(
            on_server.len(),
            1,
            "create {i}: {on_server:?} on the server"
        );
        match result {
            Ok(intent) => {
                returned += 1;
                assert_eq!(
                    intent.id, on_server[0],
                    "create {i} returned another intent"
                );
            }
            Err(e) => *errors.entry(error_kind(e)).or_insert(0) += 1,
        }
    }
    let report = Report {
        api: "xstak (POST /public/v1/payment/checkout, x-idempotency-key trusted)",
        logical: LOGICAL_CREATES,
        attempts: attempts("xstak", "create_checkout_link") - attempts_before,
        on_server: (0..LOGICAL_CREATES)
            .map(|i| by_ref.get(&reference(i)).map_or(0, Vec::len))
            .sum(),
        duplicates: by_ref.values().map(|ids| ids.len().saturating_sub(1)).sum(),
        faults,
        returned,
        errors,
    };
    report.print();
    assert!(
        report.errors.is_empty(),
        "every create must return its intent"
    );
    assert_eq!(report.returned, LOGICAL_CREATES);
    assert_eq!(report.on_server, LOGICAL_CREATES);
    assert_eq!(report.duplicates, 0);
    assert_faults_fired(&report);
}

/// XStak's default: the key is sent but not relied on, so a create whose outcome is unknown
/// is reported, not repeated. Never a duplicate; a 502 or a lost reply is the caller's to
/// reconcile.
async fn xstak_default_never_repeats_an_unknown_outcome(server: &xstak_server::XstakServer) {
    use xpay_client::xstak::EnvelopeExt;
    let attempts_before = attempts("xstak", "create_checkout_link");
    let client = xstak_client(server, false);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let reference = |i: usize| format!("def-{}-{i:04}", &run[..8]);
    const N: usize = 40;

    let path = "/xstak/public/v1/payment/checkout";
    let faults = server.ctx.faults();
    let dropped = faults.add(Fault::new(path, FaultKind::DropConnection).times(10));
    let bad_gateway = faults.add(Fault::new(path, FaultKind::Status { status: 502 }).times(10));
    let mut results = Vec::new();
    for i in 0..N {
        let body = xstak_checkout(&reference(i));
        results.push((
            i,
            client.create_checkout_link().body(body).send().await.data(),
        ));
    }
    assert!(
        !faults.remove(dropped) && !faults.remove(bad_gateway),
        "faults used up"
    );

    let by_ref = ledger_by_reference(&server.ledger);
    let (mut unknown, mut failed, mut ok) = (0, 0, 0);
    for (i, result) in &results {
        let on_server = by_ref.get(&reference(*i)).map_or(0, Vec::len);
        match result {
            Ok(intent) => {
                ok += 1;
                assert_eq!(on_server, 1, "create {i}");
                assert_eq!(
                    by_ref.get(&reference(*i)).and_then(|ids| ids.first()),
                    Some(&intent.id)
                );
            }
            Err(e) if e.outcome_unknown() => {
                unknown += 1;
                assert!(e.to_string().contains("outcome unknown"), "{e}");
                // The connection dropped after the handler committed: one orphan, no copy.
                assert_eq!(on_server, 1, "create {i}: {e}");
            }
            Err(e) => {
                failed += 1;
                assert_eq!(e.status().map(|s| s.as_u16()), Some(502), "create {i}: {e}");
                assert_eq!(on_server, 0, "create {i}: the 502 came before the handler");
            }
        }
    }
    println!(
        "\nxstak default (key not trusted): {N} creates, {ok} returned, {unknown} outcome unknown \
         (each exactly one intent on the server, none re-sent), {failed} failed with 502 \
         (not re-sent, nothing on the server), {} attempts, 0 duplicates\n",
        attempts("xstak", "create_checkout_link") - attempts_before
    );
    assert_eq!((unknown, failed, ok), (10, 10, N - 20));
    assert_eq!(
        attempts("xstak", "create_checkout_link") - attempts_before,
        N as u64,
        "a create was sent twice"
    );
    assert!(by_ref.values().all(|ids| ids.len() == 1));
}

// ------------------------------------------------------------------------------------------
// Collect: collections, `orderId` resolution
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_creates_exactly_once() {
    use collect_client::{CollectClient, NewCollection};
    use rust_decimal::Decimal;
    use secrecy::ExposeSecret;
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let creds = sandbox.creds();
    let client = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(fast_policy())
    .build()
    .expect("valid configuration");
    client.authenticate().await.expect("token");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let order_id = |i: usize| format!("EO-{}-{i:04}", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/collect/api/v3/collections");
    let results = run_all(|i| {
        let client = client.clone();
        let new = NewCollection::new(
            Decimal::new(2500 + i as i64, 2),
            order_id(i),
            "Exactly once",
        );
        async move { client.create_collection(&new).await }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    let mut errors = BTreeMap::new();
    let (mut returned, mut existing, mut on_server, mut duplicates) = (0, 0, 0, 0);
    for (i, result) in &results {
        let count = sandbox.collect().collections_with_order_id(&order_id(*i));
        on_server += count;
        duplicates += count.saturating_sub(1);
        assert_eq!(count, 1, "create {i}: {count} collections on the server");
        match result {
            Ok(created) => {
                returned += 1;
                existing += usize::from(created.is_existing());
                let listed = client
                    .find_collection_by_order_id(&order_id(*i))
                    .await
                    .expect("list collections")
                    .expect("the collection is listed");
                assert_eq!(created.collection_id(), listed.collection_id, "create {i}");
                assert_eq!(created.amount(), Decimal::new(2500 + *i as i64, 2));
            }
            Err(e) => *errors.entry(error_kind(e)).or_insert(0) += 1,
        }
    }
    let report = Report {
        api: "collect (POST /collections, orderId resolution)",
        logical: LOGICAL_CREATES,
        attempts: attempts("collect", "create_collection"),
        on_server,
        duplicates,
        faults,
        returned,
        errors,
    };
    report.print();
    println!("collect: {existing} creates were resolved through orderId after a lost reply\n");
    assert!(
        report.errors.is_empty(),
        "every create must return its collection"
    );
    assert_eq!(report.returned, LOGICAL_CREATES);
    assert_eq!(report.duplicates, 0);
    assert!(existing > 0, "no create needed the orderId resolution");
    assert_faults_fired(&report);
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Payfect: checkouts, no idempotency key
// ------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payfect_never_duplicates_and_reports_unknown_outcomes() {
    use payfect_client::types;
    use secrecy::ExposeSecret;
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = payfect_client::Client::builder(sandbox.creds().payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(fast_policy())
        .build()
        .expect("valid configuration");
    let template: Value = serde_json::from_str(include_str!(
        "../../payfect-client/tests/fixtures/create_checkout_request.json"
    ))
    .expect("fixture is JSON");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let reference = |i: usize| format!("eo-{}-{i:04}", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/payfect/api/v1/checkouts/");
    let results = run_all(|i| {
        let client = client.clone();
        let mut body = template.clone();
        body["client_reference_id"] = json!(reference(i));
        async move {
            let body: types::CreateCheckoutRequest =
                serde_json::from_value(body).expect("a valid checkout request");
            client
                .create_checkout()
                .body(body)
                .send()
                .await
                .map(progenitor_client::ResponseValue::into_inner)
        }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    let mut errors = BTreeMap::new();
    let (mut returned, mut on_server, mut duplicates, mut orphans) = (0, 0, 0, 0);
    for (i, result) in &results {
        let stored = sandbox.payfect().checkouts_with_reference(&reference(*i));
        on_server += stored.len();
        duplicates += stored.len().saturating_sub(1);
        assert!(stored.len() <= 1, "create {i}: {} checkouts", stored.len());
        match result {
            Ok(checkout) => {
                returned += 1;
                assert_eq!(stored.len(), 1, "create {i}");
                assert_eq!(stored[0]["id"], json!(checkout.id), "create {i}");
            }
            Err(e) => {
                *errors.entry(error_kind(e)).or_insert(0) += 1;
                if e.outcome_unknown() {
                    // Dropped or too slow: maybe processed (an orphan the caller must
                    // reconcile by client_reference_id), never re-sent.
                    assert!(e.to_string().contains("outcome unknown"), "{e}");
                    orphans += stored.len();
                } else {
                    // The only other fault is the 502 in front of the handler: not retried,
                    // because a 502 can come from a proxy after the provider acted.
                    assert_eq!(e.status().map(|s| s.as_u16()), Some(502), "create {i}: {e}");
                    assert!(stored.is_empty(), "create {i}: a 502 before the handler");
                }
            }
        }
    }
    let report = Report {
        api: "payfect (POST /checkouts/, no idempotency key)",
        logical: LOGICAL_CREATES,
        attempts: attempts("payfect", "create_checkout"),
        on_server,
        duplicates,
        faults,
        returned,
        errors,
    };
    report.print();
    println!(
        "payfect: {orphans} checkouts exist on the server whose create returned `outcome \
         unknown` (to reconcile by client_reference_id); no create was sent twice\n"
    );
    assert_eq!(report.duplicates, 0, "a create was repeated");
    let fired = |label: &str| {
        report
            .faults
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0, |(_, n)| *n as usize)
    };
    // Not retried: each dropped connection and each 502 is one failed create; every
    // after-commit drop left exactly one checkout behind.
    assert_eq!(
        report.errors.get("api 502").copied().unwrap_or(0)
            + report.errors.get("undecodable 502").copied().unwrap_or(0)
            + report.errors.get("unexpected 502").copied().unwrap_or(0),
        fired("502"),
        "{:?}",
        report.errors
    );
    assert!(orphans >= fired("drop after commit") + fired("slow, after commit"));
    // 429s were retried (the provider did not process them), so attempts exceed creates.
    assert!(fired("429 + Retry-After: 1") > 0);
    assert!(report.attempts > LOGICAL_CREATES as u64);
    assert_eq!(
        report.returned + report.errors.values().sum::<usize>(),
        LOGICAL_CREATES
    );
    sandbox.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Retry-After, whatever the 429's body
// ------------------------------------------------------------------------------------------

/// The sandbox's 429 has a plain-text body that no spec describes, so the runtime diverts it
/// as `UnexpectedStatus`/`Decode`; its `Retry-After` must still be waited for. (A lower bound
/// on an enforced wait, not a performance assertion.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_when_the_429_body_is_not_the_documented_one() {
    use secrecy::ExposeSecret;
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let policy = RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_secs(2));
    let payfect = payfect_client::Client::builder(sandbox.creds().payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(policy.clone())
        .build()
        .expect("valid configuration");
    let xpay =
        xpay_client::platform::Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
            .base_url(sandbox.base_url(Api::XpayPlatform))
            .retry(policy)
            .build()
            .expect("valid configuration");
    let limited = |path: &str, method: Method| {
        Fault::new(
            path,
            FaultKind::RateLimit {
                retry_after_secs: 1,
            },
        )
        .method(method)
        .times(1)
    };

    sandbox
        .faults()
        .add(limited("/payfect/api/v1/checkouts/", Method::POST));
    let body: payfect_client::types::CreateCheckoutRequest = serde_json::from_str(include_str!(
        "../../payfect-client/tests/fixtures/create_checkout_request.json"
    ))
    .expect("fixture parses");
    let started = std::time::Instant::now();
    payfect
        .create_checkout()
        .body(body)
        .send()
        .await
        .expect("created after the 429");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "payfect retried after {waited:?}"
    );

    sandbox
        .faults()
        .add(limited("/xpay/customers", Method::GET));
    let started = std::time::Instant::now();
    xpay.list_customers()
        .send()
        .await
        .expect("listed after the 429");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "xpay retried after {waited:?}"
    );
    assert_eq!(sandbox.faults().fired_total(), 2);
    sandbox.shutdown().await;
}
