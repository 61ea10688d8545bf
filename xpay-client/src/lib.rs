//! Typed clients for the two APIs that go by "XPay":
//!
//! - [`platform`]: the XPay platform API (docs.xpay.app), Stripe-like: checkout sessions,
//!   customers, payment links, products, prices, refunds; bearer secret key; `XPay-Signature`
//!   webhooks.
//! - [`xstak`]: XPay by XStak (Pakistan): hosted checkout links and payment intents with
//!   `x-api-key`/`x-account-id` and an HMAC `x-signature` over the JSON body.
//!
//! Both are generated at build time from `specs/xpay.yaml` and `specs/xpay-xstak.yaml`.

pub mod platform;
pub mod xstak;

/// XPay platform webhooks (`XPay-Signature`), also at [`platform::webhook`]. XStak's
/// `X-Signature` webhooks are in [`xstak::webhook`].
pub use platform::webhook;
