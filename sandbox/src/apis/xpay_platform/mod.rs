//! XPay platform (docs.xpay.app): checkout sessions, customers, payment links, products,
//! prices and refunds, with `XPay-Signature` webhooks.
//!
//! What it enforces, and where that comes from:
//! - `Authorization: Bearer <sk_test_…>`: missing, malformed or wrong → 401
//!   `authentication_error` / `api_key_invalid` (the type name is unconfirmed; the code is
//!   one XPay's plugin branches on).
//! - Validation errors in XPay's envelope (`{error:{type,code,message,param,doc_url},
//!   request_id}`) with the documented codes: `parameter_missing`, `parameter_invalid`,
//!   `parameter_out_of_range`, `parameters_exclusive`, `parameter_requires_another`,
//!   `resource_missing` (404 for the path's id, 400 for an id referenced in the body, as
//!   Stripe does), `resource_invalid_state` (409).
//! - Sessions: `afterCompletion` required (redirect URLs must be https); each line item has
//!   exactly one of `price` / `priceData`, quantity ≥ 1, one currency; `customerId` excludes
//!   `customerDetails`; `cancelUrl` only with `uiMode: hosted`; the immutable fields (mode,
//!   uiMode, submitType, currency, expiresAfterMinutes) cannot be patched; only open sessions
//!   change; sessions expire `expiresAfterMinutes` (default 24 h) after creation on the sandbox
//!   clock. Unconfirmed: the 30–1440 minute range (Stripe's).
//! - Products/prices: a price used by any line item cannot be deleted, nor can its product
//!   (409); deleting a default price clears the product's `defaultPriceId`.
//! - Refunds: exactly one of `chargeId` / `paymentIntentId`; an intent must have exactly one
//!   succeeded charge; the amount is limited to what is left to refund.
//! - Webhooks (`checkout.session.completed` / `.expired`, `refund.created`,
//!   `charge.refunded`) go to the configured receiver, signed `t=…,v1=…` with the sandbox
//!   `whsec_…` secret, re-signed on every attempt.
//!
//! `settle`: `Complete` pays the session (customer, payment intent, charge, balance
//! transaction); `Fail` records a declined attempt and leaves the session open (XPay
//! documents no failure webhook); `Cancel` expires it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use xpay_client::platform::Nullable;
use xpay_client::platform::types;

use crate::core::idempotency::IdempotencyConfig;
use crate::core::store::trim_oldest;
use crate::core::{Api, Ctx, Outcome, RequestId, SettleError, Webhook, secret_eq};

/// `api_version` of the events this sandbox sends (the version the docs show).
pub const API_VERSION: &str = "3.1.0";
/// The merchant every sandbox key belongs to.
pub const MERCHANT_ID: &str = "merch_sandbox0000000000000001";
/// Default session lifetime (documented: 24 h).
pub const SESSION_LIFETIME_MINUTES: i64 = 24 * 60;
const HOSTED_CHECKOUT: &str = "https://checkout.xpay.app";

/// The XPay platform fake: checkout sessions, customers, payment links, products, prices,
/// refunds, and `XPay-Signature` webhooks.
pub struct XpayPlatformSandbox {
    ctx: Ctx,
    state: Mutex<Db>,
}

#[derive(Default)]
struct Db {
    sessions: Vec<types::CheckoutSession>,
    customers: Vec<types::Customer>,
    payment_links: Vec<types::PaymentLink>,
    products: Vec<types::Product>,
    prices: Vec<types::Price>,
    refunds: Vec<types::Refund>,
    intents: Vec<types::PaymentIntent>,
    charges: Vec<types::Charge>,
}

/// An event to send once the state lock is released.
struct Pending {
    event_type: &'static str,
    object: Value,
}

mod customers;
mod errors;
mod links;
mod parsing;
mod prices;
mod products;
mod refunds;
mod sessions;
mod state;

#[allow(unused_imports)]
use customers::*;
#[allow(unused_imports)]
use errors::*;
#[allow(unused_imports)]
use links::*;
#[allow(unused_imports)]
use parsing::*;
#[allow(unused_imports)]
use prices::*;
#[allow(unused_imports)]
use products::*;
#[allow(unused_imports)]
use refunds::*;
#[allow(unused_imports)]
use sessions::*;
#[allow(unused_imports)]
use state::*;

// ------------------------------------------------------------------ the sandbox

type Sb = State<Arc<XpayPlatformSandbox>>;
type Q = Query<HashMap<String, String>>;

impl crate::core::fake::FakeApi for XpayPlatformSandbox {
    fn api(&self) -> Api {
        Api::XpayPlatform
    }

    fn reject(
        &self,
        request_id: &RequestId,
        violations: &[crate::core::conformance::Violation],
    ) -> Response {
        use crate::core::conformance::Rule;
        let Some(first) = violations.first() else {
            return ApiErr::new(
                StatusCode::BAD_REQUEST,
                "parameter_invalid",
                "Invalid request.",
            )
            .into_response(request_id);
        };
        // XPay's error catalogue tells these apart by code.
        let code = match first.rule {
            Rule::Missing => "parameter_missing",
            Rule::OutOfRange => "parameter_out_of_range",
            Rule::Exclusive => "parameters_exclusive",
            Rule::Invalid => "parameter_invalid",
        };
        let mut error = ApiErr::new(StatusCode::BAD_REQUEST, code, first.to_string());
        if !first.path.is_empty() {
            error = error.param(first.dotted());
        }
        error.into_response(request_id)
    }

    fn routes(self: Arc<Self>) -> Router {
        XpayPlatformSandbox::router(&self)
    }

    // Unconfirmed: XPay documents `request_id` only inside error bodies; the header follows
    // Stripe, whose conventions XPay mirrors.
    fn request_id_header(&self) -> Option<&'static str> {
        Some("request-id")
    }

    fn idempotency(&self) -> Option<IdempotencyConfig> {
        Some(IdempotencyConfig::xpay_platform())
    }

    fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        XpayPlatformSandbox::settle(self, id, outcome)
    }
}

impl XpayPlatformSandbox {
    /// A fake with no objects, sharing `ctx` (clock, credentials, webhooks).
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(XpayPlatformSandbox {
            ctx,
            state: Mutex::new(Db::default()),
        })
    }

    /// Routes with the paths of `specs/xpay.yaml`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/checkout/sessions", post(create_session))
            .route(
                "/checkout/sessions/{id}",
                get(get_session).patch(update_session),
            )
            .route("/checkout/sessions/{id}/expire", post(expire_session))
            .route("/customers", get(list_customers).post(create_customer))
            .route("/customers/{id}", get(get_customer))
            .route("/customers/{id}/stats", get(customer_stats))
            .route("/payment-links", get(list_links).post(create_link))
            .route("/payment-links/{id}", get(get_link).patch(update_link))
            .route("/products", get(list_products).post(create_product))
            .route("/products/upload-url", post(upload_url))
            .route(
                "/products/{id}",
                get(get_product)
                    .patch(update_product)
                    .delete(delete_product),
            )
            .route("/products/{id}/stats", get(product_stats))
            .route("/prices", post(create_price))
            .route(
                "/prices/{id}",
                axum::routing::patch(update_price).delete(delete_price),
            )
            .route("/refunds", get(list_refunds).post(create_refund))
            .route("/refunds/{id}", get(get_refund))
            .with_state(Arc::clone(self))
    }

    /// Completes, fails or cancels an open checkout session and sends the webhook XPay
    /// documents for it; returns the session as `GET /checkout/sessions/{id}` would.
    pub fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        let now = self.ctx.now();
        let mut pending = Vec::new();
        let result = {
            let mut db = self.lock();
            db.expire_due(now, &mut pending);
            let Some(index) = db.sessions.iter().position(|s| s.id == id) else {
                drop(db);
                self.send_all(pending);
                return Err(SettleError::NotFound(id.to_string()));
            };
            if db.sessions[index].status != Some(types::CheckoutSessionStatus::Open) {
                let status = db.sessions[index]
                    .status
                    .as_ref()
                    .map_or("unknown", |s| s.as_str())
                    .to_string();
                drop(db);
                self.send_all(pending);
                return Err(SettleError::InvalidState(format!(
                    "session {id} is {status}"
                )));
            }
            let settled = match outcome {
                Outcome::Complete => db.complete(index, now, &self.ctx),
                Outcome::Fail => db.fail(index, now, &self.ctx),
                Outcome::Cancel => {
                    db.expire(index, now);
                    Ok(())
                }
            };
            match settled {
                Ok(()) => {
                    let session = &db.sessions[index];
                    let value = serde_json::to_value(session)
                        .map_err(|e| SettleError::Unsupported(e.to_string()))?;
                    match outcome {
                        Outcome::Complete => pending.push(Pending {
                            event_type: "checkout.session.completed",
                            object: value.clone(),
                        }),
                        Outcome::Cancel => pending.push(Pending {
                            event_type: "checkout.session.expired",
                            object: value.clone(),
                        }),
                        Outcome::Fail => {}
                    }
                    Ok(value)
                }
                Err(e) => Err(SettleError::Unsupported(e.message)),
            }
        };
        self.send_all(pending);
        result
    }

    fn lock(&self) -> MutexGuard<'_, Db> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn authenticate(&self, headers: &HeaderMap) -> Result<(), ApiErr> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiErr::unauthorized(
                "You did not provide an API key. Send it as `Authorization: Bearer <key>`.",
            ));
        };
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiErr::unauthorized("Malformed Authorization header; expected `Bearer <key>`.")
            })?;
        let expected = self.ctx.creds().xpay_platform_secret_key.expose_secret();
        if !secret_eq(key.as_bytes(), expected.as_bytes()) {
            return Err(ApiErr::unauthorized("Invalid API key provided."));
        }
        Ok(())
    }

    /// Runs `f` on the state after authenticating and expiring due sessions, then sends the
    /// events it queued.
    fn with_db(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Db, DateTime<Utc>, &Ctx, &mut Vec<Pending>) -> Reply,
    ) -> Reply {
        self.authenticate(headers)?;
        let now = self.ctx.now();
        let mut pending = Vec::new();
        let reply = {
            let mut db = self.lock();
            // Here, where no handler holds an index into the vectors.
            db.trim();
            db.expire_due(now, &mut pending);
            f(&mut db, now, &self.ctx, &mut pending)
        };
        self.send_all(pending);
        reply
    }

    fn send_all(&self, pending: Vec<Pending>) {
        for event in pending {
            self.send_event(event);
        }
    }

    /// Sends one event, signed as XPay signs: `t=<unix>,v1=hex(HMAC-SHA256(secret, "{t}.{body}"))`.
    fn send_event(&self, event: Pending) {
        let envelope = json!({
            "id": self.ctx.new_id("evt_test_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": ts(self.ctx.now()).0,
            "type": event.event_type,
            "livemode": false,
            "data": { "object": event.object },
        });
        let body = match serde_json::to_vec(&envelope) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, "xpay_platform: cannot serialize an event");
                return;
            }
        };
        let secret = self.ctx.creds().xpay_platform_webhook_secret.clone();
        let webhook = Webhook::json(Api::XpayPlatform, event.event_type, None, body)
            .sign_each_attempt(move |body, now| {
                // The client's own signing helper: one definition of the scheme.
                let header = xpay_client::platform::webhook::signature_header(
                    secret.expose_secret(),
                    now.timestamp(),
                    body,
                );
                vec![("XPay-Signature".to_string(), header)]
            });
        self.ctx.webhooks().send(webhook);
    }
}
