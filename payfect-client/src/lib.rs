//! Typed client for [Payfect](https://docs.payfect.finance) crypto checkouts, generated at build
//! time from `specs/payfect.yaml`, plus the hand-written layer:
//!
//! - [`auth`]: `Authorization: Api-Key <key>` (a `SecretString`, never logged) and the
//!   [`ClientBuilder`] (base URL, HTTP client, retry policy);
//! - [`timestamp`]: one [`Timestamp`](timestamp::Timestamp) for Payfect's three time formats,
//!   re-serialized exactly as received;
//! - [`webhook`]: verification of the success callback's Fernet-encrypted
//!   `X-Payfect-Signature`;
//! - [`error`]: messages out of Payfect's (DRF-style, unconfirmed) error bodies.
//!
//! Money is `rust_decimal::Decimal`, read from and written as decimal strings with their scale
//! (`"20.5"` stays `"20.5"`, `"20.00"` stays `"20.00"`).
//!
//! ```no_run
//! use payfect_client::types::{CreateCheckoutRequest, InvoiceItemParams, Network, PaymentMethodData, PriceData};
//! use rust_decimal::Decimal;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = payfect_client::Client::builder(std::env::var("PAYFECT_API_KEY")?).build()?;
//! let checkout = client
//!     .create_checkout()
//!     .body(CreateCheckoutRequest {
//!         client_reference_id: Some("order-1001".into()),
//!         currency: "usdt".into(),
//!         invoice_items: vec![InvoiceItemParams::inline(
//!             PriceData::new("usdt", "Standard Plan", Decimal::new(205, 1)),
//!             std::num::NonZeroU64::MIN,
//!         )],
//!         success_url: Some("https://example.com/success".into()),
//!         cancel_url: Some("https://example.com/cancel".into()),
//!         callback_url: Some("https://example.com/payfect/callback".into()),
//!         payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
//!         payment_method_types: Vec::new(),
//!     })
//!     .send()
//!     .await?;
//! println!("redirect the customer to {}", checkout.url);
//! # Ok(()) }
//! ```
//!
//! Payfect documents no idempotency key and no list endpoint, so a create is never retried by
//! this client: on a transport error whose outcome is unknown (`Error::outcome_unknown()`),
//! reconcile through your own `client_reference_id` records and the callback rather than
//! creating again blindly.
#![deny(missing_docs)]

// The only clippy exemption in the crate: generated code follows progenitor's style.
#[allow(clippy::all, clippy::pedantic, unused_imports, missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/payfect.rs"));
}
pub use generated::*;

pub mod auth;
pub mod checkout;
pub mod error;
mod hooks;
pub mod timestamp;
pub mod webhook;

pub use auth::{ClientBuilder, DEFAULT_BASE_URL};
pub use paygate_runtime::{ConfigError, RetryPolicy};
