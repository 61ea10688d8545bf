//! Typed clients for the two APIs that go by "XPay", one cargo feature each (both default):
//!
//! - [`platform`] (feature `platform`): the XPay platform API (docs.xpay.app), Stripe-like:
//!   checkout sessions, customers, payment links, products, prices, refunds; bearer secret
//!   key; `XPay-Signature` webhooks.
//! - [`xstak`] (feature `xstak`): XPay by XStak (Pakistan): hosted checkout links and payment
//!   intents with `x-api-key`/`x-account-id` and an HMAC `x-signature` over the JSON body.
//!
//! Each is generated at build time from its spec (`specs/xpay.yaml`, `specs/xpay-xstak.yaml`),
//! and only when its feature is on: `default-features = false, features = ["xstak",
//! "rustls-ring"]` builds XStak alone.
//!
//! Calls are `async` and need a tokio runtime (features `rt` or `rt-multi-thread`, and
//! `time` for the retry backoff); see the crate README.
//!
//! A hosted checkout on the platform API, then the webhook that says it was paid:
//!
//! ```no_run
//! use std::num::NonZeroU64;
//! use xpay_client::platform::{Client, types};
//! use xpay_client::webhook::{EventObject, Verifier};
//!
//! # async fn demo(body: &[u8], headers: &reqwest::header::HeaderMap) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?; // XPAY_SECRET_KEY, and XPAY_BASE_URL for the sandbox
//! let session = client
//!     .create_checkout_session()
//!     .body(types::CreateCheckoutSessionRequest::new(
//!         types::AfterCompletion::redirect("https://shop.example/thanks"),
//!         vec![types::LineItemInput::price("price_test_AbC123", NonZeroU64::MIN)],
//!     ))
//!     .send()
//!     .await?;
//! println!("pay here: {}", session.url.as_deref().unwrap_or("?"));
//!
//! // In the webhook handler: the raw body and the request's headers.
//! let verifier = Verifier::new("whsec_…")?;
//! match verifier.construct_event(body, headers)?.object {
//!     EventObject::CheckoutSessionCompleted(session) => println!("paid: {}", session.id),
//!     other => println!("not handled: {}", other.type_()),
//! }
//! # Ok(()) }
//! ```
//!
//! XStak's calls are signed and their replies enveloped; the [`xstak`] module starts with a
//! checkout link of its own.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "platform", feature = "xstak")))]
compile_error!("xpay-client: enable at least one API feature, `platform` or `xstak`");

#[cfg(feature = "platform")]
#[cfg_attr(docsrs, doc(cfg(feature = "platform")))]
pub mod platform;
#[cfg(feature = "xstak")]
#[cfg_attr(docsrs, doc(cfg(feature = "xstak")))]
pub mod xstak;

/// XPay platform webhooks (`XPay-Signature`), also at [`platform::webhook`]. XStak's
/// `X-Signature` webhooks are in `xstak::webhook`.
#[cfg(feature = "platform")]
#[cfg_attr(docsrs, doc(cfg(feature = "platform")))]
pub use platform::webhook;
