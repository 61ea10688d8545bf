//! A stateful, in-memory fake of four payment APIs — XPay platform, XPay by XStak, Collect
//! (FYATU v3) and Payfect — served over HTTP on loopback.
//!
//! It enforces what the providers document (auth, validation, uniqueness, status machines,
//! expiry, refund limits), sends their webhooks signed as they sign them, and lets tests
//! simulate payments, move the clock and inject faults.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use paygate_sandbox::{Api, Outcome, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let base_url = sandbox.base_url(Api::XpayPlatform); // http://127.0.0.1:PORT/xpay
//! // … create a checkout session with the client against `base_url` …
//! # let id = "cs_test_…";
//! let session = sandbox.settle(Api::XpayPlatform, id, Outcome::Complete);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

// Handlers return `Err(Response)` to reply early (auth, validation): the idiomatic axum shape.
// A `Response` is large, but these errors are replies on an HTTP path, not a hot loop.
#[allow(clippy::result_large_err)]
pub mod apis;
pub mod core;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::apis::{CollectSandbox, PayfectSandbox, XpayPlatformSandbox, XstakSandbox};
use crate::core::fake::FakeApi;
use crate::core::idempotency::Idempotency;
use crate::core::server::Server;
pub use crate::core::{
    Api, Credentials, Ctx, Delivery, Fault, FaultId, FaultKind, Faults, Outcome, SettleError,
    WebhookConfig, Webhooks,
};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// `0` (the default) picks a free port.
    pub port: u16,
    /// Default webhook receivers and retry schedule.
    pub webhooks: WebhookConfig,
    /// Check every reply against the spec's schema for its operation and status, and answer a
    /// 500 naming the rule instead of a reply that breaks it. On by default in debug builds
    /// (so in tests); requests are always checked.
    pub check_replies: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            webhooks: WebhookConfig::default(),
            check_replies: cfg!(debug_assertions),
        }
    }
}

/// Where each API is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseUrls {
    /// `http://127.0.0.1:PORT/xpay`
    pub xpay_platform: String,
    /// `http://127.0.0.1:PORT/xstak`
    pub xstak: String,
    /// `http://127.0.0.1:PORT/collect/api/v3`
    pub collect: String,
    /// `http://127.0.0.1:PORT/payfect/api`
    pub payfect: String,
    /// `http://127.0.0.1:PORT/_sandbox`
    pub control: String,
}

impl BaseUrls {
    fn new(origin: &str) -> Self {
        BaseUrls {
            xpay_platform: format!("{origin}{}", Api::XpayPlatform.prefix()),
            xstak: format!("{origin}{}", Api::Xstak.prefix()),
            collect: format!("{origin}{}", Api::Collect.prefix()),
            payfect: format!("{origin}{}", Api::Payfect.prefix()),
            control: format!("{origin}/_sandbox"),
        }
    }

    /// The base URL of `api`.
    pub fn get(&self, api: Api) -> &str {
        match api {
            Api::XpayPlatform => &self.xpay_platform,
            Api::Xstak => &self.xstak,
            Api::Collect => &self.collect,
            Api::Payfect => &self.payfect,
        }
    }
}

/// The four API modules, shared by the HTTP routes and the library calls.
#[derive(Clone)]
struct Apis {
    xpay_platform: Arc<XpayPlatformSandbox>,
    xstak: Arc<XstakSandbox>,
    collect: Arc<CollectSandbox>,
    payfect: Arc<PayfectSandbox>,
    /// The idempotent-replay store of each API that has one.
    replay: Vec<(Api, Idempotency)>,
}

impl Apis {
    fn new(ctx: &Ctx) -> Self {
        let mut apis = Apis {
            xpay_platform: XpayPlatformSandbox::new(ctx.clone()),
            xstak: XstakSandbox::new(ctx.clone()),
            collect: CollectSandbox::new(ctx.clone()),
            payfect: PayfectSandbox::new(ctx.clone()),
            replay: Vec::new(),
        };
        apis.replay = apis
            .fakes()
            .iter()
            .filter_map(|fake| {
                let config = fake.idempotency()?;
                Some((fake.api(), Idempotency::new(ctx.clone(), config)))
            })
            .collect();
        apis
    }

    /// Every fake, as the one shape they share.
    fn fakes(&self) -> [Arc<dyn FakeApi>; 4] {
        [
            self.xpay_platform.clone(),
            self.xstak.clone(),
            self.collect.clone(),
            self.payfect.clone(),
        ]
    }

    fn fake(&self, api: Api) -> Arc<dyn FakeApi> {
        let [first, rest @ ..] = self.fakes();
        rest.into_iter()
            .find(|fake| fake.api() == api)
            .unwrap_or(first)
    }

    fn replay(&self, api: Api) -> Option<&Idempotency> {
        self.replay
            .iter()
            .find(|(replay_api, _)| *replay_api == api)
            .map(|(_, store)| store)
    }

    fn settle(&self, api: Api, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        self.fake(api).settle(id, outcome)
    }

    /// All four APIs under their prefixes, each with request ids, one body limit, idempotent
    /// replay where the provider has it and the spec check, then fault injection around
    /// everything, then the control routes.
    fn router(&self, ctx: &Ctx, check_replies: bool) -> Router {
        let mut apis = Router::new();
        for fake in self.fakes() {
            let api = fake.api();
            let header = fake.request_id_header();
            let mut mounts = fake.clone().other_routes();
            mounts.push((api.prefix(), fake.clone().routes()));
            for (prefix, routes) in mounts {
                let mut routes = core::conformance::apply(routes, fake.clone(), check_replies);
                if let Some(replay) = self.replay(api) {
                    routes = replay.apply(routes);
                }
                let routes = core::conformance::limit_body(routes, fake.clone());
                apis = apis.nest(prefix, core::request_id::apply(routes, header));
            }
        }
        let apis = ctx.faults().apply(apis.fallback(not_found));
        let this = self.clone();
        let settle: core::control::SettleFn =
            Arc::new(move |api, id, outcome| this.settle(api, id, outcome));
        apis.merge(core::control::router(ctx.clone(), settle))
    }
}

async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({
            "error": {
                "code": "route_not_found",
                "message": format!("the sandbox serves no route {}", uri.path()),
            }
        })),
    )
        .into_response()
}

/// A running sandbox. Dropping it stops the server; `shutdown` also waits for it.
pub struct Sandbox {
    ctx: Ctx,
    apis: Apis,
    urls: BaseUrls,
    server: Server,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("urls", &self.urls)
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts on a free loopback port.
    pub async fn start() -> std::io::Result<Sandbox> {
        Sandbox::start_with(SandboxConfig::default()).await
    }

    /// Starts on `127.0.0.1:port`.
    pub async fn start_on(port: u16) -> std::io::Result<Sandbox> {
        Sandbox::start_with(SandboxConfig {
            port,
            ..SandboxConfig::default()
        })
        .await
    }

    /// Starts with `config`.
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let ctx = Ctx::new(config.webhooks);
        let apis = Apis::new(&ctx);
        let server = Server::bind(apis.router(&ctx, config.check_replies), config.port).await?;
        ctx.set_origin(server.url());
        let urls = BaseUrls::new(&server.url());
        tracing::info!(url = %server.url(), "sandbox listening");
        Ok(Sandbox {
            ctx,
            apis,
            urls,
            server,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The base URL of every API and of the control routes.
    pub fn urls(&self) -> &BaseUrls {
        &self.urls
    }

    /// The base URL to give `api`'s client.
    pub fn base_url(&self, api: Api) -> &str {
        self.urls.get(api)
    }

    /// Credentials every API of this sandbox accepts.
    pub fn creds(&self) -> &Credentials {
        self.ctx.creds()
    }

    /// The shared state every API uses: clock, credentials, webhooks, faults.
    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    /// Base URLs and credentials as JSON (what the binary prints, and `GET /_sandbox`).
    pub fn info_json(&self) -> Value {
        core::control::info_json(&self.ctx, &self.server.url())
    }

    /// Completes, fails or cancels a checkout (XStak: payment intent; Collect: collection);
    /// the API sends its webhook and returns the final resource.
    pub fn settle(&self, api: Api, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        self.apis.settle(api, id, outcome)
    }

    /// The sandbox's current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now()
    }

    /// Moves the clock forward (expiry of sessions, tokens, idempotency keys); returns the new
    /// time.
    pub fn advance_clock(&self, by: Duration) -> DateTime<Utc> {
        self.ctx.clock().advance(by)
    }

    /// Every webhook attempt so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.ctx.webhooks().deliveries()
    }

    /// Webhook delivery: default receivers, retry schedule, waiting for deliveries.
    pub fn webhooks(&self) -> &Webhooks {
        self.ctx.webhooks()
    }

    /// Sets where `api`'s webhooks go when the resource names no URL (`None`: all APIs).
    pub fn set_webhook_receiver(&self, api: Option<Api>, url: impl Into<String>) {
        self.ctx.webhooks().set_receiver(api, Some(url.into()));
    }

    /// Fault rules applied to every API route.
    pub fn faults(&self) -> &Faults {
        self.ctx.faults()
    }

    /// The idempotent-replay store of `api` (`None` for the APIs without idempotency keys).
    pub fn idempotency(&self, api: Api) -> Option<&Idempotency> {
        self.apis.replay(api)
    }

    /// The XPay platform fake, for direct access to its state.
    pub fn xpay_platform(&self) -> &Arc<XpayPlatformSandbox> {
        &self.apis.xpay_platform
    }

    /// The XPay by XStak fake, for direct access to its state.
    pub fn xstak(&self) -> &Arc<XstakSandbox> {
        &self.apis.xstak
    }

    /// The Collect fake, for direct access to its state.
    pub fn collect(&self) -> &Arc<CollectSandbox> {
        &self.apis.collect
    }

    /// The Payfect fake, for direct access to its state.
    pub fn payfect(&self) -> &Arc<PayfectSandbox> {
        &self.apis.payfect
    }

    /// Stops the server and waits (briefly) for in-flight requests.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Runs until the server stops (for the binary).
    pub async fn wait(self) -> std::io::Result<()> {
        self.server.wait().await
    }
}
