//! The secret key, the mode it selects, and the client builder.

use std::fmt;
use std::time::Duration;

use paygate_runtime::{ExposeSecret, RetryPolicy, SecretString, Transport};
use reqwest::header::HeaderName;

use super::{Client, Operations};

/// The API's only host; test and live share it and the key picks the mode.
pub const DEFAULT_BASE_URL: &str = "https://api.xpay.app";

/// Connect timeout of the default HTTP client.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which of XPay's separate environments a key belongs to. Test and live keys, data and
/// webhook secrets never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    /// From a key's prefix: `sk_`/`rk_`/`pk_` followed by `test_` or `live_`.
    pub fn of_key(key: &str) -> Option<Mode> {
        let rest = ["sk_", "rk_", "pk_"]
            .iter()
            .find_map(|p| key.strip_prefix(p))?;
        if rest.starts_with("test_") {
            Some(Mode::Test)
        } else if rest.starts_with("live_") {
            Some(Mode::Live)
        } else {
            None
        }
    }
}

/// Per-client state carried by the generated client (`inner`).
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) secret_key: SecretString,
    pub(crate) transport: Transport,
    /// Append `?liveMode=true|false` to every request, as XPay's own WooCommerce plugin does.
    pub(crate) live_mode_param: bool,
}

impl ClientState {
    pub(crate) fn mode(&self) -> Option<Mode> {
        Mode::of_key(self.secret_key.expose_secret())
    }
}

/// Why [`ClientBuilder::build`] refused a configuration. Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the secret key is empty")]
    EmptyKey,
    #[error("the secret key contains characters that cannot be sent in an HTTP header")]
    KeyNotSendable,
    #[error(
        "a publishable key (pk_…) cannot call the server API; use a secret (sk_…) or restricted (rk_…) key"
    )]
    PublishableKey,
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
}

/// Builds a [`Client`]: base URL, timeouts, your own `reqwest::Client`, retry policy.
///
/// ```
/// # use std::time::Duration;
/// use xpay_client::platform::{Client, RetryPolicy};
///
/// let client = Client::builder("sk_test_123")
///     .base_url("http://127.0.0.1:8080/xpay")
///     .timeout(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::default().max_attempts(3))
///     .build()?;
/// # Ok::<(), xpay_client::platform::ConfigError>(())
/// ```
pub struct ClientBuilder {
    secret_key: SecretString,
    base_url: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    retry: RetryPolicy,
    live_mode_param: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret_key", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("live_mode_param", &self.live_mode_param)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub fn new(secret_key: impl Into<SecretString>) -> Self {
        ClientBuilder {
            secret_key: secret_key.into(),
            base_url: DEFAULT_BASE_URL.to_string(),
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            live_mode_param: false,
        }
    }

    /// Another host or path prefix (a proxy, the sandbox). A trailing `/` is dropped.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed for one attempt, reply body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.retry = self.retry.per_attempt_timeout(timeout);
        self
    }

    /// Time allowed for a whole call, retries and backoff included (default 90 s).
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.retry = self.retry.deadline(deadline);
        self
    }

    /// Connect timeout of the default HTTP client (default 10 s). Ignored with
    /// [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Your own `reqwest::Client` (proxies, TLS roots, pools). Per-attempt timeouts still apply.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How calls are retried. Only GETs and writes carrying an `Idempotency-Key` (every POST
    /// this client sends) are retried, plus 429s.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Appends `liveMode=true|false` (from the key's prefix) to every request, as XPay's
    /// WooCommerce plugin does; its comment says the API rejects a mismatch with the key.
    /// Off by default: the docs do not mention the parameter.
    pub fn live_mode_param(mut self, enabled: bool) -> Self {
        self.live_mode_param = enabled;
        self
    }

    /// Checks the key and base URL, then builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let key = self.secret_key.expose_secret();
        if key.trim().is_empty() {
            return Err(ConfigError::EmptyKey);
        }
        if paygate_runtime::secret::bearer(&self.secret_key).is_err() {
            return Err(ConfigError::KeyNotSendable);
        }
        if key.starts_with("pk_") {
            return Err(ConfigError::PublishableKey);
        }
        let url =
            reqwest::Url::parse(&self.base_url).map_err(|e| ConfigError::BaseUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(ConfigError::BaseUrl(format!(
                "`{}` is not an http(s) URL",
                url.scheme()
            )));
        }
        Ok(self.build_unchecked())
    }

    /// Builds without checks; a key that cannot be sent fails each call instead.
    pub(crate) fn build_unchecked(self) -> Client {
        let http = self
            .http
            .unwrap_or_else(|| paygate_runtime::default_http_client(self.connect_timeout));
        let transport = Transport::new("xpay")
            .idempotency_header(HeaderName::from_static("idempotency-key"))
            .retry(self.retry);
        let state = ClientState {
            secret_key: self.secret_key,
            transport,
            live_mode_param: self.live_mode_param,
        };
        let base = self.base_url.trim_end_matches('/');
        Client::from_operations(Operations::new_with_client(base, http, state))
    }
}
