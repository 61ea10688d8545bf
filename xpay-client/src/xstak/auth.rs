//! Credentials, environments and the client builder.

use std::fmt;
use std::time::Duration;

use paygate_runtime::{RetryPolicy, SecretString, Transport};
use reqwest::header::HeaderName;

use super::Client;

/// Staging API (`TEST` mode of XStak's own plugin).
pub const STAGING_URL: &str = "https://xstak-pay-stg.xstak.com";
/// Production API (`LIVE` mode).
pub const PRODUCTION_URL: &str = "https://xstak-pay.xstak.com";

/// The header XStak's own demo sends for idempotency. What the server does with it is not
/// documented.
pub(crate) const IDEMPOTENCY_HEADER: HeaderName = HeaderName::from_static("x-idempotency-key");

/// The three server-side credentials from the XStak dashboard (Settings › Store Info › Key
/// Details). All are kept in [`SecretString`]s and redacted from `Debug`.
///
/// The webhook HMAC secret is a fourth, separate value: give it to
/// [`WebhookVerifier`](super::WebhookVerifier).
#[derive(Clone)]
pub struct Credentials {
    pub(crate) secret_key: SecretString,
    pub(crate) account_id: SecretString,
    pub(crate) api_hmac_secret: SecretString,
}

impl Credentials {
    /// `secret_key` is the **Secret** Key (not the publishable one), sent as `x-api-key`;
    /// `account_id` is sent as `x-account-id`; `api_hmac_secret` keys the `x-signature` of
    /// every request body, used as its UTF-8 bytes (not hex-decoded).
    pub fn new(
        secret_key: impl Into<SecretString>,
        account_id: impl Into<SecretString>,
        api_hmac_secret: impl Into<SecretString>,
    ) -> Self {
        Credentials {
            secret_key: secret_key.into(),
            account_id: account_id.into(),
            api_hmac_secret: api_hmac_secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_key", &"[REDACTED]")
            .field("account_id", &"[REDACTED]")
            .field("api_hmac_secret", &"[REDACTED]")
            .finish()
    }
}

/// What the generated client carries: credentials and transport settings.
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) credentials: Credentials,
    pub(crate) transport: Transport,
}

/// Builds a [`Client`]. Start from [`Client::staging`] or [`Client::production`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    retry_writes_with_key: bool,
}

impl ClientBuilder {
    fn new(credentials: Credentials, base_url: &str) -> Self {
        ClientBuilder {
            credentials,
            base_url: base_url.to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            retry_writes_with_key: false,
        }
    }

    /// Talks to `https://xstak-pay-stg.xstak.com`.
    pub fn staging(credentials: Credentials) -> Self {
        Self::new(credentials, STAGING_URL)
    }

    /// Talks to `https://xstak-pay.xstak.com`.
    pub fn production(credentials: Credentials) -> Self {
        Self::new(credentials, PRODUCTION_URL)
    }

    /// Overrides the base URL (a proxy, the sandbox, a new XStak host). Paths such as
    /// `/public/v1/payment/checkout` are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS settings, pools).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Connect timeout of the default HTTP client (ignored with [`Self::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retry policy for every call (per call: [`Client::with_retry`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Every write carries an `x-idempotency-key` (yours, or a fresh UUID). XStak does not
    /// document whether it deduplicates on it, so by default a write whose outcome is unknown
    /// (e.g. the connection dropped after sending) is **not** retried, because a retried
    /// refund could be paid twice. Turn this on once you have confirmed that XStak honours the
    /// key; then such writes are retried with the same key.
    pub fn retry_writes_with_idempotency_key(mut self, enabled: bool) -> Self {
        self.retry_writes_with_key = enabled;
        self
    }

    pub fn build(self) -> Client {
        let mut transport = Transport::new("xstak").retry(self.retry);
        if self.retry_writes_with_key {
            transport = transport.idempotency_header(IDEMPOTENCY_HEADER);
        }
        let http = self
            .http
            .unwrap_or_else(|| paygate_runtime::default_http_client(self.connect_timeout));
        let base_url = self.base_url.trim_end_matches('/');
        Client::new_with_client(
            base_url,
            http,
            ClientState {
                credentials: self.credentials,
                transport,
            },
        )
    }
}

impl Client {
    /// A builder for the staging environment.
    pub fn staging(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::staging(credentials)
    }

    /// A builder for the production environment.
    pub fn production(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::production(credentials)
    }

    /// The same client (sharing its connection pool) with another retry policy, e.g.
    /// `client.with_retry(RetryPolicy::none()).create_refund()…`.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut state = self.inner.clone();
        state.transport.retry = policy;
        Client::new_with_client(&self.baseurl, self.client.clone(), state)
    }
}
