//! XPay by XStak: checkout links, payment intents, capture/void, refunds, and the
//! `PAYMENT_INTENT_NOTIFICATION` webhook.
//!
//! Checked like the provider checks: `x-api-key` (the secret key, not the publishable one) and
//! `x-account-id` on every call; on every call with a body, `x-signature` must be the hex
//! HMAC-SHA256 of `JSON.stringify(JSON.parse(body))` under the API HMAC secret, so a body
//! altered after signing is refused while re-formatting alone is not. GETs are unsigned.
//!
//! Failures use the envelope XStak's integrations read (`{success: false, responseStatus,
//! message}`); the HTTP status per failure is not documented, so 400/401/404 are guesses.
//! Statuses after a simulated payment (`failed`, `canceled`, `requires_capture`) and webhooks
//! for failure, cancellation, capture and refunds are guesses too; only `succeeded` is
//! documented.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::SecondsFormat;
use paygate_runtime::{JsonDecimal, js, signature};
use rand::Rng;
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use xpay_client::xstak::types;

use crate::core::build::BuildError;
use crate::core::idempotency::IdempotencyConfig;
use crate::core::store::Capped;
use crate::core::webhooks::Webhook;
use crate::core::{Api, Ctx, Outcome, SettleError, secret_eq};

mod intents;
mod notification;
mod refunds;
mod replies;
mod wallets;

use intents::*;
use refunds::*;
use replies::*;
use wallets::*;

struct Intent {
    object: types::PaymentIntent,
    /// What a capture took; refunds may not exceed it.
    captured: Decimal,
    refunded: Decimal,
}

#[derive(Default)]
struct Store {
    intents: Capped<Intent>,
    /// `pi_client_secret` → `_id`.
    by_secret: HashMap<String, String>,
    refunds: Capped<types::Refund>,
}

/// The XPay by XStak fake: checkout links, payment intents, capture/void, refunds, and the
/// `PAYMENT_INTENT_NOTIFICATION` webhook.
pub struct XstakSandbox {
    ctx: Ctx,
    state: Mutex<Store>,
}

type Sb = State<Arc<XstakSandbox>>;

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

impl crate::core::fake::FakeApi for XstakSandbox {
    fn api(&self) -> Api {
        Api::Xstak
    }

    fn reject(
        &self,
        _: &crate::core::request_id::RequestId,
        violations: &[crate::core::conformance::Violation],
    ) -> Response {
        bad_request(
            violations
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
        )
    }

    fn routes(self: Arc<Self>) -> Router {
        XstakSandbox::router(&self)
    }

    fn idempotency(&self) -> Option<IdempotencyConfig> {
        Some(IdempotencyConfig::xstak())
    }

    fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        XstakSandbox::settle(self, id, outcome)
    }
}

impl XstakSandbox {
    /// A fake with no payment intents, sharing `ctx` (clock, credentials, webhooks).
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(XstakSandbox {
            ctx,
            state: Mutex::new(Store::default()),
        })
    }

    /// Routes with the paths of `specs/xpay-xstak.yaml`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/public/v1/payment/checkout", post(create_checkout))
            .route("/public/v1/payment/intent", post(create_intent))
            .route(
                "/public/v1/payment/intent/details/{pi_id}",
                get(retrieve_intent),
            )
            .route("/public/v1/payment/intent/capture", post(capture))
            .route("/public/v1/payment/intent/void", post(void))
            .route("/public/v1/refund", post(create_refund))
            .route("/public/v1/refund/{refund_id}", get(retrieve_refund))
            .route("/public/v1/bnpl/wallet/setup", post(bnpl_wallet_setup))
            .route(
                "/public/v1/subscription/wallet/setup",
                post(subscription_wallet_setup),
            )
            .with_state(self.clone())
    }

    /// Completes, fails or cancels a payment intent waiting for its customer, sends the
    /// `PAYMENT_INTENT_NOTIFICATION` webhook, and returns the intent. A completed intent
    /// created with `capture_method: manual` waits in `requires_capture`.
    pub fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        let mut store = self.store();
        let intent = store
            .intents
            .get_mut(id)
            .ok_or_else(|| SettleError::NotFound(id.to_owned()))?;
        let status = intent.object.pi_status.clone();
        if status != Some(types::PaymentIntentStatus::RequiresPaymentMethod) {
            return Err(SettleError::InvalidState(format!(
                "payment intent {id} is {}",
                status.as_ref().map_or("without status", |s| s.as_str())
            )));
        }
        let manual = intent.object.capture_method == Some(types::CaptureMethod::Manual);
        let amount = intent.object.amount.map_or(Decimal::ZERO, |a| a.0);
        let (pi_status, error, message, tx_status) = match outcome {
            Outcome::Complete if manual => (
                types::PaymentIntentStatus::RequiresCapture,
                0,
                "The payment was authorized successfully",
                "AUTHORIZED",
            ),
            Outcome::Complete => (
                types::PaymentIntentStatus::Succeeded,
                0,
                "The payment was completed successfully",
                "CAPTURED",
            ),
            Outcome::Fail => (
                types::PaymentIntentStatus::Failed,
                1,
                "Declined by the issuing bank",
                "FAILED",
            ),
            Outcome::Cancel => (
                types::PaymentIntentStatus::Canceled,
                1,
                "The customer left the checkout page",
                "CANCELLED",
            ),
        };
        if outcome == Outcome::Complete && !manual {
            intent.captured = amount;
        }
        intent.object.pi_status = Some(pi_status);
        intent.object.last_payment_response = crate::build!(types::LastPaymentResponse {
            error: Some(i64::from(error)),
            message: Some(message.to_owned()),
            status: Some(tx_status.to_owned()),
            token: None::<String>,
        })
        .ok();
        let value = serde_json::to_value(&intent.object)
            .map_err(|e| SettleError::InvalidState(format!("cannot encode the intent: {e}")))?;
        let webhook = self
            .notification(intent, tx_status, message, None)
            .map_err(|e| SettleError::InvalidState(e.to_string()))?;
        drop(store);
        self.ctx.webhooks().send(webhook);
        Ok(value)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The provider's checks on every call: credentials, and for bodies the signature over
    /// the re-serialized JSON.
    fn authenticate(&self, headers: &HeaderMap, body: Option<&[u8]>) -> Result<(), Response> {
        let creds = self.ctx.creds();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let unauthorized = |message: &str| {
            Err(fail(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                message.to_owned(),
            ))
        };
        match header("x-api-key") {
            None => return unauthorized("x-api-key header is required."),
            Some(key) if key == creds.xstak_public_key => {
                return unauthorized(
                    "The publishable key cannot be used for server calls; use the secret key.",
                );
            }
            Some(key)
                if !secret_eq(
                    key.as_bytes(),
                    creds.xstak_api_key.expose_secret().as_bytes(),
                ) =>
            {
                return unauthorized("Invalid credentials.");
            }
            Some(_) => {}
        }
        let account = header("x-account-id").unwrap_or_default();
        if !secret_eq(account.as_bytes(), creds.xstak_account_id.as_bytes()) {
            return unauthorized("Invalid credentials.");
        }
        let Some(body) = body else {
            return Ok(());
        };
        let canonical =
            js::canonicalize(body).map_err(|e| bad_request(format!("Invalid JSON: {e}")))?;
        let Some(given) = header("x-signature") else {
            return unauthorized("x-signature header is required.");
        };
        let key = creds.xstak_api_hmac_secret.expose_secret().as_bytes();
        if !signature::verify_hmac_sha256_hex(key, &[canonical.as_bytes()], given) {
            return unauthorized("Invalid signature.");
        }
        Ok(())
    }
}

/// A handler's reply, success or failure alike.
fn either(result: Result<Response, Response>) -> Response {
    result.unwrap_or_else(|e| e)
}
