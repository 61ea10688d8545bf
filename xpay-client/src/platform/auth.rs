//! The secret key, the mode it selects, and the client builder.

use std::fmt;

use paygate_runtime::secret::SecretHeader;
use paygate_runtime::{ConfigError, ExposeSecret, SecretString, Settings, Transport};
use reqwest::header::HeaderName;

use super::{Client, Operations};

/// The API's only host; test and live share it and the key picks the mode.
pub const DEFAULT_BASE_URL: &str = "https://api.xpay.app";

/// Which of XPay's separate environments a key belongs to. Test and live keys, data and
/// webhook secrets never mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Test mode: keys `sk_test_…`, `rk_test_…`, `pk_test_…`.
    Test,
    /// Live mode: keys `sk_live_…`, `rk_live_…`, `pk_live_…`.
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
    /// `Bearer <secret key>`, made once.
    pub(crate) authorization: SecretHeader,
    pub(crate) transport: Transport,
    /// Append `?liveMode=true|false` to every request, as XPay's own WooCommerce plugin does.
    pub(crate) live_mode_param: bool,
}

impl ClientState {
    pub(crate) fn mode(&self) -> Option<Mode> {
        Mode::of_key(self.secret_key.expose_secret())
    }
}

/// The environment variable [`Client::from_env`] reads the secret key from.
pub const SECRET_KEY_ENV: &str = "XPAY_SECRET_KEY";
/// The optional environment variable [`Client::from_env`] reads a base URL from.
pub const BASE_URL_ENV: &str = "XPAY_BASE_URL";

/// Builds a [`Client`]: base URL, timeouts, your own `reqwest::Client`, retry policy.
///
/// ```
/// # use std::time::Duration;
/// use xpay_client::platform::{Client, RetryPolicy};
///
/// let client = Client::builder("sk_test_123")
///     .base_url("http://127.0.0.1:8080/xpay")
///     .timeout(Duration::from_secs(20))
///     .retry(RetryPolicy::default().max_attempts(3))
///     .build()?;
/// # Ok::<(), paygate_runtime::ConfigError>(())
/// ```
pub struct ClientBuilder {
    secret_key: SecretString,
    settings: Settings,
    live_mode_param: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("secret_key", &"[REDACTED]")
            .field("settings", &self.settings)
            .field("live_mode_param", &self.live_mode_param)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for the key (`sk_test_…`, `sk_live_…` or a restricted `rk_…`).
    pub fn new(secret_key: impl Into<SecretString>) -> Self {
        ClientBuilder {
            secret_key: secret_key.into(),
            settings: Settings::new(DEFAULT_BASE_URL),
            live_mode_param: false,
        }
    }

    paygate_runtime::builder_setters!();

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
        paygate_runtime::config::check_credential("secret key", key)?;
        if key.starts_with("pk_") {
            return Err(ConfigError::Invalid {
                what: "secret key",
                reason: "a publishable key (pk_…) cannot call the server API; use a secret (sk_…) or restricted (rk_…) key".into(),
            });
        }
        self.settings.checked_base_url()?;
        Ok(self.build_unchecked())
    }

    /// Builds without checks; a key that cannot be sent fails each call instead.
    pub(crate) fn build_unchecked(self) -> Client {
        let http = self.settings.http_client();
        let transport = Transport::new("xpay")
            .sensitive(super::SENSITIVE_KEYS)
            .idempotency_header(HeaderName::from_static("idempotency-key"))
            .retry(self.settings.retry);
        let state = ClientState {
            authorization: SecretHeader::new("Bearer ", &self.secret_key),
            secret_key: self.secret_key,
            transport,
            live_mode_param: self.live_mode_param,
        };
        let base = self.settings.base_url.trim().trim_end_matches('/');
        Client::from_operations(Operations::new_with_client(base, http, state))
    }
}
