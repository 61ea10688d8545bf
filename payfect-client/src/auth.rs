//! Credentials and client construction.
//!
//! Payfect authenticates every call with `Authorization: Api-Key <key>`; the key is issued on
//! the dashboard. Test vs live is most likely chosen by which key you use (unconfirmed: there is
//! one documented host).

use std::time::Duration;

use paygate_runtime::secret::sensitive_header;
use paygate_runtime::{ExposeSecret, RetryPolicy, SecretString, Transport};
use reqwest::header::HeaderValue;

use crate::Client;

/// The documented base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.payfect.finance/api";

/// Environment variable read by [`ClientBuilder::from_env`] for the API key.
pub const API_KEY_ENV: &str = "PAYFECT_API_KEY";
/// Environment variable read by [`ClientBuilder::from_env`] for the base URL (optional).
pub const BASE_URL_ENV: &str = "PAYFECT_BASE_URL";

/// The client's inner state: the key and the transport settings. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ClientState {
    pub(crate) api_key: SecretString,
    pub(crate) transport: Transport,
}

impl ClientState {
    /// The `Authorization` value, flagged sensitive so request `Debug` output hides it.
    pub(crate) fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        authorization(&self.api_key)
    }
}

fn authorization(key: &SecretString) -> Result<HeaderValue, ConfigError> {
    sensitive_header(&format!("Api-Key {}", key.expose_secret()))
        .map_err(|_| ConfigError::InvalidApiKey)
}

/// Why a client could not be built. Never contains the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("the Payfect API key is empty")]
    EmptyApiKey,
    #[error("the Payfect API key contains characters not allowed in an HTTP header")]
    InvalidApiKey,
    #[error("invalid Payfect base URL {url:?}: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
}

/// Builds a [`Client`].
///
/// ```no_run
/// # fn demo() -> Result<(), payfect_client::auth::ConfigError> {
/// let client = payfect_client::Client::builder(std::env::var("PAYFECT_API_KEY").unwrap_or_default())
///     .base_url("https://api.payfect.finance/api")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: SecretString,
    base_url: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    connect_timeout: Duration,
}

impl ClientBuilder {
    pub fn new(api_key: impl Into<SecretString>) -> Self {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// `PAYFECT_API_KEY`, and `PAYFECT_BASE_URL` when set.
    pub fn from_env() -> Result<Self, ConfigError> {
        let key = std::env::var(API_KEY_ENV).map_err(|_| ConfigError::MissingEnv(API_KEY_ENV))?;
        let mut builder = ClientBuilder::new(key);
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }

    /// Another host or a sandbox (the paths `/checkouts/` … are appended).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Your own `reqwest::Client` (proxy, TLS roots, timeouts). Default:
    /// [`paygate_runtime::default_http_client`].
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How calls are retried. Payfect has no idempotency key, so only reads (and 429 replies)
    /// are ever retried; a create is sent once.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connect timeout of the default HTTP client.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub fn build(self) -> Result<Client, ConfigError> {
        if self.api_key.expose_secret().trim().is_empty() {
            return Err(ConfigError::EmptyApiKey);
        }
        authorization(&self.api_key)?;
        let base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| ConfigError::InvalidBaseUrl {
            url: base_url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::InvalidBaseUrl {
                url: base_url,
                reason: "the scheme must be http or https".into(),
            });
        }
        let http = self
            .http
            .unwrap_or_else(|| paygate_runtime::default_http_client(self.connect_timeout));
        let state = ClientState {
            api_key: self.api_key,
            transport: Transport::new("payfect").retry(self.retry),
        };
        Ok(Client::new_with_client(&base_url, http, state))
    }
}

impl Client {
    /// A builder for a client authenticated with `api_key`.
    pub fn builder(api_key: impl Into<SecretString>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// The same client with another retry policy, for one call or a group of calls.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        use progenitor_client::ClientInfo;
        let mut state = self.inner().clone();
        state.transport.retry = policy;
        Client::new_with_client(self.baseurl(), self.client().clone(), state)
    }
}
