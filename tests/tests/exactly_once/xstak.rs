//! XStak: checkout links with `x-idempotency-key`, trusted and by default.

use super::*;

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
