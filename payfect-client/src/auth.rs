//! Credentials and client construction.
//!
//! Payfect authenticates every call with `Authorization: Api-Key <key>`; the key is issued on
//! the dashboard. Test vs live is most likely chosen by which key you use (unconfirmed: there is
//! one documented host).

use paygate_runtime::secret::SecretHeader;
use paygate_runtime::{ConfigError, ExposeSecret, RetryPolicy, SecretString, Settings, Transport};
use reqwest::header::HeaderValue;

use crate::Client;

/// The documented base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.payfect.finance/api";

/// Environment variable read by [`Client::from_env`] for the API key.
pub const API_KEY_ENV: &str = "PAYFECT_API_KEY";
/// Environment variable read by [`Client::from_env`] for the base URL (optional).
pub const BASE_URL_ENV: &str = "PAYFECT_BASE_URL";

/// The client's inner state: the key and the transport settings. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct ClientState {
    /// `Api-Key <key>`, made once.
    authorization: SecretHeader,
    pub(crate) transport: Transport,
}

impl ClientState {
    fn new(api_key: &SecretString, transport: Transport) -> ClientState {
        ClientState {
            authorization: SecretHeader::new("Api-Key ", api_key),
            transport,
        }
    }

    /// The `Authorization` value, flagged sensitive so request `Debug` output hides it.
    pub(crate) fn authorization(&self) -> Result<HeaderValue, ConfigError> {
        self.authorization
            .value()
            .ok_or(ConfigError::NotSendable("API key"))
    }
}

/// Builds a [`Client`]: base URL, timeouts, your own `reqwest::Client`, retry policy.
///
/// ```
/// use payfect_client::{Client, RetryPolicy};
///
/// let client = Client::builder("pf_test_key")
///     .base_url("http://127.0.0.1:8080/payfect")
///     .retry(RetryPolicy::default().max_attempts(3))
///     .build()?;
/// # Ok::<(), payfect_client::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: SecretString,
    settings: Settings,
}

impl ClientBuilder {
    /// A builder for the dashboard's API key.
    pub fn new(api_key: impl Into<SecretString>) -> Self {
        ClientBuilder {
            api_key: api_key.into(),
            settings: Settings::new(DEFAULT_BASE_URL),
        }
    }

    paygate_runtime::builder_setters!();

    /// Checks the key and the base URL, then builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        paygate_runtime::config::check_credential("API key", self.api_key.expose_secret())?;
        let state = ClientState::new(
            &self.api_key,
            Transport::new("payfect")
                .retry(self.settings.retry.clone())
                .sensitive(crate::SENSITIVE_KEYS),
        );
        state.authorization()?;
        let base_url = self.settings.checked_base_url()?;
        Ok(Client::new_with_client(
            &base_url,
            self.settings.http_client(),
            state,
        ))
    }
}

impl Client {
    /// A builder for a client authenticated with `api_key`.
    pub fn builder(api_key: impl Into<SecretString>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// A client with the default settings. A key that cannot be sent fails each call.
    pub fn new(api_key: impl Into<SecretString>) -> Client {
        let api_key = api_key.into();
        let settings = Settings::new(DEFAULT_BASE_URL);
        let state = ClientState::new(
            &api_key,
            Transport::new("payfect").sensitive(crate::SENSITIVE_KEYS),
        );
        Client::new_with_client(DEFAULT_BASE_URL, settings.http_client(), state)
    }

    /// A client from `PAYFECT_API_KEY` (and `PAYFECT_BASE_URL`, when set).
    pub fn from_env() -> Result<Client, ConfigError> {
        let mut builder = ClientBuilder::new(paygate_runtime::config::env_var(API_KEY_ENV)?);
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The same client with another retry policy, for one call or a group of calls.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        use progenitor_client::ClientInfo;
        let mut state = self.inner().clone();
        state.transport.retry = policy;
        Client::new_with_client(self.baseurl(), self.client().clone(), state)
    }
}
