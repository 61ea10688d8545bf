//! The hand-written layer every generated client shares: one retry policy, one error type,
//! secrets, HMAC, paging streams, exact JSON money, clocks.
//!
//! Each client implements progenitor's `ClientHooks` in a few lines: `pre` adds its auth and
//! signature, `exec` calls [`execute`] with the generated `check_response`.

pub mod clock;
pub mod error;
pub mod js;
pub mod money;
pub mod paging;
pub mod retry;
pub mod secret;
pub mod signature;
pub mod transport;
pub mod webhook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Outcome};
pub use money::JsonDecimal;
pub use paging::{Page, paginate};
pub use retry::RetryPolicy;
pub use secret::{ExposeSecret, SecretString};
pub use transport::{CheckFn, Transport, ensure_idempotency_key, execute, new_idempotency_key};

/// A `reqwest::Client` with the defaults our clients want: rustls, a connect timeout, and a
/// user agent naming this SDK. Pass your own to a client's builder to change any of it.
pub fn default_http_client(connect_timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .user_agent(concat!("paygate-rust/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building fails only if the TLS backend cannot initialise; fall back to defaults.
        .unwrap_or_default()
}
