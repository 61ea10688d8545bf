//! Collect (FYATU v3 collections): JWT auth, checkout sessions ("collections"), refunds and the
//! signed IPN webhooks.
//!
//! What it enforces, and where that comes from (<https://docs.fyatu.com/v3>):
//! - `POST /auth/token` exchanges `appId` + `secretKey` (+ `grantType: client_credentials`) for
//!   an HS256 JWT valid 24 h on the sandbox clock. `POST /auth/refresh` renews a token while it
//!   is valid and up to 5 minutes after it expired (`AUTH_TOKEN_REFRESH_FAILED` later);
//!   `POST /auth/revoke` kills it. Every other route wants `Authorization: Bearer <jwt>`:
//!   none → `401 AUTH_TOKEN_MISSING`; malformed, expired or revoked → `401 AUTH_TOKEN_INVALID`.
//!   Refreshing leaves the old token valid until it expires (unconfirmed; JWTs are stateless).
//! - Create: `amount` ≥ 1, `orderId` 1–100 characters, `description` 1–100 characters, else
//!   `400 VALIDATION_ERROR`; a reused `orderId` → `409 DUPLICATE_REFERENCE`. Fee 3 % rounded to
//!   the cent (the docs' $25 → $0.75, $100 → $3.00; real rates are per account),
//!   `netAmount = amount − fee`. Sessions expire after 60 minutes and then read as `FAILED`
//!   (the concepts page; `EXPIRED` is never returned).
//! - `PENDING → COMPLETED | FAILED` only (through [`CollectSandbox::settle`]); a cancelled
//!   checkout is `FAILED` in the API (only the browser redirect says `CANCELLED`).
//! - Refunds: only `COMPLETED` collections (`400 INVALID_STATUS`), one per collection
//!   (`409 ALREADY_REFUNDED`; the status is unconfirmed), at most `netAmount`
//!   (`400 VALIDATION_ERROR`). A full refund makes the collection `REFUNDED`, a partial one
//!   `PARTIALLY_REFUNDED`.
//! - Webhooks: `collection.initiated` on create, `collection.received` on completion, as on the
//!   event pages (`version: "2.0"`), with `sign` = lowercase-hex HMAC-SHA256 of the compact `data`
//!   bytes, keyed with the webhook secret's text. No event is documented for failures.
//! - Errors use the envelope `{success: false, status, message, code, meta}` with `code`
//!   top-level (unconfirmed placement).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use collect_client::Nullable;
use collect_client::time::Timestamp;
use collect_client::types;
use paygate_runtime::JsonDecimal;
use rust_decimal::{Decimal, RoundingStrategy};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::core::build::BuildError;
use crate::core::store::{Capped, trim_oldest};
use crate::core::{Api, Ctx, Outcome, RequestId, SettleError, Webhook, secret_eq};

/// Token lifetime (docs: 24 hours, `expiresIn: 86400`).
pub const TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(24);
/// `/auth/refresh` is accepted up to this long after expiry.
pub const REFRESH_GRACE: TimeDelta = TimeDelta::minutes(5);
/// Checkout sessions expire after 60 minutes.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::minutes(60);
/// The sandbox's collection fee (the docs' examples: 3 %).
pub const FEE_PERCENT: Decimal = Decimal::from_parts(3, 0, 0, false, 0);

const SCOPES: [&str; 4] = [
    "collect:write",
    "collect:read",
    "payout:write",
    "payout:read",
];
/// The business id the sandbox app belongs to (`bus` claim).
const BUSINESS_ID: &str = "SBXBUSINESS00000000001";
const REASONS: [(&str, &str); 8] = [
    ("DUPLICATE_PAYMENT", "Duplicate payment"),
    ("FRAUDULENT", "Fraudulent transaction"),
    ("CUSTOMER_REQUEST", "Customer requested refund"),
    ("ORDER_CANCELLED", "Order was cancelled"),
    ("PRODUCT_NOT_DELIVERED", "Product/service not delivered"),
    (
        "PRODUCT_NOT_AS_DESCRIBED",
        "Product/service not as described",
    ),
    ("PRICING_ERROR", "Pricing or billing error"),
    ("OTHER", "Other reason"),
];

/// The Collect (FYATU v3) fake: JWT auth, collections, refunds, IPN webhooks.
pub struct CollectSandbox {
    ctx: Ctx,
    /// HMAC key of the sandbox's JWTs (random per instance).
    jwt_key: String,
    /// The webhook secret after `POST /webhooks/secret/regenerate` (until then the fixed
    /// sandbox credential).
    webhook_secret: Mutex<Option<String>>,
    token_requests: AtomicU64,
    refresh_requests: AtomicU64,
    state: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    /// Issued tokens by `jti`: revoked or not. A token forgotten past the cap reads as revoked.
    tokens: Capped<bool>,
    collections: Capped<Stored>,
    by_order_id: HashMap<String, String>,
    refunds: Vec<types::Refund>,
    /// Creation counter, for newest-first lists.
    seq: u64,
}

struct Stored {
    collection: types::Collection,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
    seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    sub: String,
    bus: String,
    #[serde(rename = "type")]
    kind: String,
    scopes: Vec<String>,
    iat: i64,
    exp: i64,
    jti: String,
}

type Sb = State<Arc<CollectSandbox>>;

impl crate::core::fake::FakeApi for CollectSandbox {
    fn api(&self) -> Api {
        Api::Collect
    }

    fn reject(
        &self,
        request_id: &RequestId,
        violations: &[crate::core::conformance::Violation],
    ) -> Response {
        let why = violations
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        replies::validation(&why, request_id, self.ctx.now())
    }

    fn routes(self: Arc<Self>) -> Router {
        CollectSandbox::router(&self)
    }

    fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        CollectSandbox::settle(self, id, outcome)
    }
}

impl CollectSandbox {
    /// A fake with no collections, sharing `ctx` (clock, credentials, webhooks).
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(CollectSandbox {
            ctx,
            jwt_key: crate::core::new_id("jwtkey_"),
            webhook_secret: Mutex::new(None),
            token_requests: AtomicU64::new(0),
            refresh_requests: AtomicU64::new(0),
            state: Mutex::new(Store::default()),
        })
    }

    /// Routes with the paths of `specs/collect.yaml`, plus the hosted checkout page.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/auth/token", post(issue_token))
            .route("/auth/refresh", post(refresh_token))
            .route("/auth/revoke", post(revoke_token))
            .route(
                "/collections",
                post(create_collection).get(list_collections),
            )
            .route("/collections/{id}", get(get_collection))
            .route("/collections/{id}/refund", post(create_refund))
            .route("/refunds", get(list_refunds))
            .route("/refunds/reasons", get(refund_reasons))
            .route(
                "/webhooks/secret/regenerate",
                post(regenerate_webhook_secret),
            )
            .route("/sci/checkout", get(checkout_page))
            .with_state(self.clone())
    }

    /// Sandbox-only: how many `POST /auth/token` requests arrived (any outcome).
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::SeqCst)
    }

    /// Sandbox-only: how many `POST /auth/refresh` requests arrived (any outcome).
    pub fn refresh_requests(&self) -> u64 {
        self.refresh_requests.load(Ordering::SeqCst)
    }

    /// Sandbox-only: revokes every token issued so far (as if FYATU had rotated them); the
    /// next call with one is answered `401 AUTH_TOKEN_INVALID`.
    pub fn revoke_all_tokens(&self) {
        self.lock()
            .tokens
            .values_mut()
            .for_each(|revoked| *revoked = true);
    }

    /// Sandbox-only: how many collections carry `order_id` (exactly-once checks).
    pub fn collections_with_order_id(&self, order_id: &str) -> usize {
        self.lock()
            .collections
            .values()
            .filter(|s| s.collection.order_id.value().map(String::as_str) == Some(order_id))
            .count()
    }

    /// `Complete` pays the collection and sends `collection.received`; `Fail` and `Cancel`
    /// make it `FAILED` (FYATU's API has no cancelled state; no webhook is documented for
    /// either). Only a `PENDING`, unexpired collection can be settled.
    pub fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError> {
        let now = self.ctx.now();
        let collection = {
            let mut state = self.lock();
            let stored = state
                .collections
                .get_mut(id)
                .ok_or_else(|| SettleError::NotFound(id.to_owned()))?;
            stored.expire_if_due(now);
            if stored.collection.status != types::CollectionStatus::Pending {
                return Err(SettleError::InvalidState(format!(
                    "collection {id} is {}",
                    stored.collection.status
                )));
            }
            let c = &mut stored.collection;
            match outcome {
                Outcome::Complete => {
                    let payer = crate::build!(types::Payer {
                        email: "payer@sandbox.example".to_owned(),
                        name: "Sandbox Payer".to_owned(),
                        account_name: "sandbox.payer".to_owned(),
                        client_id: "FYSBXPAYER0001".to_owned(),
                    })
                    .map_err(|e| SettleError::Unsupported(e.to_string()))?;
                    c.status = types::CollectionStatus::Completed;
                    c.completed_at = Some(Some(Timestamp::from(now)));
                    c.payer = Some(Some(payer));
                }
                Outcome::Fail => {
                    c.status = types::CollectionStatus::Failed;
                    c.status_reason = Some(Some("Payment failed".into()));
                }
                Outcome::Cancel => {
                    c.status = types::CollectionStatus::Failed;
                    c.status_reason = Some(Some("Cancelled by the payer".into()));
                }
            }
            c.clone()
        };
        if outcome == Outcome::Complete {
            self.send_received(&collection, now);
        }
        serde_json::to_value(&collection).map_err(|e| SettleError::InvalidState(e.to_string()))
    }

    /// The secret webhooks are signed with now: the sandbox credential until regenerated.
    pub fn webhook_secret(&self) -> String {
        self.webhook_secret
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| {
                self.ctx
                    .creds()
                    .collect_webhook_secret
                    .expose_secret()
                    .to_owned()
            })
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- tokens -------------------------------------------------------------------------

    fn sign_jwt(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let mac = paygate_runtime::signature::hmac_sha256(
            self.jwt_key.as_bytes(),
            &[signing_input.as_bytes()],
        );
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// The claims of a token this sandbox signed, whatever its expiry or revocation.
    fn read_jwt(&self, token: &str) -> Option<Claims> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (_, payload) = signing_input.split_once('.')?;
        let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let expected = paygate_runtime::signature::hmac_sha256(
            self.jwt_key.as_bytes(),
            &[signing_input.as_bytes()],
        );
        if !secret_eq(&given, &expected) {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    fn issue(&self, now: DateTime<Utc>) -> Value {
        let claims = Claims {
            sub: self.ctx.creds().collect_app_id.clone(),
            bus: BUSINESS_ID.into(),
            kind: "collection".into(),
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            iat: now.timestamp(),
            exp: (now + TOKEN_LIFETIME).timestamp(),
            jti: crate::core::new_id("jwt_"),
        };
        self.lock().tokens.insert(claims.jti.clone(), false);
        json!({
            "accessToken": self.sign_jwt(&claims),
            "tokenType": "Bearer",
            "expiresIn": TOKEN_LIFETIME.num_seconds(),
            "expiresAt": Timestamp::from(now + TOKEN_LIFETIME),
            "appType": "collection",
            "scopes": SCOPES,
        })
    }

    /// The bearer token's claims if it may be used now; the `Err` is the 401 to send.
    fn authorize(&self, headers: &HeaderMap, rid: &RequestId) -> Result<Claims, Response> {
        let now = self.ctx.now();
        let token = bearer(headers).ok_or_else(|| {
            fail(
                StatusCode::UNAUTHORIZED,
                "AUTH_TOKEN_MISSING",
                "No authorization token provided",
                rid,
                now,
            )
        })?;
        let invalid = || {
            fail(
                StatusCode::UNAUTHORIZED,
                "AUTH_TOKEN_INVALID",
                "Token is malformed, expired, or revoked",
                rid,
                now,
            )
        };
        let claims = self.read_jwt(token).ok_or_else(invalid)?;
        let revoked = self.lock().tokens.get(&claims.jti).copied().unwrap_or(true);
        if revoked || now.timestamp() >= claims.exp {
            return Err(invalid());
        }
        Ok(claims)
    }

    // ---- webhooks -------------------------------------------------------------------------

    fn send_event(&self, event: &str, url: Option<String>, data: &impl Serialize) {
        let data = match serde_json::to_string(data) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("collect webhook not serializable: {e}");
                return;
            }
        };
        let secret = self.webhook_secret();
        let sign = paygate_runtime::signature::hmac_sha256_hex(secret.as_bytes(), data.as_bytes());
        // Built by hand so that the signed bytes of `data` are exactly the bytes sent.
        let body = format!(
            r#"{{"event":{},"version":"2.0","sign":"{sign}","data":{data}}}"#,
            Value::String(event.to_owned())
        );
        self.ctx
            .webhooks()
            .send(Webhook::json(Api::Collect, event, url, body));
    }

    fn send_initiated(&self, c: &types::Collection, now: DateTime<Utc>) {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Initiated<'a> {
            reference: &'a str,
            external_reference: Option<&'a str>,
            amount: JsonDecimal,
            currency: &'a str,
            description: Option<&'a str>,
            checkout_url: Option<&'a str>,
            expires_at: Option<&'a Timestamp>,
            status: &'a str,
            app_id: &'a str,
            timestamp: Timestamp,
        }
        let data = Initiated {
            reference: &c.collection_id,
            external_reference: c.order_id.value().map(String::as_str),
            amount: c.amount,
            currency: "USD",
            description: c.description.as_deref(),
            checkout_url: c.checkout_url.as_deref(),
            expires_at: c.expires_at.as_ref(),
            status: c.status.as_str(),
            app_id: &self.ctx.creds().collect_app_id,
            timestamp: Timestamp::from(now),
        };
        self.send_event(
            "collection.initiated",
            c.webhook_url.clone().flatten(),
            &data,
        );
    }

    fn send_received(&self, c: &types::Collection, now: DateTime<Utc>) {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Received<'a> {
            reference: &'a str,
            external_reference: Option<&'a str>,
            provider_reference: String,
            amount: JsonDecimal,
            charge: JsonDecimal,
            net_amount: JsonDecimal,
            currency: &'a str,
            payment_method: &'a str,
            customer_email: Option<&'a str>,
            customer_phone: Option<&'a str>,
            customer_name: Option<&'a str>,
            status: &'a str,
            app_id: &'a str,
            timestamp: Timestamp,
        }
        let payer = c.payer.value();
        let data = Received {
            reference: &c.collection_id,
            external_reference: c.order_id.value().map(String::as_str),
            provider_reference: format!("PAY-{}", now.format("%Y%m%d")) + &upper_id(6),
            amount: c.amount,
            charge: c.fee,
            net_amount: c.net_amount,
            currency: "USD",
            payment_method: "FYATU_BALANCE",
            customer_email: payer.and_then(|p| p.email.as_deref()),
            customer_phone: None,
            customer_name: payer.and_then(|p| p.name.as_deref()),
            status: c.status.as_str(),
            app_id: &self.ctx.creds().collect_app_id,
            timestamp: Timestamp::from(now),
        };
        self.send_event(
            "collection.received",
            c.webhook_url.clone().flatten(),
            &data,
        );
    }
}

impl Stored {
    fn expire_if_due(&mut self, now: DateTime<Utc>) {
        if self.collection.status == types::CollectionStatus::Pending && now >= self.expires {
            self.collection.status = types::CollectionStatus::Failed;
            self.collection.status_reason = Some(Some("Checkout session expired".into()));
        }
    }

    fn summary(&self) -> Result<types::CollectionSummary, BuildError> {
        let c = &self.collection;
        crate::build!(types::CollectionSummary {
            collection_id: c.collection_id.clone(),
            batch: c.batch.clone(),
            reference: c.reference.clone(),
            order_id: c.order_id.clone(),
            amount: c.amount,
            fee: c.fee,
            net_amount: c.net_amount,
            currency: c.currency.clone(),
            status: c.status.clone(),
            payer_email: c.payer.value().and_then(|p| p.email.clone()),
            payer_client_id: c.payer.value().and_then(|p| p.client_id.clone()),
            payer_name: c.payer.value().and_then(|p| p.name.clone()),
            completed_at: c.completed_at.clone(),
            created_at: c.created_at.clone(),
        })
    }
}

mod auth;
mod collections;
mod refunds;
mod replies;

#[allow(unused_imports)]
use auth::*;
#[allow(unused_imports)]
use collections::*;
#[allow(unused_imports)]
use refunds::*;
#[allow(unused_imports)]
use replies::*;
