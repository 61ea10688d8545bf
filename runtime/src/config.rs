//! What every client builder shares: the base URL, the HTTP client, the retry policy and the
//! timeouts, and the one error a builder refuses its settings with.
//!
//! Each client's `ClientBuilder` holds its credentials plus a [`Settings`], and gets the
//! common setters from [`builder_setters!`](crate::builder_setters), so the four builders have
//! the same names and behaviour:
//! `Client::builder(credentials).base_url(..).http_client(..).retry(..).timeout(..).build()`.

use crate::retry::RetryPolicy;
use std::fmt;
use std::time::Duration;

/// Why a builder refused its settings. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A credential is empty (or only white space).
    Empty(&'static str),
    /// A credential contains characters that cannot be sent in an HTTP header.
    NotSendable(&'static str),
    /// A credential has a shape the provider never issues.
    Invalid {
        /// Which setting.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The base URL is not an absolute http(s) URL.
    BaseUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// An environment variable `from_env` needs is not set.
    MissingEnv(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Empty(what) => write!(f, "the {what} is empty"),
            ConfigError::NotSendable(what) => write!(
                f,
                "the {what} contains characters that cannot be sent in an HTTP header"
            ),
            ConfigError::Invalid { what, reason } => write!(f, "invalid {what}: {reason}"),
            ConfigError::BaseUrl { url, reason } => write!(f, "invalid base URL {url:?}: {reason}"),
            ConfigError::MissingEnv(name) => write!(f, "environment variable {name} is not set"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The settings every builder shares.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where requests go.
    pub base_url: String,
    /// A caller's HTTP client; `None`: [`crate::default_http_client`].
    pub http: Option<reqwest::Client>,
    /// The retry policy of every call.
    pub retry: RetryPolicy,
    /// Connect timeout of the default HTTP client.
    pub connect_timeout: Duration,
}

impl Settings {
    /// Defaults for a provider whose API lives at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Settings {
            base_url: base_url.into(),
            http: None,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// The base URL without its trailing `/`, checked to be an absolute http(s) URL.
    pub fn checked_base_url(&self) -> Result<String, ConfigError> {
        let url = self.base_url.trim().trim_end_matches('/').to_string();
        let refuse = |reason: String| ConfigError::BaseUrl {
            url: url.clone(),
            reason,
        };
        match reqwest::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(url),
            Ok(u) => Err(refuse(format!(
                "the scheme must be http or https, not {:?}",
                u.scheme()
            ))),
            Err(e) => Err(refuse(e.to_string())),
        }
    }

    /// The caller's HTTP client, or the default one (redirects off).
    pub fn http_client(&self) -> reqwest::Client {
        self.http
            .clone()
            .unwrap_or_else(|| crate::default_http_client(self.connect_timeout))
    }
}

/// A credential that must not be blank and must fit in a header.
pub fn check_credential(what: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::Empty(what));
    }
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(ConfigError::NotSendable(what));
    }
    Ok(())
}

/// A required environment variable.
pub fn env_var(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).map_err(|_| ConfigError::MissingEnv(name))
}

/// The setters every client builder has, over its `settings: Settings` field. Invoked once
/// inside each builder's `impl`, so the names and docs cannot drift apart.
#[macro_export]
macro_rules! builder_setters {
    () => {
        /// Sends requests to this base URL instead of the provider's (a sandbox, a proxy).
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.settings.base_url = url.into();
            self
        }

        /// Uses your own `reqwest::Client` (proxies, TLS roots, pools). Build it with
        /// `reqwest::redirect::Policy::none()`: a redirect is never followed, and a reply that
        /// comes from another URL than the one requested is refused.
        pub fn http_client(mut self, client: reqwest::Client) -> Self {
            self.settings.http = Some(client);
            self
        }

        /// The retry policy of every call ([`RetryPolicy`]); per call, use the client's
        /// `with_retry`.
        pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
            self.settings.retry = policy;
            self
        }

        /// The timeout of each attempt (the retry policy's `per_attempt_timeout`).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.settings.retry.per_attempt_timeout = timeout;
            self
        }

        /// Connect timeout of the default HTTP client (default 10 s).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.settings.connect_timeout = timeout;
            self
        }
    };
}
