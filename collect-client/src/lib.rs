//! Typed client for FYATU v3 collections ("Collect"), generated at build time from
//! `specs/collect.yaml`.
//!
//! - [`CollectClient`] is built from the app's `appId` and `secretKey`; it obtains, caches and
//!   renews the JWT itself ([`auth`]), unwraps FYATU's `{success, status, message, data, meta}`
//!   envelope, and returns typed errors with FYATU's `code` ([`error`]).
//! - [`CollectClient::create_collection`] is safe to retry: `orderId` makes it exactly-once
//!   ([`collections`]).
//! - Money is exact ([`money`]): USD major units as decimals, `netAmount = amount − fee` checked
//!   on every collection returned.
//! - [`callback`] reads the browser redirect; [`webhook`] verifies and types IPN webhooks. Both
//!   must be confirmed with [`CollectClient::get_collection`] before fulfilling an order.
//! - Lists are pages or `Stream`s ([`pagination`]); refunds in [`refunds`].
//! - The generated client (every operation of the spec, builder style) is
//!   [`CollectClient::raw`]; [`ResponseExt::data`] unwraps its replies.
//!
//! A collection for an order, then the webhook that says it was paid, confirmed with FYATU
//! before the order ships:
//!
//! ```no_run
//! use collect_client::webhook::{EventObject, Verifier};
//! use collect_client::{CollectClient, Decimal, NewCollection};
//!
//! # async fn demo(body: &[u8], headers: &reqwest::header::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
//! let client = CollectClient::from_env()?; // FYATU_APP_ID, FYATU_SECRET_KEY (and FYATU_BASE_URL)
//! // `orderId` makes the create exactly-once: keep it per order, not per attempt.
//! let created = client
//!     .create_collection(&NewCollection::new(Decimal::new(2500, 2), "order-1001", "Standard Plan"))
//!     .await?;
//! println!("pay here: {}", created.checkout_url().unwrap_or("?"));
//!
//! // In the webhook handler: the raw body and the request's headers.
//! let event = Verifier::new("webhook secret")?.construct_event(body, headers)?;
//! if let EventObject::CollectionReceived(_) = &event.object {
//!     let collection = client.confirm_webhook(&event).await?;
//!     println!("order paid: {} USD received", collection.net_amount);
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

// The only clippy exemption in the crate: generated code follows progenitor's style.
#[allow(clippy::all, clippy::pedantic, unused_imports, missing_docs)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/collect.rs"));
}
pub use generated::*;

pub mod auth;
pub mod callback;
mod client;
pub mod collections;
pub mod envelope;
pub mod error;
pub mod hooks;
pub mod money;
pub mod pagination;
pub mod refunds;
pub mod time;
pub mod webhook;

pub use callback::{CallbackRedirect, CallbackStatus};
pub use client::{CollectClient, CollectClientBuilder, DEFAULT_BASE_URL};
pub use collections::{CreatedCollection, NewCollection, ValidationError};
pub use envelope::ResponseExt;
pub use error::{ApiError, Error, ErrorExt, OrderIdConflict};
pub use pagination::{CollectionFilter, RefundFilter};
pub use paygate_runtime::{ConfigError, RetryPolicy};
pub use refunds::NewRefund;
