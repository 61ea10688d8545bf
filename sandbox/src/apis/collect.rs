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
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use collect_client::time::Timestamp;
use collect_client::types;
use paygate_runtime::JsonDecimal;
use rust_decimal::{Decimal, RoundingStrategy};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::core::{Api, Ctx, Outcome, RequestId, SettleError, Webhook};

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

pub struct CollectSandbox {
    ctx: Ctx,
    /// HMAC key of the sandbox's JWTs (random per instance).
    jwt_key: String,
    token_requests: AtomicU64,
    refresh_requests: AtomicU64,
    state: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    /// Issued tokens by `jti`: revoked or not.
    tokens: HashMap<String, bool>,
    collections: HashMap<String, Stored>,
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

impl CollectSandbox {
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(CollectSandbox {
            ctx,
            jwt_key: crate::core::new_id("jwtkey_"),
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
            .filter(|s| s.collection.order_id.as_deref() == Some(order_id))
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
                    c.status = types::CollectionStatus::Completed;
                    c.completed_at = Some(Timestamp::from(now));
                    c.payer = Some(types::Payer {
                        email: Some("payer@sandbox.example".into()),
                        name: Some("Sandbox Payer".into()),
                        account_name: Some("sandbox.payer".into()),
                        client_id: Some("FYSBXPAYER0001".into()),
                    });
                }
                Outcome::Fail => {
                    c.status = types::CollectionStatus::Failed;
                    c.status_reason = Some("Payment failed".into());
                }
                Outcome::Cancel => {
                    c.status = types::CollectionStatus::Failed;
                    c.status_reason = Some("Cancelled by the payer".into());
                }
            }
            c.clone()
        };
        if outcome == Outcome::Complete {
            self.send_received(&collection, now);
        }
        serde_json::to_value(&collection).map_err(|e| SettleError::InvalidState(e.to_string()))
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
        if !constant_time_eq(&given, &expected) {
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
        let secret = self
            .ctx
            .creds()
            .collect_webhook_secret
            .expose_secret()
            .to_owned();
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
            external_reference: c.order_id.as_deref(),
            amount: c.amount,
            currency: "USD",
            description: c.description.as_deref(),
            checkout_url: c.checkout_url.as_deref(),
            expires_at: c.expires_at.as_ref(),
            status: c.status.as_str(),
            app_id: &self.ctx.creds().collect_app_id,
            timestamp: Timestamp::from(now),
        };
        self.send_event("collection.initiated", c.webhook_url.clone(), &data);
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
        let payer = c.payer.as_ref();
        let data = Received {
            reference: &c.collection_id,
            external_reference: c.order_id.as_deref(),
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
        self.send_event("collection.received", c.webhook_url.clone(), &data);
    }
}

impl Stored {
    fn expire_if_due(&mut self, now: DateTime<Utc>) {
        if self.collection.status == types::CollectionStatus::Pending && now >= self.expires {
            self.collection.status = types::CollectionStatus::Failed;
            self.collection.status_reason = Some("Checkout session expired".into());
        }
    }

    fn summary(&self) -> types::CollectionSummary {
        let c = &self.collection;
        types::CollectionSummary {
            collection_id: c.collection_id.clone(),
            batch: c.batch.clone(),
            reference: c.reference.clone(),
            order_id: c.order_id.clone(),
            amount: c.amount,
            fee: c.fee,
            net_amount: c.net_amount,
            currency: c.currency.clone(),
            status: c.status.clone(),
            payer_email: c.payer.as_ref().and_then(|p| p.email.clone()),
            payer_client_id: c.payer.as_ref().and_then(|p| p.client_id.clone()),
            payer_name: c.payer.as_ref().and_then(|p| p.name.clone()),
            completed_at: c.completed_at.clone(),
            created_at: c.created_at.clone(),
        }
    }
}

// ---- handlers ---------------------------------------------------------------------------------

async fn issue_token(State(sb): Sb, rid: RequestId, body: Bytes) -> Response {
    sb.token_requests.fetch_add(1, Ordering::SeqCst);
    let now = sb.ctx.now();
    let body = match object(&body, &rid, now) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let (Some(app_id), Some(secret), Some(grant)) =
        (field("appId"), field("secretKey"), field("grantType"))
    else {
        return validation("appId, secretKey and grantType are required", &rid, now);
    };
    if grant != "client_credentials" {
        return validation("grantType must be 'client_credentials'", &rid, now);
    }
    let creds = sb.ctx.creds();
    let app_ok = constant_time_eq(app_id.as_bytes(), creds.collect_app_id.as_bytes());
    let secret_ok = constant_time_eq(
        secret.as_bytes(),
        creds.collect_secret_key.expose_secret().as_bytes(),
    );
    if !(app_ok && secret_ok) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_INVALID_CREDENTIALS",
            "App ID or secret key is incorrect",
            &rid,
            now,
        );
    }
    ok(
        StatusCode::OK,
        "Token generated successfully",
        sb.issue(now),
        &rid,
        now,
    )
}

async fn refresh_token(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
    sb.refresh_requests.fetch_add(1, Ordering::SeqCst);
    let now = sb.ctx.now();
    let Some(token) = bearer(&headers) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_MISSING",
            "No authorization token provided",
            &rid,
            now,
        );
    };
    let Some(claims) = sb.read_jwt(token) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_INVALID",
            "Token is malformed",
            &rid,
            now,
        );
    };
    if sb.lock().tokens.get(&claims.jti).copied().unwrap_or(true) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_INVALID",
            "Token has been revoked",
            &rid,
            now,
        );
    }
    let deadline = DateTime::from_timestamp(claims.exp, 0).map(|exp| exp + REFRESH_GRACE);
    if deadline.is_none_or(|d| now >= d) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_REFRESH_FAILED",
            "Token expired more than 5 minutes ago; request a new token",
            &rid,
            now,
        );
    }
    ok(
        StatusCode::OK,
        "Token refreshed successfully",
        sb.issue(now),
        &rid,
        now,
    )
}

async fn revoke_token(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
    let claims = match sb.authorize(&headers, &rid) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = sb.ctx.now();
    sb.lock().tokens.insert(claims.jti, true);
    ok(
        StatusCode::OK,
        "Token revoked successfully",
        json!({ "revoked": true }),
        &rid,
        now,
    )
}

async fn create_collection(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let body = match object(&body, &rid, now) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let amount = match body.get("amount") {
        None | Some(Value::Null) => return validation("amount is required", &rid, now),
        Some(v) => match number(v) {
            Some(a) => a,
            None => return validation("amount must be a number", &rid, now),
        },
    };
    if amount < Decimal::ONE {
        return validation("amount must be at least 1", &rid, now);
    }
    let order_id = match text(&body, "orderId", 100) {
        Ok(v) => v,
        Err(m) => return validation(&m, &rid, now),
    };
    let description = match text(&body, "description", 100) {
        Ok(v) => v,
        Err(m) => return validation(&m, &rid, now),
    };
    let mut urls = [None, None];
    for (slot, name) in urls.iter_mut().zip(["callbackUrl", "webhookUrl"]) {
        match body.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(u)) if u.starts_with("http://") || u.starts_with("https://") => {
                *slot = Some(u.clone());
            }
            Some(_) => return validation(&format!("{name} must be a valid URL"), &rid, now),
        }
    }
    let [callback_url, webhook_url] = urls;
    let metadata = match body.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(types::Metadata(m.clone())),
        Some(_) => return validation("metadata must be an object", &rid, now),
    };
    let fee = (amount * FEE_PERCENT / Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let collection = {
        let mut state = sb.lock();
        if state.by_order_id.contains_key(&order_id) {
            drop(state);
            return fail(
                StatusCode::CONFLICT,
                "DUPLICATE_REFERENCE",
                "Order ID already used",
                &rid,
                now,
            );
        }
        let id = format!("SCI{}", upper_id(13));
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let expires = now + SESSION_LIFETIME;
        let collection = types::Collection {
            collection_id: id.clone(),
            batch: Some(id.clone()),
            reference: Some(upper_id(12)),
            order_id: Some(order_id.clone()),
            amount: JsonDecimal(amount),
            fee: JsonDecimal(fee),
            net_amount: JsonDecimal(amount - fee),
            currency: Some(types::Currency::Usd),
            status: types::CollectionStatus::Pending,
            description: Some(description),
            status_reason: None,
            payer: None,
            refunds: None,
            metadata,
            checkout_url: Some(format!(
                "http://{host}{}/sci/checkout?batch={id}",
                Api::Collect.prefix()
            )),
            callback_url,
            webhook_url,
            completed_at: None,
            created_at: Some(Timestamp::from(now)),
            expires_at: Some(Timestamp::from(expires)),
        };
        state.seq += 1;
        let seq = state.seq;
        state.by_order_id.insert(order_id, id.clone());
        state.collections.insert(
            id,
            Stored {
                collection: collection.clone(),
                created: now,
                expires,
                seq,
            },
        );
        collection
    };
    sb.send_initiated(&collection, now);
    let data = json!({
        "collectionId": collection.collection_id,
        "reference": collection.reference,
        "orderId": collection.order_id,
        "amount": collection.amount,
        "fee": collection.fee,
        "netAmount": collection.net_amount,
        "currency": "USD",
        "status": "PENDING",
        "checkoutUrl": collection.checkout_url,
        "expiresAt": collection.expires_at,
    });
    ok(
        StatusCode::CREATED,
        "Checkout session created successfully",
        data,
        &rid,
        now,
    )
}

async fn get_collection(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let found = sb.lock().collections.get_mut(&id).map(|s| {
        s.expire_if_due(now);
        s.collection.clone()
    });
    match found {
        Some(c) => ok(
            StatusCode::OK,
            "Collection retrieved successfully",
            c,
            &rid,
            now,
        ),
        None => not_found("Collection not found", &rid, now),
    }
}

async fn list_collections(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let paging = match Paging::read(&query) {
        Ok(p) => p,
        Err(m) => return validation(&m, &rid, now),
    };
    let contains = |value: &Option<String>, key: &str| match query.get(key) {
        Some(wanted) => value
            .as_deref()
            .is_some_and(|v| v.contains(wanted.as_str())),
        None => true,
    };
    let items: Vec<types::CollectionSummary> = {
        let mut state = sb.lock();
        let mut stored: Vec<&mut Stored> = state.collections.values_mut().collect();
        stored.sort_by_key(|s| std::cmp::Reverse(s.seq));
        stored
            .into_iter()
            .filter_map(|s| {
                s.expire_if_due(now);
                let c = &s.collection;
                let keep = query.get("status").is_none_or(|st| c.status.as_str() == st)
                    && contains(&c.order_id, "orderId")
                    && contains(&c.reference, "reference")
                    && paging.in_range(s.created);
                keep.then(|| s.summary())
            })
            .collect()
    };
    let (page, pagination) = paging.slice(items);
    ok(
        StatusCode::OK,
        "Collections retrieved successfully",
        json!({ "collections": page, "pagination": pagination }),
        &rid,
        now,
    )
}

async fn create_refund(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match object(&body, &rid, now) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let mode = match body.get("mode") {
        None | Some(Value::Null) => "FULL".to_owned(),
        Some(Value::String(m)) if m == "FULL" || m == "PARTIAL" => m.clone(),
        Some(_) => return validation("mode must be FULL or PARTIAL", &rid, now),
    };
    let reason = match body.get("reason") {
        None | Some(Value::Null) => "CUSTOMER_REQUEST",
        Some(Value::String(r)) => match REASONS.iter().find(|(code, _)| code == r) {
            Some((code, _)) => code,
            None => return validation("reason is not a valid reason code", &rid, now),
        },
        Some(_) => return validation("reason is not a valid reason code", &rid, now),
    };
    let requested = match (mode.as_str(), body.get("amount")) {
        ("PARTIAL", None | Some(Value::Null)) => {
            return validation("amount is required for PARTIAL refunds", &rid, now);
        }
        ("PARTIAL", Some(v)) => match number(v) {
            Some(a) if a > Decimal::ZERO => Some(a),
            _ => return validation("amount must be a positive number", &rid, now),
        },
        _ => None,
    };
    let refund = {
        let mut state = sb.lock();
        let Some(stored) = state.collections.get_mut(&id) else {
            drop(state);
            return not_found("Collection not found", &rid, now);
        };
        stored.expire_if_due(now);
        let c = &mut stored.collection;
        match c.status {
            types::CollectionStatus::Completed => {}
            types::CollectionStatus::Refunded | types::CollectionStatus::PartiallyRefunded => {
                drop(state);
                return fail(
                    StatusCode::CONFLICT,
                    "ALREADY_REFUNDED",
                    "Collection already has a refund",
                    &rid,
                    now,
                );
            }
            _ => {
                drop(state);
                return fail(
                    StatusCode::BAD_REQUEST,
                    "INVALID_STATUS",
                    "Only completed collections can be refunded",
                    &rid,
                    now,
                );
            }
        }
        let net = c.net_amount.value();
        let amount = requested.unwrap_or(net);
        if amount > net {
            drop(state);
            return validation(
                &format!("amount exceeds the refundable amount ({net})"),
                &rid,
                now,
            );
        }
        c.status = if amount == net {
            types::CollectionStatus::Refunded
        } else {
            types::CollectionStatus::PartiallyRefunded
        };
        c.status_reason = Some(format!("Refunded: {reason}"));
        c.refunds = Some(types::CollectionRefunds {
            total_refunded: Some(JsonDecimal(amount)),
            remaining_refundable: Some(JsonDecimal(Decimal::ZERO)),
            count: Some(1),
        });
        let refund = types::Refund {
            refund_id: format!("REF{}", upper_id(13)),
            collection_id: id.clone(),
            amount: JsonDecimal(amount),
            currency: Some(types::Currency::Usd),
            reason: Some(types::RefundReason::from(reason)),
            reason_description: REASONS
                .iter()
                .find(|(code, _)| *code == reason)
                .map(|(_, d)| d.to_string()),
            status: Some(types::RefundStatus::Completed),
            recipient: c.payer.as_ref().map(|p| types::RefundRecipient {
                client_id: p.client_id.clone(),
                name: p.name.clone(),
            }),
            completed_at: Some(Timestamp::from(now)),
            created_at: Some(Timestamp::from(now)),
        };
        state.refunds.push(refund.clone());
        refund
    };
    ok(
        StatusCode::CREATED,
        "Refund processed successfully",
        refund,
        &rid,
        now,
    )
}

async fn list_refunds(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let paging = match Paging::read(&query) {
        Ok(p) => p,
        Err(m) => return validation(&m, &rid, now),
    };
    let items: Vec<types::Refund> = sb
        .lock()
        .refunds
        .iter()
        .rev()
        .filter(|r| {
            query
                .get("status")
                .is_none_or(|s| r.status.as_ref().is_some_and(|st| st.as_str() == s))
                && query
                    .get("collectionId")
                    .is_none_or(|c| &r.collection_id == c)
                && r.created_at
                    .as_ref()
                    .is_none_or(|t| paging.in_range(t.to_utc()))
        })
        .cloned()
        .collect();
    let (page, pagination) = paging.slice(items);
    ok(
        StatusCode::OK,
        "Refunds retrieved successfully",
        json!({ "refunds": page, "pagination": pagination }),
        &rid,
        now,
    )
}

async fn refund_reasons(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let reasons: Vec<Value> = REASONS
        .iter()
        .map(|(code, description)| json!({ "code": code, "description": description }))
        .collect();
    ok(
        StatusCode::OK,
        "Refund reasons retrieved successfully",
        json!({ "reasons": reasons }),
        &rid,
        sb.ctx.now(),
    )
}

/// The hosted checkout page a payer would see; the sandbox has no payer, so it explains how
/// to settle instead.
async fn checkout_page(Query(query): Query<HashMap<String, String>>) -> Html<String> {
    let batch: String = query
        .get("batch")
        .map(|b| {
            b.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(40)
                .collect()
        })
        .unwrap_or_default();
    Html(format!(
        "<!doctype html><title>FYATU sandbox checkout</title><h1>Sandbox checkout {batch}</h1>\
         <p>Settle it with <code>POST /_sandbox/settle</code> \
         <code>{{\"api\":\"collect\",\"id\":\"{batch}\",\"outcome\":\"complete\"}}</code>.</p>"
    ))
}

// ---- helpers ------------------------------------------------------------------------------------

struct Paging {
    page: usize,
    limit: usize,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Paging {
    fn read(query: &HashMap<String, String>) -> Result<Paging, String> {
        let int = |key: &str, default: usize, max: usize| match query.get(key) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("{key} must be an integer between 1 and {max}")),
            },
        };
        let date = |key: &str| match query.get(key) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{key} must be a date in YYYY-MM-DD format")),
        };
        Ok(Paging {
            page: int("page", 1, usize::MAX)?,
            limit: int("limit", 20, 100)?,
            from: date("dateFrom")?,
            to: date("dateTo")?,
        })
    }

    fn in_range(&self, at: DateTime<Utc>) -> bool {
        let day = at.date_naive();
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// The requested page and FYATU's pagination object (schema-sample key names).
    fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, Value) {
        let total = items.len();
        let pages = total.div_ceil(self.limit);
        let start = (self.page - 1).saturating_mul(self.limit);
        let page: Vec<T> = items.into_iter().skip(start).take(self.limit).collect();
        (
            page,
            json!({
                "page": self.page,
                "perPage": self.limit,
                "totalItems": total,
                "totalPages": pages,
            }),
        )
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `len` characters from `[A-Z0-9]`, like FYATU's ids and references.
fn upper_id(len: usize) -> String {
    crate::core::new_id("")
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .cycle()
        .take(len)
        .collect()
}

fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            text.parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(&text).ok())
        }
        _ => None,
    }
}

/// A required string of 1..=`max` characters.
fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<String, String> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > max {
                Err(format!("{field} may not exceed {max} characters"))
            } else {
                Ok(s.clone())
            }
        }
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("{field} is required")),
        Some(_) => Err(format!("{field} must be a string")),
    }
}

fn object(
    body: &[u8],
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(validation("Request body must be a JSON object", rid, now)),
    }
}

fn meta(rid: &RequestId, now: DateTime<Utc>) -> Value {
    json!({ "requestId": rid.as_str(), "timestamp": Timestamp::from(now) })
}

fn ok(
    status: StatusCode,
    message: &str,
    data: impl Serialize,
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Response {
    (
        status,
        Json(json!({
            "success": true,
            "status": status.as_u16(),
            "message": message,
            "data": data,
            "meta": meta(rid, now),
        })),
    )
        .into_response()
}

fn fail(
    status: StatusCode,
    code: &str,
    message: &str,
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Response {
    (
        status,
        Json(json!({
            "success": false,
            "status": status.as_u16(),
            "message": message,
            "code": code,
            "meta": meta(rid, now),
        })),
    )
        .into_response()
}

fn validation(message: &str, rid: &RequestId, now: DateTime<Utc>) -> Response {
    fail(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        message,
        rid,
        now,
    )
}

fn not_found(message: &str, rid: &RequestId, now: DateTime<Utc>) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        message,
        rid,
        now,
    )
}
