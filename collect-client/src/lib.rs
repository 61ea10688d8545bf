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
#![warn(missing_docs)]

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
