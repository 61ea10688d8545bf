//! [`CollectClient`]: the entry point. Built from `appId` + `secretKey`; authentication,
//! retries and the envelope are handled inside.

use crate::auth::{Auth, DEFAULT_REFRESH_MARGIN, SecretKey};
use crate::envelope::ResponseExt;
use crate::error::Error;
use crate::hooks::ClientState;
use crate::types;
use chrono::{DateTime, TimeDelta, Utc};
use paygate_runtime::{Clock, ConfigError, RetryPolicy, Settings, SystemClock, Transport};
use progenitor_client::ClientInfo;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// FYATU's production base URL (v3). FYATU documents no separate sandbox host for v3.
pub const DEFAULT_BASE_URL: &str = "https://api.fyatu.com/api/v3";

/// A FYATU v3 collections client. Cheap to clone; clones share the access token.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use collect_client::{CollectClient, NewCollection};
/// use rust_decimal::Decimal;
///
/// let client = CollectClient::builder("A1B2C3D4E5F6G7H8", "your_secret_key_here").build()?;
/// let created = client
///     .create_collection(&NewCollection::new(Decimal::new(2500, 2), "INV-001", "Premium Subscription"))
///     .await?;
/// println!("pay at {}", created.checkout_url().unwrap_or("?"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CollectClient {
    pub(crate) raw: crate::Client,
}

/// Configures a [`CollectClient`].
pub struct CollectClientBuilder {
    app_id: String,
    secret_key: SecretKey,
    settings: Settings,
    clock: Arc<dyn Clock>,
    refresh_margin: TimeDelta,
}

impl fmt::Debug for CollectClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CollectClientBuilder")
            .field("app_id", &self.app_id)
            .field("secret_key", &self.secret_key)
            .field("settings", &self.settings)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl CollectClientBuilder {
    paygate_runtime::builder_setters!();

    /// The clock token expiry is measured on (tests pass a `ManualClock`).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Renew the token when less than this remains (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = TimeDelta::from_std(margin).unwrap_or(DEFAULT_REFRESH_MARGIN);
        self
    }

    /// Checks the settings (nothing is sent yet: the first call authenticates).
    pub fn build(self) -> Result<CollectClient, ConfigError> {
        let app_id =
            types::AppId::try_from(self.app_id.trim()).map_err(|e| ConfigError::Invalid {
                what: "appId",
                reason: e.to_string(),
            })?;
        if self.secret_key.expose_secret().chars().count() < 16 {
            return Err(ConfigError::Invalid {
                what: "secretKey",
                reason: "shorter than 16 characters".into(),
            });
        }
        let base_url = self.settings.checked_base_url()?;
        let state = ClientState {
            transport: Transport::new("collect")
                .retry(self.settings.retry.clone())
                .sensitive(crate::SENSITIVE_KEYS),
            auth: Arc::new(Auth::new(
                app_id,
                self.secret_key,
                self.clock,
                self.refresh_margin,
            )),
        };
        Ok(CollectClient {
            raw: crate::Client::new_with_client(&base_url, self.settings.http_client(), state),
        })
    }
}

impl CollectClient {
    /// Starts a builder from the app's credentials.
    pub fn builder(
        app_id: impl Into<String>,
        secret_key: impl Into<SecretKey>,
    ) -> CollectClientBuilder {
        CollectClientBuilder {
            app_id: app_id.into(),
            secret_key: secret_key.into(),
            settings: Settings::new(DEFAULT_BASE_URL),
            clock: Arc::new(SystemClock),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// A client with the default settings.
    pub fn new(
        app_id: impl Into<String>,
        secret_key: impl Into<SecretKey>,
    ) -> Result<CollectClient, ConfigError> {
        CollectClient::builder(app_id, secret_key).build()
    }

    /// A client from `FYATU_APP_ID` and `FYATU_SECRET_KEY` (and `FYATU_BASE_URL`, when set).
    pub fn from_env() -> Result<CollectClient, ConfigError> {
        let mut builder = CollectClient::builder(
            paygate_runtime::config::env_var("FYATU_APP_ID")?,
            paygate_runtime::config::env_var("FYATU_SECRET_KEY")?,
        );
        if let Ok(url) = std::env::var("FYATU_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The generated client, for any operation in its raw form. Its calls are authenticated
    /// too; use [`crate::ResponseExt::data`] to unwrap their replies.
    pub fn raw(&self) -> &crate::Client {
        &self.raw
    }

    /// The API base URL this client sends to.
    pub fn base_url(&self) -> &str {
        self.raw.baseurl()
    }

    /// A client with another retry policy that shares this one's token.
    pub fn with_retry(&self, policy: RetryPolicy) -> CollectClient {
        let state = self.raw.inner();
        let state = ClientState {
            transport: state.transport.clone().retry(policy),
            auth: state.auth.clone(),
        };
        CollectClient {
            raw: crate::Client::new_with_client(
                self.raw.baseurl(),
                self.raw.client().clone(),
                state,
            ),
        }
    }

    /// Makes sure a usable token is cached, authenticating now if needed. Calls do this on
    /// their own; call it at start-up to fail fast on bad credentials
    /// (`AUTH_INVALID_CREDENTIALS`).
    pub async fn authenticate(&self) -> Result<(), Error> {
        self.raw.inner().auth.bearer(&self.raw).await.map(drop)
    }

    /// When the cached token expires (client clock), if one is cached.
    pub fn token_expires_at(&self) -> Option<DateTime<Utc>> {
        self.raw.inner().auth.expires_at()
    }

    /// Revokes the cached token (`POST /auth/revoke`) and forgets it; the next call
    /// authenticates afresh. `Ok(false)` when no token was cached.
    pub async fn revoke_token(&self) -> Result<bool, Error> {
        let auth = &self.raw.inner().auth;
        if auth.current_token().is_none() {
            return Ok(false);
        }
        let result = self.raw.revoke_token().send().await.data();
        auth.clear();
        Ok(result?.revoked.unwrap_or(true))
    }

    /// `GET /collections/{collectionId}`: the authoritative state of a collection.
    ///
    /// This is how a webhook or a browser redirect must be confirmed before an order is
    /// fulfilled (FYATU's own advice): both can be forged or replayed, the API cannot. Check
    /// [`types::Collection::is_paid`] with the amount you expect.
    pub async fn get_collection(&self, collection_id: &str) -> Result<types::Collection, Error> {
        if collection_id.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "collectionId: must not be empty".into(),
            ));
        }
        self.authenticate().await?;
        self.raw
            .get_collection()
            .collection_id(collection_id)
            .send()
            .await
            .data()
    }

    /// `GET /refunds/reasons`: the reason codes a refund accepts.
    pub async fn list_refund_reasons(&self) -> Result<Vec<types::RefundReasonInfo>, Error> {
        self.authenticate().await?;
        Ok(self.raw.list_refund_reasons().send().await.data()?.reasons)
    }
}
