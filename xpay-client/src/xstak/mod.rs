//! XPay by XStak (Pakistan): hosted checkout links, payment intents, capture, void, refunds,
//! and webhook verification.
//!
//! ```no_run
//! use std::str::FromStr;
//! use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::staging(Credentials::new(
//!     "sk_…",            // Secret Key, sent as `x-api-key`
//!     "account id",      // sent as `x-account-id`
//!     "api hmac secret", // signs request bodies (`x-signature`)
//! ))
//! .build()?;
//!
//! let amount = rust_decimal::Decimal::from_str("1500.50").expect("a decimal literal");
//! let intent = client
//!     .create_checkout_link()
//!     .body(
//!         types::CheckoutRequest::builder()
//!             .amount(amount)
//!             .currency("PKR")
//!             .customer(
//!                 types::Customer::builder()
//!                     .name("Ali")
//!                     .email(Some("ali@example.pk".to_owned())),
//!             )
//!             .success_url("https://shop.example.pk/paid")
//!             .failure_url("https://shop.example.pk/failed"),
//!     )
//!     .send()
//!     .await
//!     .data()?; // unwraps `{success, responseStatus, message, data}`
//! println!("{}", intent.checkout_page_url.unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! Every call returns the envelope's typed `data` through [`EnvelopeExt::data`], or an
//! [`Error`]: `success: false` is an [`Error::Api`](paygate_runtime::Error::Api) that keeps the
//! HTTP status (even 200) and the provider's `message`.
//!
//! Request bodies are serialized once, checked to be exactly what XStak's Node.js server
//! re-serializes (`JSON.stringify(JSON.parse(body))`), and signed in the request hook; see
//! [`signing`]. Amounts are exact [`JsonDecimal`]s in rupees.

#[allow(clippy::all, clippy::pedantic, unused_imports, missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/xstak.rs"));
}
pub use generated::*;

pub mod auth;
pub mod envelope;
mod hooks;
pub mod signing;
pub mod webhook;

pub use auth::{ClientBuilder, ClientState, Credentials, PRODUCTION_URL, STAGING_URL};
pub use paygate_runtime::ConfigError;
pub use paygate_runtime::{Envelope, EnvelopeExt};
