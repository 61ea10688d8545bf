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

/// Payment methods the hosted checkout offers.
const CHECKOUT_METHODS: [&str; 5] = ["card", "easypaisa", "jazzcash", "googlepay", "dqr"];

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

/// A reply in XStak's failure envelope.
fn fail(status: StatusCode, response_status: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "success": false,
        "responseStatus": response_status,
        "message": message.into(),
    });
    json_reply(status, &body)
}

/// The bytes Node.js would send for `value`: `JSON.stringify` of it.
fn json_reply(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        js::stringify(value),
    )
        .into_response()
}

fn ok<T: serde::Serialize>(data: &T) -> Response {
    match serde_json::to_value(data) {
        Ok(data) => json_reply(
            StatusCode::OK,
            &serde_json::json!({
                "success": true,
                "responseStatus": "OK",
                "message": "Request processed successfully.",
                "data": data,
            }),
        ),
        Err(e) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            format!("could not encode the reply: {e}"),
        ),
    }
}

/// A sandbox bug (an object it could not build), in XStak's envelope.
fn internal(error: &BuildError) -> Response {
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_SERVER_ERROR",
        error.to_string(),
    )
}

fn bad_request(message: impl Into<String>) -> Response {
    fail(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

fn not_found(what: &str) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{what} not found."),
    )
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn non_empty(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

fn is_currency(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
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

    fn create(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        checkout: bool,
    ) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let intent = if checkout {
            let request: types::CheckoutRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            self.validate_common(&request.amount, &request.currency, &request.customer)?;
            // The URLs' form is the spec's pattern, checked before this handler runs.
            if let Some(m) = request
                .payment_methods
                .iter()
                .find(|m| !CHECKOUT_METHODS.contains(&m.as_str()))
            {
                return Err(bad_request(format!(
                    "Invalid payment method '{}'. Allowed: {}.",
                    m.as_str(),
                    CHECKOUT_METHODS.join(", ")
                )));
            }
            self.new_intent(
                request.amount,
                request.currency,
                &request.customer,
                request.shipping.as_ref(),
                request.metadata,
                types::CaptureMethod::Automatic,
                None,
                true,
            )
        } else {
            let request: types::PaymentIntentRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            self.validate_common(&request.amount, &request.currency, &request.customer)?;
            if !request.payment_method_types.is_known() {
                return Err(bad_request(format!(
                    "Invalid payment_method_types '{}'. Allowed: card, wallet.",
                    request.payment_method_types.as_str()
                )));
            }
            let capture = request
                .capture_method
                .unwrap_or(types::CaptureMethod::Automatic);
            if !capture.is_known() {
                return Err(bad_request(format!(
                    "Invalid capture_method '{}'. Allowed: automatic, manual.",
                    capture.as_str()
                )));
            }
            self.new_intent(
                request.amount,
                request.currency,
                &request.customer,
                request.shipping.as_ref(),
                request.metadata,
                capture,
                request.description,
                false,
            )
        }
        .map_err(|e| internal(&e))?;
        let reply = ok(&intent.object);
        if !reply.status().is_success() {
            // Nothing is stored when the reply cannot be written.
            return Err(reply);
        }
        let id = intent.object.id.clone();
        let mut store = self.store();
        if let Some(secret) = &intent.object.pi_client_secret {
            store
                .by_secret
                .insert(secret.expose_secret().to_owned(), id.clone());
        }
        for (_, evicted) in store.intents.insert(id, intent) {
            if let Some(secret) = &evicted.object.pi_client_secret {
                store.by_secret.remove(secret.expose_secret());
            }
        }
        Ok(reply)
    }

    fn validate_common(
        &self,
        amount: &JsonDecimal,
        currency: &str,
        customer: &types::Customer,
    ) -> Result<(), Response> {
        if amount.0 <= Decimal::ZERO {
            return Err(bad_request("Amount must be greater than 0."));
        }
        // XStak's server holds amounts in JavaScript numbers; one a double cannot hold
        // exactly could not be echoed back.
        if js::format_decimal(&amount.0).is_err() {
            return Err(bad_request("Amount is out of range."));
        }
        if !is_currency(currency) {
            return Err(bad_request(
                "currency must be a three-letter ISO code such as PKR.",
            ));
        }
        if customer.name.trim().is_empty() {
            return Err(bad_request("customer.name is required."));
        }
        if !non_empty(customer.email.as_deref()) && !non_empty(customer.phone.as_deref()) {
            return Err(bad_request("customer.email or customer.phone is required."));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn new_intent(
        &self,
        amount: JsonDecimal,
        currency: String,
        customer: &types::Customer,
        shipping: Option<&types::Shipping>,
        metadata: Option<types::Metadata>,
        capture_method: types::CaptureMethod,
        description: Option<String>,
        checkout: bool,
    ) -> Result<Intent, BuildError> {
        let id = format!("xpay_pi_{}", random_hex(32));
        let secret = format!("{id}_cs_{}", random_hex(32));
        let metadata = metadata.unwrap_or_else(|| types::Metadata(Map::new()));
        let order_reference = metadata
            .get("order_reference")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let shipping = shipping.cloned().unwrap_or_default();
        let text = |s: Option<String>| Some(s.unwrap_or_default());
        let object = crate::build!(types::PaymentIntent {
            id: id.clone(),
            pi_client_secret: Some(paygate_runtime::secret::ClientSecret::from(secret)),
            created_at: Some(self.ctx.now()),
            amount: Some(amount),
            currency: Some(currency),
            refund: crate::build!(types::IntentRefund {
                refunded_amount: Some(JsonDecimal(Decimal::ZERO)),
                refund_object_id: Option::<String>::None,
            })
            .ok(),
            object_name: Some("payment_intent".to_owned()),
            customer: crate::build!(types::PaymentIntentCustomer {
                name: Some(customer.name.clone()),
                email: text(customer.email.clone()),
                phone: text(customer.phone.clone()),
                vip_customer: Some(customer.vip_customer.clone().unwrap_or_else(|| "No".into())),
                previous_customer: Some(
                    customer
                        .previous_customer
                        .clone()
                        .unwrap_or_else(|| "No".into()),
                ),
            })
            .ok(),
            description: text(description),
            pi_status: Some(types::PaymentIntentStatus::RequiresPaymentMethod),
            pm_token: Some(String::new()),
            shipping: crate::build!(types::PaymentIntentShipping {
                address1: text(shipping.address1),
                address2: Some(String::new()),
                city: text(shipping.city),
                country: text(shipping.country),
                first_name: Some(String::new()),
                last_name: Some(String::new()),
                phone: Some(String::new()),
                province: text(shipping.province),
                zip: text(shipping.zip),
                shipping_method: text(shipping.shipping_method),
            })
            .ok(),
            metadata: Some(metadata),
            token: Option::<String>::None,
            capture_method: Some(capture_method),
            html_response: Some(types::JsonObject(Map::new())),
            bank_response: Some(types::JsonObject(Map::new())),
            last_payment_response: crate::build!(types::LastPaymentResponse {
                token: Option::<String>::None,
                error: Option::<i64>::None,
                message: Option::<String>::None,
                status: Option::<String>::None,
            })
            .ok(),
            encryption_key: (!checkout).then(|| random_hex(16)),
            billing_address: Some(types::JsonObject(Map::new())),
            routing_rules_history: Some(types::RoutingRulesHistory(Vec::new())),
            subscription: Some(types::JsonObject(Map::new())),
            checkout_page_url: checkout.then(|| {
                format!(
                    "{}?source=headless&order_id={}",
                    self.ctx.pay_url(Api::Xstak, &id),
                    encode_component(&order_reference),
                )
            }),
        })?;
        Ok(Intent {
            object,
            captured: Decimal::ZERO,
            refunded: Decimal::ZERO,
        })
    }

    /// `PAYMENT_INTENT_NOTIFICATION` for `intent`, signed as XStak signs it: `X-Signature`,
    /// hex HMAC-SHA256 of the compact JSON body under the webhook HMAC secret.
    fn notification(
        &self,
        intent: &Intent,
        tx_status: &str,
        bank_message: &str,
        refund_id: Option<String>,
    ) -> Result<Webhook, BuildError> {
        let object = &intent.object;
        let now = self.ctx.now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let customer = object.customer.clone().unwrap_or_default();
        let webhook_customer = crate::build!(types::WebhookCustomer {
            name: customer.name,
            email: customer.email,
            phone: customer.phone.flatten().filter(|p| !p.is_empty()),
        })?;
        let order_reference = object
            .metadata
            .as_ref()
            .and_then(|m| m.get("order_reference"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let notification = crate::build!(types::PaymentIntentNotification {
            type_: types::WebhookEventType::PaymentIntentNotification,
            payment_intent_id: Some(object.id.clone()),
            refund_id: refund_id,
            amount: object.amount,
            currency: object.currency.clone(),
            status: object.pi_status.clone(),
            customer: Some(webhook_customer.clone()),
            shipping: Some(types::JsonObject(Map::new())),
            payment_method_types: Some(types::PaymentMethodType::Card),
            product: Some(types::JsonObject(Map::new())),
            transaction_details: crate::build!(types::TransactionDetails {
                id: Some(format!("txn_{}", random_hex(12))),
                order: crate::build!(types::WebhookOrder {
                    customer: Some(webhook_customer),
                    name: order_reference,
                    type_: Some("headless".to_owned()),
                })
                .ok(),
                status: Some(tx_status.to_owned()),
                secure: Some("3DS2".to_owned()),
                refunded_amount: Some(JsonDecimal(intent.refunded)),
                gateway: Some("sandbox".to_owned()),
                response_from_bank: Some(bank_message.to_owned()),
                status_message_from_bank: Some(format!("PAYMENT_{tx_status}")),
                activity: vec![crate::build!(types::TransactionActivity {
                    status: Some(tx_status.to_owned()),
                    amount: object.amount,
                    timestamp: Some(now.clone()),
                    created_at: Some(now),
                    token: Some(String::new()),
                    card: crate::build!(types::ActivityCard {
                        bin: Some("512345".to_owned()),
                        last4digits: Some("0008".to_owned()),
                        name: object.customer.as_ref().and_then(|c| c.name.clone()),
                        funding_method: Some("DEBIT".to_owned()),
                        type_: Some("MASTERCARD".to_owned()),
                        issuer_details: crate::build!(types::CardIssuerDetails {
                            card_issuer: Some("Sandbox Bank".to_owned()),
                            card_network: Some("MASTERCARD".to_owned()),
                            card_type: Some("DEBIT".to_owned()),
                        })
                        .ok(),
                    })
                    .ok(),
                    x3ds: crate::build!(types::ThreeDsResult {
                        authorization_code: Some(String::new()),
                        secure: Some("3DS2".to_owned()),
                        eci: Some("02".to_owned()),
                    })
                    .ok(),
                    processing: Some(types::JsonObject(Map::new())),
                })?],
            })
            .ok(),
        })?;
        // What XStak's Node.js server sends: JSON.stringify of the payload.
        let body = serde_json::to_value(&notification)
            .map(|v| js::stringify(&v))
            .unwrap_or_default();
        let signature = signature::hmac_sha256_hex(
            self.ctx
                .creds()
                .xstak_webhook_hmac_secret
                .expose_secret()
                .as_bytes(),
            body.as_bytes(),
        );
        Ok(
            Webhook::json(Api::Xstak, "PAYMENT_INTENT_NOTIFICATION", None, body)
                .header("X-Signature", signature),
        )
    }

    fn retrieve(&self, headers: &HeaderMap, id: &str) -> Result<Response, Response> {
        self.authenticate(headers, None)?;
        let store = self.store();
        let intent = store
            .intents
            .get(id)
            .ok_or_else(|| not_found("Payment intent"))?;
        Ok(ok(&intent.object))
    }

    /// Capture (`capture: true`) or void an intent waiting in `requires_capture`.
    fn finish_authorization(
        &self,
        headers: &HeaderMap,
        query: &HashMap<String, String>,
        body: &[u8],
        capture: bool,
    ) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let secret = query
            .get("pi_client_secret")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad_request("pi_client_secret is required."))?;
        let amount = if capture {
            let request: types::CaptureRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            request.amount.map(|a| a.0)
        } else {
            let _: types::VoidRequest = serde_json::from_slice(body)
                .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
            None
        };
        let mut store = self.store();
        let id = store
            .by_secret
            .get(secret)
            .cloned()
            .ok_or_else(|| not_found("Payment intent"))?;
        let intent = store
            .intents
            .get_mut(&id)
            .ok_or_else(|| not_found("Payment intent"))?;
        if intent.object.pi_status != Some(types::PaymentIntentStatus::RequiresCapture) {
            let status = intent
                .object
                .pi_status
                .as_ref()
                .map_or("unknown", |s| s.as_str())
                .to_owned();
            let verb = if capture { "captured" } else { "voided" };
            return Err(bad_request(format!(
                "Payment intent cannot be {verb} in status {status}."
            )));
        }
        let authorized = intent.object.amount.map_or(Decimal::ZERO, |a| a.0);
        let (tx_status, message) = if capture {
            let amount = amount.unwrap_or(authorized);
            if amount <= Decimal::ZERO || amount > authorized {
                return Err(bad_request(format!(
                    "Capture amount must be greater than 0 and at most {authorized}."
                )));
            }
            intent.captured = amount;
            intent.object.pi_status = Some(types::PaymentIntentStatus::Succeeded);
            ("CAPTURED", "The payment was captured successfully")
        } else {
            intent.object.pi_status = Some(types::PaymentIntentStatus::Canceled);
            ("VOIDED", "The authorization was voided")
        };
        let reply = ok(&intent.object);
        let webhook = self
            .notification(intent, tx_status, message, None)
            .map_err(|e| internal(&e))?;
        drop(store);
        self.ctx.webhooks().send(webhook);
        Ok(reply)
    }

    fn refund(&self, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
        self.authenticate(headers, Some(body))?;
        let request: types::RefundRequest = serde_json::from_slice(body)
            .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
        let mut store = self.store();
        let intent = store
            .intents
            .get_mut(&request.payment_intent_id)
            .ok_or_else(|| not_found("Payment intent"))?;
        if intent.object.pi_status != Some(types::PaymentIntentStatus::Succeeded) {
            return Err(bad_request(
                "Only a succeeded payment intent can be refunded.",
            ));
        }
        let amount = request.refunded_amount.0;
        let refundable = intent.captured - intent.refunded;
        if amount <= Decimal::ZERO {
            return Err(bad_request("refunded_amount must be greater than 0."));
        }
        if amount > refundable {
            return Err(bad_request(format!(
                "refunded_amount exceeds the refundable amount ({refundable})."
            )));
        }
        let refund_id = format!("xpay_rf_{}", random_hex(12));
        // Built before anything changes.
        let refund = crate::build!(types::Refund {
            id: Some(refund_id.clone()),
            payment_intent_id: Some(request.payment_intent_id.clone()),
            refunded_amount: Some(request.refunded_amount),
            reason: request.reason,
            status: Some("succeeded".to_owned()),
            created_at: Some(self.ctx.now().to_rfc3339_opts(SecondsFormat::Millis, true)),
        })
        .map_err(|e| internal(&e))?;
        intent.refunded += amount;
        intent.object.refund = crate::build!(types::IntentRefund {
            refunded_amount: Some(JsonDecimal(intent.refunded)),
            refund_object_id: Some(refund_id.clone()),
        })
        .ok();
        let webhook = self
            .notification(
                intent,
                "REFUNDED",
                "The refund was processed",
                Some(refund_id.clone()),
            )
            .map_err(|e| internal(&e))?;
        store.refunds.insert(refund_id, refund.clone());
        drop(store);
        self.ctx.webhooks().send(webhook);
        Ok(ok(&refund))
    }

    fn retrieve_refund(&self, headers: &HeaderMap, id: &str) -> Result<Response, Response> {
        self.authenticate(headers, None)?;
        let store = self.store();
        let refund = store.refunds.get(id).ok_or_else(|| not_found("Refund"))?;
        Ok(ok(refund))
    }
}

fn either(result: Result<Response, Response>) -> Response {
    result.unwrap_or_else(|e| e)
}

async fn create_checkout(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.create(&headers, &body, true))
}

async fn create_intent(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.create(&headers, &body, false))
}

async fn retrieve_intent(State(sb): Sb, headers: HeaderMap, Path(id): Path<String>) -> Response {
    either(sb.retrieve(&headers, &id))
}

async fn capture(
    State(sb): Sb,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    either(sb.finish_authorization(&headers, &query, &body, true))
}

async fn void(
    State(sb): Sb,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    either(sb.finish_authorization(&headers, &query, &body, false))
}

async fn create_refund(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(sb.refund(&headers, &body))
}

async fn retrieve_refund(State(sb): Sb, headers: HeaderMap, Path(id): Path<String>) -> Response {
    either(sb.retrieve_refund(&headers, &id))
}

/// JazzCash wallet setup (BNPL or tokenized subscription): signed like every call, answered
/// in the success envelope with the page the customer continues on. Only `data.redirect_url`
/// is documented ([SUB]); the sandbox checks no body fields (their rules are undocumented),
/// and its page is the sandbox's own.
fn wallet_setup(sb: &XstakSandbox, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
    sb.authenticate(headers, Some(body))?;
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
    if !request.is_object() {
        return Err(bad_request("Invalid request body: expected a JSON object."));
    }
    let id = format!("xpay_ws_{}", random_hex(32));
    Ok(ok(&serde_json::json!({
        "redirect_url": sb.ctx.pay_url(Api::Xstak, &id),
    })))
}

async fn bnpl_wallet_setup(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(wallet_setup(&sb, &headers, &body))
}

async fn subscription_wallet_setup(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(wallet_setup(&sb, &headers, &body))
}
