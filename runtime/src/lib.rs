//! The hand-written layer every generated client shares: one retry policy, one error type,
//! secrets, HMAC, paging streams, exact JSON money, clocks.
//!
//! Every generated operation ends in [`call::send`]: the client's [`Api`] implementation
//! prepares the request once (auth, signature, idempotency key), the one retry loop sends it,
//! and the final reply is decoded once into the typed success or the provider's typed error.
#![deny(missing_docs)]

pub mod call;
pub mod clock;
pub mod config;
pub mod envelope;
pub mod error;
pub mod js;
pub mod money;
pub mod nullable;
pub mod paging;
pub mod path;
pub mod redact;
pub mod retry;
pub mod secret;
pub mod signature;
pub mod tls;
pub mod transport;
pub mod webhook;

pub use call::{Api, Strategy, send, send_empty};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{ConfigError, Settings};
pub use envelope::{Envelope, EnvelopeExt, Opened};
pub use error::{Error, Outcome, ProviderError};
pub use money::JsonDecimal;
pub use paging::{Page, paginate};
pub use progenitor_client::{OperationInfo, ResponseValue};
pub use retry::RetryPolicy;
pub use secret::{ExposeSecret, SecretString};
pub use transport::{Transport, ensure_idempotency_key, new_idempotency_key};

/// A `reqwest::Client` with the defaults our clients want: rustls, a connect timeout, a user
/// agent naming this SDK, and **no redirects**: reqwest strips only `Authorization` and cookies
/// on a cross-host redirect, so following one would send other credential headers (XStak's
/// `x-api-key`, signatures) and, on 307/308, signed bodies and idempotency keys elsewhere. A
/// 3xx becomes [`Error::Redirect`]. A client you pass to a builder must be built with
/// `reqwest::redirect::Policy::none()` as well; a reply that arrives from another URL than the
/// one requested is refused.
pub fn default_http_client(connect_timeout: std::time::Duration) -> reqwest::Client {
    tls::install_default_provider();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("paygate-rust/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only if the TLS backend cannot initialise; fall back to defaults.
        .unwrap_or_default()
}
