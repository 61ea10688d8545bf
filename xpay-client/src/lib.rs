//! Typed clients for the two APIs that go by "XPay":
//!
//! - [`platform`]: the XPay platform API (docs.xpay.app), Stripe-like: checkout sessions,
//!   customers, payment links, products, prices, refunds; bearer secret key; `XPay-Signature`
//!   webhooks.
//! - [`xstak`]: XPay by XStak (Pakistan): hosted checkout links and payment intents with
//!   `x-api-key`/`x-account-id` and an HMAC `x-signature` over the JSON body.
//!
//! Both are generated at build time from `specs/xpay.yaml` and `specs/xpay-xstak.yaml`.

#[cfg(platform_ready)]
pub mod platform;
#[cfg(xstak_ready)]
pub mod xstak;
