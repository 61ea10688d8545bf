//! Payfect: crypto checkouts (`/checkouts/`), products, prices and payment links, with the
//! success callback encrypted into `X-Payfect-Signature` as a Fernet token.
//!
//! What it enforces, and where that comes from:
//! - `Authorization: Api-Key <key>`: missing or wrong → 401 (docs' error table); a merchant
//!   switched off with [`PayfectSandbox::set_merchant_active`] → 403 ("authenticated but not
//!   allowed").
//! - Validation errors as Django REST Framework writes them (`{"field": ["message"]}`, nested
//!   per invoice item), because the `Api-Key` scheme and trailing slashes point to DRF.
//!   Unconfirmed: Payfect does not document its error bodies.
//! - Checkouts live 24 h (inferred from the docs' example), then read as `expired`.
//! - Only success is notified (the only documented callback). `Outcome::Cancel` lets the
//!   session lapse (`expired`, no callback); `Outcome::Fail` is unsupported: Payfect has no
//!   failed state.
//!
//! Amounts are exact decimals; line amounts are `unit_amount × quantity`, written with at least
//! two decimal places (`"20.5"` × 1 → `"20.50"`).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use payfect_client::timestamp::Timestamp;
use payfect_client::types;
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::core::build::BuildError;
use crate::core::store::Capped;
use crate::core::{Api, Ctx, Outcome, SettleError, Webhook, secret_eq};

/// How long a checkout stays payable. Unconfirmed: in the docs' Aug-2023 example `expiresAt`
/// is exactly `createdAt` + 24 h.
pub const CHECKOUT_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// The merchant every sandbox key belongs to.
pub const MERCHANT_ID: &str = "5b1f0c9e-6a44-4d1e-9a59-5a9d6c0f5a11";
/// The name of [`MERCHANT_ID`], as checkouts show it.
pub const MERCHANT_NAME: &str = "Payfect Sandbox Merchant";

/// Host of the hosted pages in `url`, as in the docs' examples.
const HOSTED_PAGES: &str = "https://buy-dev.payfect.finance";

/// Networks the hosted page offers (the only one documented).
const NETWORKS: &[(&str, &str)] = &[("tron", "Tron (TRC20)")];

/// The Payfect fake: crypto checkouts, products, prices and payment links, with the
/// encrypted success callback.
pub struct PayfectSandbox {
    ctx: Ctx,
    state: Mutex<Store>,
}

struct Store {
    merchant_active: bool,
    checkouts: Capped<StoredCheckout>,
    products: Capped<types::Product>,
    prices: Capped<types::Price>,
    payment_links: Capped<types::PaymentLink>,
}

struct StoredCheckout {
    checkout: types::Checkout,
    expires_at: DateTime<Utc>,
    callback_url: Option<String>,
    /// `(currency, network)` pre-selected with `payment_method_data`.
    payment_method: Option<(String, String)>,
}

impl crate::core::fake::FakeApi for PayfectSandbox {
    fn api(&self) -> Api {
        Api::Payfect
    }

    fn reject(
        &self,
        _: &crate::core::request_id::RequestId,
        violations: &[crate::core::conformance::Violation],
    ) -> Response {
        replies::field_errors(fields::spec_errors(violations))
    }

    fn routes(self: Arc<Self>) -> Router {
        PayfectSandbox::router(&self)
    }

    fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        PayfectSandbox::settle(self, id, outcome)
    }
}

impl PayfectSandbox {
    /// A fake with no checkouts, sharing `ctx` (clock, credentials, webhooks).
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(PayfectSandbox {
            ctx,
            state: Mutex::new(Store {
                merchant_active: true,
                checkouts: Capped::default(),
                products: Capped::default(),
                prices: Capped::default(),
                payment_links: Capped::default(),
            }),
        })
    }

    /// Routes with the paths of `specs/payfect.yaml` (trailing slashes included), under the
    /// base `/api`: checkouts under `/v1/`; products, prices and payment links where Payfect's
    /// SDK creates them (`/api/…`), and also under `/v1/`, where an older spec put them.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/checkouts/", post(create_checkout))
            .route("/v1/checkouts/{id}/", get(retrieve_checkout))
            .with_state(self.clone())
            .merge(self.catalog_router())
            .nest("/v1", self.catalog_router())
    }

    /// Products, prices and payment links.
    fn catalog_router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/products/", post(create_product))
            .route("/prices/", post(create_price))
            .route("/payment-links/", post(create_payment_link))
            .with_state(self.clone())
    }

    /// Sandbox-only switch: an inactive merchant's valid key is answered 403, Payfect's
    /// "authenticated but not allowed".
    pub fn set_merchant_active(&self, active: bool) {
        self.lock().merchant_active = active;
    }

    /// Sandbox-only: how many products are stored (saved or made inline for a checkout).
    pub fn product_count(&self) -> usize {
        self.lock().products.len()
    }

    /// The checkouts that carry this `client_reference_id`, as JSON, oldest first (for
    /// exactly-once checks: Payfect itself offers no lookup by reference).
    pub fn checkouts_with_reference(&self, client_reference_id: &str) -> Vec<Value> {
        let now = self.ctx.now();
        let mut state = self.lock();
        let mut found: Vec<&mut StoredCheckout> = state
            .checkouts
            .values_mut()
            .filter(|c| {
                c.checkout.client_reference_id.clone().flatten().as_deref()
                    == Some(client_reference_id)
            })
            .collect();
        found.sort_by_key(|c| c.checkout.created_at.as_datetime());
        found
            .into_iter()
            .filter_map(|c| {
                c.expire_if_due(now);
                serde_json::to_value(&c.checkout).ok()
            })
            .collect()
    }

    /// `Complete` marks the checkout paid and sends the success callback; `Cancel` lets it
    /// lapse (`expired`, no callback); `Fail` is unsupported (Payfect has no failed state).
    pub fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        let now = self.ctx.now();
        let (checkout, callback) = {
            let mut state = self.lock();
            let stored = state
                .checkouts
                .get_mut(id)
                .ok_or_else(|| SettleError::NotFound(id.to_owned()))?;
            stored.expire_if_due(now);
            if stored.checkout.status != types::CheckoutStatus::Open {
                return Err(SettleError::InvalidState(format!(
                    "checkout {id} is {}",
                    stored.checkout.status
                )));
            }
            let callback = match outcome {
                Outcome::Complete => {
                    stored.checkout.status = types::CheckoutStatus::Complete;
                    stored.checkout.updated_at = Timestamp::unix_seconds(now);
                    Some(
                        stored
                            .callback()
                            .map_err(|e| SettleError::InvalidState(e.to_string()))?,
                    )
                }
                Outcome::Cancel => {
                    stored.checkout.status = types::CheckoutStatus::Expired;
                    stored.checkout.updated_at = Timestamp::unix_seconds(now);
                    None
                }
                Outcome::Fail => {
                    return Err(SettleError::Unsupported(
                        "Payfect has no failed checkout state: an unpaid checkout stays open \
                         until it expires"
                            .into(),
                    ));
                }
            };
            (
                stored.checkout.clone(),
                callback.map(|body| (body, stored.callback_url.clone())),
            )
        };
        if let Some((payload, url)) = callback {
            self.send_callback(&payload, url);
        }
        to_value(&checkout)
    }

    fn send_callback(&self, payload: &types::CheckoutCallback, url: Option<String>) {
        let body = match serde_json::to_vec(payload) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!("payfect callback not serializable: {e}");
                return;
            }
        };
        let key = self
            .ctx
            .creds()
            .payfect_fernet_key
            .expose_secret()
            .to_owned();
        let Some(fernet) = fernet::Fernet::new(&key) else {
            tracing::error!("the sandbox's payfect_fernet_key is not a Fernet key");
            return;
        };
        // A fresh token per attempt, stamped with real time rather than the sandbox clock:
        // receivers check a token's age against their own clock, and the fernet crate rejects
        // tokens dated in the future.
        let webhook = Webhook::json(Api::Payfect, "checkout.succeeded", url, body)
            .sign_each_attempt(move |body, _now| {
                vec![("X-Payfect-Signature".to_owned(), fernet.encrypt(body))]
            });
        self.ctx.webhooks().send(webhook);
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Authenticates like Payfect; the `Err` is the reply to send.
    fn authenticate(&self, headers: &HeaderMap) -> Result<(), Response> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Api-Key "))
            .map(str::trim);
        let Some(given) = given else {
            return Err(detail(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials were not provided.",
            ));
        };
        let expected = self.ctx.creds().payfect_api_key.expose_secret();
        if !secret_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(detail(StatusCode::UNAUTHORIZED, "Invalid API key."));
        }
        if !self.lock().merchant_active {
            return Err(detail(
                StatusCode::FORBIDDEN,
                "You do not have permission to perform this action.",
            ));
        }
        Ok(())
    }

    fn new_uuid(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

impl StoredCheckout {
    fn expire_if_due(&mut self, now: DateTime<Utc>) {
        if self.checkout.status == types::CheckoutStatus::Open && now >= self.expires_at {
            self.checkout.status = types::CheckoutStatus::Expired;
            self.checkout.updated_at = Timestamp::unix_seconds(self.expires_at);
        }
    }

    fn callback(&self) -> Result<types::CheckoutCallback, BuildError> {
        let c = &self.checkout;
        let (currency, network) = self
            .payment_method
            .clone()
            .unwrap_or_else(|| (c.currency.to_lowercase(), "tron".to_owned()));
        crate::build!(types::CheckoutCallback {
            id: c.id.clone(),
            amount: c.amount_total,
            status: types::CallbackStatus::Succeeded,
            currency: c.currency.clone(),
            merchant: c.merchant.id.clone(),
            is_livemode: c.is_livemode,
            payment_intent: c.payment_intent.clone().flatten().unwrap_or_default(),
            payment_method: crate::build!(types::CallbackPaymentMethod {
                id: uuid::Uuid::new_v4().to_string(),
                payment_method_detail: crate::build!(types::PaymentMethodDetail {
                    network: types::Network::from(network),
                    currency: currency,
                })?,
            })?,
            client_reference_id: c.client_reference_id.clone(),
        })
    }
}

mod catalog;
mod checkouts;
mod fields;
mod replies;

#[allow(unused_imports)]
use catalog::*;
#[allow(unused_imports)]
use checkouts::*;
#[allow(unused_imports)]
use fields::*;
#[allow(unused_imports)]
use replies::*;
