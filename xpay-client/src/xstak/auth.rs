//! Credentials, environments and the client builder.

use std::fmt;

use paygate_runtime::config::{check_credential, env_var};
use paygate_runtime::secret::SecretHeader;
use paygate_runtime::{ConfigError, ExposeSecret, RetryPolicy, SecretString, Settings, Transport};
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
/// [`webhook::Verifier`](super::webhook::Verifier).
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
    /// `x-api-key` and `x-account-id`, made once.
    pub(crate) api_key: SecretHeader,
    pub(crate) account_id: SecretHeader,
    pub(crate) transport: Transport,
}

impl ClientState {
    fn new(credentials: Credentials, transport: Transport) -> ClientState {
        ClientState {
            api_key: SecretHeader::new("", &credentials.secret_key),
            account_id: SecretHeader::new("", &credentials.account_id),
            credentials,
            transport,
        }
    }
}

/// Builds a [`Client`]. Start from [`Client::staging`] or [`Client::production`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    credentials: Credentials,
    settings: Settings,
    retry_writes_with_key: bool,
}

impl ClientBuilder {
    /// A builder for production (`Client::builder`); [`ClientBuilder::staging`] switches.
    pub fn new(credentials: Credentials) -> Self {
        ClientBuilder {
            credentials,
            settings: Settings::new(PRODUCTION_URL),
            retry_writes_with_key: false,
        }
    }

    /// Sends to XStak's staging environment.
    pub fn staging(self) -> Self {
        self.base_url(STAGING_URL)
    }

    /// Sends to XStak's production environment (the default).
    pub fn production(self) -> Self {
        self.base_url(PRODUCTION_URL)
    }

    paygate_runtime::builder_setters!();

    /// Every write carries an `x-idempotency-key` (yours, or a fresh UUID). XStak does not
    /// document whether it deduplicates on it, so by default a write whose outcome is unknown
    /// (e.g. the connection dropped after sending) is **not** retried, because a retried
    /// refund could be paid twice. Turn this on once you have confirmed that XStak honours the
    /// key; then such writes are retried with the same key.
    pub fn retry_writes_with_idempotency_key(mut self, enabled: bool) -> Self {
        self.retry_writes_with_key = enabled;
        self
    }

    /// Checks the credentials and the base URL, then builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let c = &self.credentials;
        check_credential("secret key", c.secret_key.expose_secret())?;
        check_credential("account id", c.account_id.expose_secret())?;
        if c.api_hmac_secret.expose_secret().is_empty() {
            return Err(ConfigError::Empty("API HMAC secret"));
        }
        let base_url = self.settings.checked_base_url()?;
        let mut transport = Transport::new("xstak")
            .retry(self.settings.retry.clone())
            .sensitive(super::SENSITIVE_KEYS);
        if self.retry_writes_with_key {
            transport = transport.idempotency_header(IDEMPOTENCY_HEADER);
        }
        Ok(Client::new_with_client(
            &base_url,
            self.settings.http_client(),
            ClientState::new(self.credentials, transport),
        ))
    }
}

impl Client {
    /// A builder for production; `.staging()` switches environments.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// A production client with the default settings; credentials that cannot be sent fail
    /// each call.
    pub fn new(credentials: Credentials) -> Client {
        let settings = Settings::new(PRODUCTION_URL);
        Client::new_with_client(
            PRODUCTION_URL,
            settings.http_client(),
            ClientState::new(
                credentials,
                Transport::new("xstak").sensitive(super::SENSITIVE_KEYS),
            ),
        )
    }

    /// A builder for the staging environment.
    pub fn staging(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials).staging()
    }

    /// A builder for the production environment.
    pub fn production(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// A client from `XSTAK_SECRET_KEY`, `XSTAK_ACCOUNT_ID`, `XSTAK_API_HMAC_SECRET` and
    /// `XSTAK_BASE_URL` (default: staging, so that no test reaches production by accident).
    pub fn from_env() -> Result<Client, ConfigError> {
        let credentials = Credentials::new(
            env_var("XSTAK_SECRET_KEY")?,
            env_var("XSTAK_ACCOUNT_ID")?,
            env_var("XSTAK_API_HMAC_SECRET")?,
        );
        let base = std::env::var("XSTAK_BASE_URL").unwrap_or_else(|_| STAGING_URL.into());
        ClientBuilder::new(credentials).base_url(base).build()
    }

    /// The same client (sharing its connection pool) with another retry policy, e.g.
    /// `client.with_retry(RetryPolicy::none()).create_refund()…`.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut state = self.inner.clone();
        state.transport.retry = policy;
        Client::new_with_client(&self.baseurl, self.client.clone(), state)
    }
}
