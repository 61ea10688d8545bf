//! The XPay platform API (docs.xpay.app): checkout sessions, customers, payment links,
//! products, prices and refunds.
//!
//! ```no_run
//! # async fn demo() -> Result<(), xpay_client::platform::Error> {
//! use xpay_client::platform::{Client, types};
//!
//! let client = Client::new("sk_test_…");
//! // `::new` takes the required fields; the optional ones start empty.
//! let request = types::CreateCheckoutSessionRequest {
//!     currency: Some("EGP".into()),
//!     ..types::CreateCheckoutSessionRequest::new(
//!         types::AfterCompletion::redirect("https://shop.example/thanks?session={CHECKOUT_SESSION_ID}"),
//!         vec![types::LineItemInput::price("price_test_AbC123", std::num::NonZeroU64::MIN)],
//!     )
//! };
//! let session = client.create_checkout_session().body(request).send().await?;
//! println!("pay at {:?}", session.url);
//! # Ok(()) }
//! ```
//!
//! - Every operation of `specs/xpay.yaml` is a method of [`Client`] (through `Deref` to the
//!   generated [`Operations`]): `client.<operation_id>().<param>(..).body(..).send().await`.
//! - The secret key travels as `Authorization: Bearer …`; it is held in a [`SecretString`] and
//!   never shows in `Debug` or errors.
//! - Every POST carries an `Idempotency-Key`: set it with `.idempotency_key(..)`, or one is
//!   generated per call and reused on every retry of that call.
//! - Errors are [`Error`] (`status()`, `code()`, `message()`, `request_id()`); [`ApiErrorExt`] reads XPay's typed `error.type`, `code`,
//!   `param` and `request_id` off it.
//! - Every list operation has `.stream()` ([`pagination`]); amounts convert with [`money`];
//!   webhooks verify with [`webhook`].

#[allow(clippy::all, clippy::pedantic, unused_imports, missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/platform.rs"));
}
pub use generated::*;

pub mod auth;
mod error;
mod hooks;
pub mod money;
pub mod pagination;
mod requests;
mod timestamp;
pub mod webhook;

pub use auth::{BASE_URL_ENV, ClientBuilder, ClientState, DEFAULT_BASE_URL, Mode, SECRET_KEY_ENV};
pub use error::ApiErrorExt;
pub use pagination::PageStream;
pub use paygate_runtime::ConfigError;
pub use paygate_runtime::{RetryPolicy, SecretString};
pub use timestamp::ClearableTimestamp;

/// The generated operations, one method per operation of the spec. [`Client`] derefs to it.
pub use generated::Client as Operations;

/// An XPay platform client. Cheap to clone (clones share the connection pool).
///
/// Operations come from the generated [`Operations`] through `Deref`.
#[derive(Clone, Debug)]
pub struct Client {
    operations: Operations,
}

impl Client {
    /// A client for `https://api.xpay.app` with the default timeouts and retry policy. The key
    /// (`sk_test_…` / `sk_live_…`, or a restricted `rk_…`) selects test or live mode.
    ///
    /// Use [`Client::builder`] to change the base URL, timeouts, HTTP client or retry policy,
    /// or to have the key's format checked up front.
    pub fn new(secret_key: impl Into<SecretString>) -> Client {
        ClientBuilder::new(secret_key).build_unchecked()
    }

    /// Configures a client; see [`ClientBuilder`].
    pub fn builder(secret_key: impl Into<SecretString>) -> ClientBuilder {
        ClientBuilder::new(secret_key)
    }

    /// A client from `XPAY_SECRET_KEY` (and `XPAY_BASE_URL`, when set).
    pub fn from_env() -> Result<Client, ConfigError> {
        let mut builder = ClientBuilder::new(paygate_runtime::config::env_var(SECRET_KEY_ENV)?);
        if let Ok(url) = std::env::var(BASE_URL_ENV) {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    pub(crate) fn from_operations(operations: Operations) -> Client {
        Client { operations }
    }

    /// The same client with another retry policy, e.g. `RetryPolicy::none()` for one call.
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        let mut state = self.operations.inner().clone();
        state.transport = state.transport.retry(policy);
        Client::from_operations(Operations::new_with_client(
            self.operations.baseurl(),
            self.operations.client().clone(),
            state,
        ))
    }

    /// Test or live, from the key's prefix (`None` for a key of unknown shape).
    pub fn mode(&self) -> Option<Mode> {
        self.operations.inner().mode()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.operations.baseurl()
    }
}

impl std::ops::Deref for Client {
    type Target = Operations;

    fn deref(&self) -> &Operations {
        &self.operations
    }
}
