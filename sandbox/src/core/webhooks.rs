//! Outgoing webhooks and callbacks.
//!
//! API modules build the provider's payload and signature; this module picks the URL, delivers
//! in the background, retries non-2xx replies on a compressed schedule, and records every
//! attempt so tests can inspect exactly what a receiver was sent.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Api, Clock};

/// Delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Receiver used when neither the resource nor a per-API setting names one (the
    /// "dashboard-configured" URL of the real providers).
    pub default_url: Option<String>,
    /// Pause before each retry; its length is the number of retries. The default compresses
    /// FYATU's documented 1 min / 5 min / 30 min schedule by 1000×, so one provider minute is
    /// one sandbox millisecond.
    pub retry_delays: Vec<Duration>,
    /// How long one attempt may take before it counts as failed (FYATU: reply within 10 s).
    pub attempt_timeout: Duration,
    /// Deliver to receivers off loopback too. Off by default: a resource names its own
    /// webhook URL, so anyone who can reach the sandbox could otherwise aim its POSTs at any
    /// host.
    pub allow_remote_receivers: bool,
}

/// Most delivery attempts remembered; past it the oldest are forgotten.
pub const MAX_DELIVERIES: usize = 2_000;

/// Whether `url` is an http(s) URL on loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let name = host.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            default_url: None,
            retry_delays: vec![
                Duration::from_millis(60),
                Duration::from_millis(300),
                Duration::from_millis(1800),
            ],
            attempt_timeout: Duration::from_secs(10),
            allow_remote_receivers: false,
        }
    }
}

type Signer = Arc<dyn Fn(&[u8], DateTime<Utc>) -> Vec<(String, String)> + Send + Sync>;

/// One webhook or callback to deliver.
#[derive(Clone)]
pub struct Webhook {
    api: Api,
    event: String,
    url: Option<String>,
    body: Bytes,
    headers: Vec<(String, String)>,
    signer: Option<Signer>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("api", &self.api)
            .field("event", &self.event)
            .field("url", &self.url)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A JSON webhook (`Content-Type: application/json`). `event` is only recorded (e.g.
    /// `checkout.session.completed`); `url` is the URL the resource named, if any. Send
    /// `body` exactly as the provider would: its bytes are what receivers verify.
    pub fn json(
        api: Api,
        event: impl Into<String>,
        url: Option<String>,
        body: impl Into<Bytes>,
    ) -> Self {
        Webhook {
            api,
            event: event.into(),
            url: url.filter(|url| !url.is_empty()),
            body: body.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            signer: None,
        }
    }

    /// Adds a header sent on every attempt (a signature that does not depend on time).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Computes headers afresh for each attempt from the body and the attempt's time, for
    /// signatures that embed a timestamp (`XPay-Signature: t=…,v1=…`, Fernet tokens).
    ///
    /// The time is the real clock, not the sandbox clock: receivers judge a signature's
    /// freshness against their own clock, so a test that advanced the sandbox clock by a day
    /// must still get webhooks its verifier accepts.
    pub fn sign_each_attempt(
        mut self,
        signer: impl Fn(&[u8], DateTime<Utc>) -> Vec<(String, String)> + Send + Sync + 'static,
    ) -> Self {
        self.signer = Some(Arc::new(signer));
        self
    }
}

/// One attempt to deliver one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Shared by every attempt of the same webhook (`whd_…`).
    pub webhook_id: String,
    /// The API that sent it.
    pub api: Api,
    /// The provider's event name.
    pub event: String,
    /// `None` when no URL was named or configured; then nothing was sent.
    pub url: Option<String>,
    /// 1 for the first try.
    pub attempt: u32,
    /// Headers sent, signature headers included.
    pub headers: Vec<(String, String)>,
    /// The body as sent.
    pub body: String,
    /// The receiver's status; `None` if it could not be reached.
    pub status: Option<u16>,
    /// Why the attempt failed or was not made; `None` when the receiver answered 2xx.
    pub error: Option<String>,
    /// On the sandbox clock.
    pub sent_at: DateTime<Utc>,
}

impl Delivery {
    /// Whether the receiver answered 2xx.
    pub fn succeeded(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }

    /// The value of a header (case-insensitive), as sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The delivery service. Clones share state.
#[derive(Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

struct Inner {
    config: Mutex<WebhookConfig>,
    receivers: Mutex<HashMap<Api, String>>,
    deliveries: Mutex<Vec<Delivery>>,
    /// Bumped on every recorded attempt, so waiters wake up.
    recorded: tokio::sync::watch::Sender<usize>,
    /// Webhooks whose last attempt has not finished yet.
    pending: tokio::sync::watch::Sender<usize>,
    client: reqwest::Client,
    clock: Clock,
    runtime: Option<tokio::runtime::Handle>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("config", &*lock(&self.inner.config))
            .field("deliveries", &lock(&self.inner.deliveries).len())
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    pub(crate) fn new(config: WebhookConfig, clock: Clock) -> Self {
        paygate_runtime::tls::install_default_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Webhooks {
            inner: Arc::new(Inner {
                config: Mutex::new(config),
                receivers: Mutex::new(HashMap::new()),
                deliveries: Mutex::new(Vec::new()),
                recorded: tokio::sync::watch::Sender::new(0),
                pending: tokio::sync::watch::Sender::new(0),
                client,
                clock,
                runtime: tokio::runtime::Handle::try_current().ok(),
            }),
        }
    }

    /// Sets the receiver used for `api` when the resource names none (`api: None` sets the
    /// fallback for all APIs). `url: None` removes it.
    pub fn set_receiver(&self, api: Option<Api>, url: Option<String>) {
        match (api, url) {
            (Some(api), Some(url)) => {
                lock(&self.inner.receivers).insert(api, url);
            }
            (Some(api), None) => {
                lock(&self.inner.receivers).remove(&api);
            }
            (None, url) => lock(&self.inner.config).default_url = url,
        }
    }

    /// `Err` (the reason) when webhooks may not go to `url`: off loopback without
    /// `allow_remote_receivers`.
    pub fn check_receiver(&self, url: &str) -> Result<(), String> {
        if is_loopback_url(url) || lock(&self.inner.config).allow_remote_receivers {
            Ok(())
        } else {
            Err(format!(
                "webhook receiver {url} is not an http(s) URL on loopback; start the sandbox \
                 with --allow-remote-webhooks to deliver elsewhere"
            ))
        }
    }

    /// The receiver a webhook of `api` goes to when its resource names none.
    pub fn receiver(&self, api: Api) -> Option<String> {
        lock(&self.inner.receivers)
            .get(&api)
            .cloned()
            .or_else(|| lock(&self.inner.config).default_url.clone())
    }

    /// Changes the retry schedule (e.g. `vec![]` for no retries).
    pub fn set_retry_delays(&self, delays: Vec<Duration>) {
        lock(&self.inner.config).retry_delays = delays;
    }

    /// Queues `webhook` for delivery and returns its id; delivery happens in the background.
    /// Callable from synchronous code (e.g. `settle`).
    pub fn send(&self, webhook: Webhook) -> String {
        let webhook_id = super::new_id("whd_");
        let Some(url) = webhook.url.clone().or_else(|| self.receiver(webhook.api)) else {
            self.record(self.undelivered(
                &webhook,
                &webhook_id,
                None,
                "no webhook URL named or configured",
            ));
            return webhook_id;
        };
        if let Err(why) = self.check_receiver(&url) {
            self.record(self.undelivered(&webhook, &webhook_id, Some(url), &why));
            return webhook_id;
        }
        let Some(runtime) = self.inner.runtime.clone() else {
            self.record(self.undelivered(
                &webhook,
                &webhook_id,
                Some(url),
                "no Tokio runtime to deliver on",
            ));
            return webhook_id;
        };
        self.inner.pending.send_modify(|pending| *pending += 1);
        let this = self.clone();
        let id = webhook_id.clone();
        runtime.spawn(async move {
            this.deliver(webhook, id, url).await;
            this.inner.pending.send_modify(|pending| *pending -= 1);
        });
        webhook_id
    }

    fn undelivered(
        &self,
        webhook: &Webhook,
        webhook_id: &str,
        url: Option<String>,
        why: &str,
    ) -> Delivery {
        tracing::warn!(api = %webhook.api, event = %webhook.event, "webhook not delivered: {why}");
        Delivery {
            webhook_id: webhook_id.to_owned(),
            api: webhook.api,
            event: webhook.event.clone(),
            url,
            attempt: 1,
            headers: webhook.headers.clone(),
            body: String::from_utf8_lossy(&webhook.body).into_owned(),
            status: None,
            error: Some(why.to_owned()),
            sent_at: self.inner.clock.now(),
        }
    }

    async fn deliver(&self, webhook: Webhook, webhook_id: String, url: String) {
        let (delays, timeout) = {
            let config = lock(&self.inner.config);
            (config.retry_delays.clone(), config.attempt_timeout)
        };
        let attempts = delays.len() + 1;
        for attempt in 1..=attempts {
            let sent_at = self.inner.clock.now();
            let mut headers = webhook.headers.clone();
            if let Some(signer) = &webhook.signer {
                headers.extend(signer(&webhook.body, Utc::now()));
            }
            let mut request = self
                .inner
                .client
                .post(&url)
                .timeout(timeout)
                .body(webhook.body.clone());
            for (name, value) in &headers {
                request = request.header(name.as_str(), value.as_str());
            }
            let (status, error) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    // Drain the reply so the connection can be reused; its content is ignored.
                    let _ = response.bytes().await;
                    let error =
                        (!status.is_success()).then(|| format!("receiver answered {status}"));
                    (Some(status.as_u16()), error)
                }
                Err(err) => (None, Some(describe(&err))),
            };
            let succeeded = error.is_none();
            tracing::debug!(api = %webhook.api, event = %webhook.event, attempt, ?status, "webhook attempt");
            self.record(Delivery {
                webhook_id: webhook_id.clone(),
                api: webhook.api,
                event: webhook.event.clone(),
                url: Some(url.clone()),
                // `attempts` is a small `Vec` length plus one.
                attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                headers,
                body: String::from_utf8_lossy(&webhook.body).into_owned(),
                status,
                error,
                sent_at,
            });
            if succeeded {
                return;
            }
            if let Some(delay) = delays.get(attempt - 1) {
                tokio::time::sleep(*delay).await;
            }
        }
    }

    fn record(&self, delivery: Delivery) {
        let count = {
            let mut deliveries = lock(&self.inner.deliveries);
            deliveries.push(delivery);
            if deliveries.len() > MAX_DELIVERIES {
                let excess = deliveries.len() - MAX_DELIVERIES;
                deliveries.drain(..excess);
            }
            deliveries.len()
        };
        self.inner.recorded.send_replace(count);
    }

    /// Every attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.inner.deliveries).clone()
    }

    /// Forgets the recorded attempts (deliveries still under way keep recording).
    pub fn clear(&self) {
        lock(&self.inner.deliveries).clear();
    }

    /// Waits until `done` holds for the recorded attempts, or `timeout` passes; returns the
    /// attempts either way (`Err` on timeout) so a failing test can show what did arrive.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[Delivery]) -> bool,
    ) -> Result<Vec<Delivery>, Vec<Delivery>> {
        let mut recorded = self.inner.recorded.subscribe();
        let wait = async {
            loop {
                {
                    let deliveries = lock(&self.inner.deliveries);
                    if done(&deliveries) {
                        return deliveries.clone();
                    }
                }
                if recorded.changed().await.is_err() {
                    // The sender lives in `self`, so this cannot happen; just stop waiting.
                    return self.deliveries();
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| self.deliveries())
    }

    /// Waits until no webhook is being delivered or waiting for a retry (or `timeout`).
    pub async fn wait_idle(&self, timeout: Duration) -> Result<(), ()> {
        let mut pending = self.inner.pending.subscribe();
        tokio::time::timeout(timeout, pending.wait_for(|pending| *pending == 0))
            .await
            .map(|_| ())
            .map_err(|_| ())
    }
}

/// The error chain without anything request-specific beyond what reqwest prints (URL, kind).
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
