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
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use xpay_client::platform::money;
use xpay_client::platform::types;

use crate::core::{Api, Ctx, Outcome, RequestId, SettleError, Webhook};

/// `api_version` of the events this sandbox sends (the version the docs show).
pub const API_VERSION: &str = "3.1.0";
/// The merchant every sandbox key belongs to.
pub const MERCHANT_ID: &str = "merch_sandbox0000000000000001";
/// Default session lifetime (documented: 24 h).
pub const SESSION_LIFETIME_MINUTES: i64 = 24 * 60;
const HOSTED_CHECKOUT: &str = "https://checkout.xpay.app";

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

// ------------------------------------------------------------------ errors

/// XPay's error envelope, before the request id is known.
#[derive(Debug)]
struct ApiErr {
    status: StatusCode,
    error_type: &'static str,
    code: &'static str,
    message: String,
    param: Option<String>,
}

impl ApiErr {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiErr {
            status,
            error_type: "invalid_request_error",
            code,
            message: message.into(),
            param: None,
        }
    }

    fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    fn missing(param: &str) -> Self {
        ApiErr::new(
            StatusCode::BAD_REQUEST,
            "parameter_missing",
            format!("Missing required param: {param}."),
        )
        .param(param)
    }

    fn invalid(param: &str, message: impl Into<String>) -> Self {
        ApiErr::new(StatusCode::BAD_REQUEST, "parameter_invalid", message).param(param)
    }

    fn out_of_range(param: &str, message: impl Into<String>) -> Self {
        ApiErr::new(StatusCode::BAD_REQUEST, "parameter_out_of_range", message).param(param)
    }

    fn exclusive(param: &str, message: impl Into<String>) -> Self {
        ApiErr::new(StatusCode::BAD_REQUEST, "parameters_exclusive", message).param(param)
    }

    /// An id in the path that names nothing.
    fn not_found(what: &str, id: &str) -> Self {
        ApiErr::new(
            StatusCode::NOT_FOUND,
            "resource_missing",
            format!("No such {what}: '{id}'"),
        )
        .param("id")
    }

    /// An id in the body that names nothing.
    fn no_such(param: &str, what: &str, id: &str) -> Self {
        ApiErr::new(
            StatusCode::BAD_REQUEST,
            "resource_missing",
            format!("No such {what}: '{id}'"),
        )
        .param(param)
    }

    fn state(message: impl Into<String>) -> Self {
        ApiErr::new(StatusCode::CONFLICT, "resource_invalid_state", message)
    }

    fn unauthorized(message: &str) -> Self {
        ApiErr {
            status: StatusCode::UNAUTHORIZED,
            error_type: "authentication_error",
            code: "api_key_invalid",
            message: message.to_string(),
            param: None,
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        ApiErr {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_type: "api_error",
            code: "internal_error",
            message: message.into(),
            param: None,
        }
    }

    fn into_response(self, request_id: &RequestId) -> Response {
        let body = json!({
            "error": {
                "type": self.error_type,
                "code": self.code,
                "message": self.message,
                "param": self.param,
                "doc_url": format!("https://docs.xpay.app/integrate/errors/api-error-codes#{}", self.code),
            },
            "request_id": request_id.as_str(),
        });
        (self.status, axum::Json(body)).into_response()
    }
}

type Reply = Result<Response, ApiErr>;

fn ok<T: Serialize>(value: &T) -> Reply {
    Ok(axum::Json(to_value(value)?).into_response())
}

fn empty() -> Reply {
    Ok(StatusCode::OK.into_response())
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, ApiErr> {
    serde_json::to_value(value).map_err(|e| ApiErr::internal(format!("serialize: {e}")))
}

/// A generated builder's result; failing means the sandbox built an incomplete object.
fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, ApiErr> {
    r.map_err(|e| ApiErr::internal(format!("sandbox built an invalid object: {e}")))
}

fn respond(request_id: &RequestId, reply: Reply) -> Response {
    reply.unwrap_or_else(|e| e.into_response(request_id))
}

// ------------------------------------------------------------------ request parsing

/// The JSON object of a request body.
fn body_object(body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiErr::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiErr::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid JSON in the request body: {e}"),
        )),
    }
}

/// The body as the spec's request type; a type mismatch names the field where serde can.
fn typed<T: DeserializeOwned>(object: &Map<String, Value>) -> Result<T, ApiErr> {
    serde_json::from_value(Value::Object(object.clone())).map_err(|e| {
        let message = e.to_string();
        let param = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("body")
            .to_string();
        if message.starts_with("missing field") {
            ApiErr::missing(&param)
        } else {
            ApiErr::new(StatusCode::BAD_REQUEST, "parameter_invalid", message).param(param)
        }
    })
}

struct Paging {
    page: u64,
    limit: u64,
}

impl Paging {
    fn from_query(q: &HashMap<String, String>) -> Result<Self, ApiErr> {
        let number = |name: &str, default: u64| -> Result<u64, ApiErr> {
            match q.get(name) {
                None => Ok(default),
                Some(v) => v.parse::<u64>().map_err(|_| {
                    ApiErr::invalid(name, format!("{name} must be a positive integer"))
                }),
            }
        };
        let page = number("page", 1)?;
        let limit = number("limit", 20)?;
        if page < 1 {
            return Err(ApiErr::out_of_range("page", "page must be at least 1"));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiErr::out_of_range(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
        Ok(Paging { page, limit })
    }

    fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let start =
            usize::try_from((self.page - 1).saturating_mul(self.limit)).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.limit).unwrap_or(100);
        items.iter().skip(start).take(limit).cloned().collect()
    }
}

fn bool_query(q: &HashMap<String, String>, name: &str) -> Result<Option<bool>, ApiErr> {
    match q.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiErr::invalid(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// Comma-separated search terms; an item matches when any term is in any of its fields.
fn search_terms(q: &HashMap<String, String>) -> Vec<String> {
    q.get("search")
        .map(|s| {
            s.split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn matches_terms(terms: &[String], fields: &[Option<&str>]) -> bool {
    terms.is_empty()
        || terms.iter().any(|term| {
            fields
                .iter()
                .flatten()
                .any(|f| f.to_lowercase().contains(term.as_str()))
        })
}

/// `t + by`, saturating: the sandbox clock can be moved arbitrarily far.
fn later(t: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(by).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn ts(t: DateTime<Utc>) -> types::Timestamp {
    types::Timestamp::from(t)
}

fn parse_ts(t: &types::Timestamp) -> Option<DateTime<Utc>> {
    t.to_datetime().ok()
}

fn https_url(param: &str, url: &str) -> Result<(), ApiErr> {
    match reqwest::Url::parse(url) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Ok(()),
        _ => Err(ApiErr::invalid(
            param,
            format!("{param} must be an https URL"),
        )),
    }
}

fn currency_code(param: &str, currency: &str) -> Result<String, ApiErr> {
    money::exponent(currency)
        .map(|_| currency.to_ascii_uppercase())
        .map_err(|_| ApiErr::invalid(param, format!("Unsupported currency: {currency}")))
}

// ------------------------------------------------------------------ the sandbox

type Sb = State<Arc<XpayPlatformSandbox>>;
type Q = Query<HashMap<String, String>>;

impl XpayPlatformSandbox {
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
        let matches = key.len() == expected.len()
            && key
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !matches {
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
                let t = now.timestamp();
                let mut mac =
                    match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
                        Ok(mac) => mac,
                        Err(_) => return Vec::new(),
                    };
                mac.update(t.to_string().as_bytes());
                mac.update(b".");
                mac.update(body);
                let v1 = hex::encode(mac.finalize().into_bytes());
                vec![("XPay-Signature".to_string(), format!("t={t},v1={v1}"))]
            });
        self.ctx.webhooks().send(webhook);
    }
}

// ------------------------------------------------------------------ state transitions

impl Db {
    /// Sessions past `expiresAt` read as expired (and say so once, by webhook).
    fn expire_due(&mut self, now: DateTime<Utc>, pending: &mut Vec<Pending>) {
        let due: Vec<usize> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.status == Some(types::CheckoutSessionStatus::Open)
                    && s.expires_at
                        .as_ref()
                        .and_then(parse_ts)
                        .is_some_and(|at| now >= at)
            })
            .map(|(i, _)| i)
            .collect();
        for i in due {
            self.expire(i, now);
            if let Ok(object) = serde_json::to_value(&self.sessions[i]) {
                pending.push(Pending {
                    event_type: "checkout.session.expired",
                    object,
                });
            }
        }
    }

    fn expire(&mut self, index: usize, now: DateTime<Utc>) {
        let session = &mut self.sessions[index];
        session.status = Some(types::CheckoutSessionStatus::Expired);
        session.is_expired = Some(true);
        session.updated_at = Some(ts(now));
    }

    fn session_index(&self, id: &str) -> Result<usize, ApiErr> {
        self.sessions
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| ApiErr::not_found("checkout session", id))
    }

    fn price(&self, id: &str) -> Option<&types::Price> {
        self.prices.iter().find(|p| p.id == id)
    }

    fn product(&self, id: &str) -> Option<&types::Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The product as `GET /products/{id}` shows it: with all its prices.
    fn product_view(&self, product: &types::Product) -> types::Product {
        let mut view = product.clone();
        view.prices = Some(
            self.prices
                .iter()
                .filter(|p| p.product_id.as_deref() == Some(product.id.as_str()))
                .cloned()
                .collect(),
        );
        view
    }

    /// Whether any session or payment link references the price.
    fn price_used(&self, price_id: &str) -> bool {
        self.price_usage(price_id).iter().any(|&n| n > 0)
    }

    /// (sessions, payment links, line items) referencing the price.
    fn price_usage(&self, price_id: &str) -> [i64; 3] {
        let refs = |items: &Option<Vec<types::LineItem>>| {
            items
                .iter()
                .flatten()
                .filter(|li| li.price_id.as_deref() == Some(price_id))
                .count() as i64
        };
        let (mut sessions, mut links, mut lines) = (0, 0, 0);
        for s in &self.sessions {
            let n = refs(&s.line_items);
            sessions += i64::from(n > 0);
            lines += n;
        }
        for l in &self.payment_links {
            let n = refs(&l.line_items);
            links += i64::from(n > 0);
            lines += n;
        }
        [sessions, links, lines]
    }

    /// Validates line items and turns them into the response shape; returns them with their
    /// one currency and the total.
    fn line_items(
        &self,
        items: &[types::LineItemInput],
        currency: Option<&str>,
        ctx: &Ctx,
    ) -> Result<(Vec<types::LineItem>, String, i64), ApiErr> {
        if items.is_empty() {
            return Err(ApiErr::missing("lineItems"));
        }
        let mut currency = currency.map(|c| currency_code("currency", c)).transpose()?;
        let mut out = Vec::new();
        let mut total: i64 = 0;
        for (i, item) in items.iter().enumerate() {
            let at = format!("lineItems[{i}]");
            if item.quantity < 1 {
                return Err(ApiErr::out_of_range(
                    &format!("{at}.quantity"),
                    "quantity must be at least 1",
                ));
            }
            if let Some(adj) = &item.adjustable_quantity {
                let (min, max) = (adj.minimum.unwrap_or(1), adj.maximum.unwrap_or(99));
                if min < 1 || min > max || item.quantity < min || item.quantity > max {
                    return Err(ApiErr::out_of_range(
                        &format!("{at}.adjustableQuantity"),
                        "adjustableQuantity needs 1 ≤ minimum ≤ quantity ≤ maximum",
                    ));
                }
            }
            let (unit_amount, line_currency, price, name) = match (&item.price, &item.price_data) {
                (Some(_), Some(_)) => {
                    return Err(ApiErr::exclusive(
                        &at,
                        "Provide exactly one of price or priceData.",
                    ));
                }
                (None, None) => return Err(ApiErr::missing(&format!("{at}.price"))),
                (Some(price_id), None) => {
                    let param = format!("{at}.price");
                    let price = self
                        .price(price_id)
                        .ok_or_else(|| ApiErr::no_such(&param, "price", price_id))?;
                    if price.active == Some(false) {
                        return Err(ApiErr::invalid(
                            &param,
                            format!("Price {price_id} is archived."),
                        ));
                    }
                    let unit = match &price.type_ {
                        Some(types::PriceType::OneTime) | None => price.unit_amount.unwrap_or(0),
                        Some(types::PriceType::Custom) => price
                            .custom_unit_amount
                            .as_ref()
                            .and_then(|c| c.preset.or(c.minimum))
                            .unwrap_or(0),
                        Some(other) => {
                            return Err(ApiErr::invalid(
                                &param,
                                format!("{other} prices cannot be used at checkout yet."),
                            ));
                        }
                    };
                    let name = price
                        .product_id
                        .as_deref()
                        .and_then(|p| self.product(p))
                        .and_then(|p| p.name.clone());
                    let c = price.currency.clone().unwrap_or_default();
                    (unit, c, Some(price.clone()), name)
                }
                (None, Some(data)) => {
                    let param = format!("{at}.priceData");
                    if data.unit_amount < 0 {
                        return Err(ApiErr::out_of_range(
                            &format!("{param}.unitAmount"),
                            "unitAmount must not be negative",
                        ));
                    }
                    let c = currency_code(&format!("{param}.currency"), &data.currency)?;
                    (
                        data.unit_amount,
                        c,
                        None,
                        Some(data.product_data.name.clone()),
                    )
                }
            };
            match &currency {
                Some(c) if !c.eq_ignore_ascii_case(&line_currency) => {
                    return Err(ApiErr::invalid(
                        &format!("{at}.currency"),
                        format!(
                            "All line items must use one currency; expected {c}, got {line_currency}."
                        ),
                    ));
                }
                Some(_) => {}
                None => currency = Some(line_currency.to_ascii_uppercase()),
            }
            let amount = unit_amount
                .checked_mul(item.quantity)
                .and_then(|a| total.checked_add(a).map(|t| (a, t)))
                .ok_or_else(|| ApiErr::out_of_range(&at, "amount too large"))?;
            total = amount.1;
            let line = types::LineItem::builder()
                .id(ctx.new_id("li_test_"))
                .object("item".to_string())
                .description(name)
                .currency(currency.clone())
                .quantity(item.quantity)
                .amount_subtotal(amount.0)
                .amount_total(amount.0)
                .price_id(item.price.clone())
                .price(price)
                .adjustable_quantity(item.adjustable_quantity.clone());
            out.push(built(line.try_into())?);
        }
        Ok((out, currency.unwrap_or_default(), total))
    }

    fn customer_exists(&self, id: &str) -> bool {
        self.customers.iter().any(|c| c.id == id)
    }

    /// The customer of a paid session: the one named, else a guest found by email or phone,
    /// else a new one (registered when the session asked for `customerCreation: always`).
    fn customer_for(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<String, ApiErr> {
        let session = &self.sessions[index];
        if let Some(id) = &session.customer_id {
            return Ok(id.clone());
        }
        let details = session.customer_details.clone().unwrap_or_default();
        let always = session.customer_creation == Some(types::CustomerCreation::Always);
        let found = self.customers.iter().find(|c| {
            c.type_ == Some(types::CustomerType::Guest)
                && ((details.email.is_some() && c.email == details.email)
                    || (details.phone.is_some() && c.phone == details.phone))
        });
        if let (Some(c), false) = (found, always) {
            return Ok(c.id.clone());
        }
        let kind = if always {
            types::CustomerType::Registered
        } else {
            types::CustomerType::Guest
        };
        let customer: types::Customer = built(
            types::Customer::builder()
                .id(ctx.new_id("cus_test_"))
                .object("customer".to_string())
                .type_(kind)
                .name(details.name)
                .email(details.email)
                .phone(details.phone)
                .merchant_id(MERCHANT_ID.to_string())
                .created_at(ts(now))
                .updated_at(ts(now))
                .try_into(),
        )?;
        let id = customer.id.clone();
        self.customers.push(customer);
        Ok(id)
    }

    fn complete(&mut self, index: usize, now: DateTime<Utc>, ctx: &Ctx) -> Result<(), ApiErr> {
        let customer_id = self.customer_for(index, now, ctx)?;
        let session = self.sessions[index].clone();
        let amount = session.amount_total.unwrap_or(0);
        let currency = session.currency.clone();
        let intent_id = ctx.new_id("pi_test_");
        let charge_id = ctx.new_id("ch_test_");
        // Unconfirmed: XPay's fee schedule; 3 % keeps gross − fee = net visible in tests.
        let fee = amount.saturating_mul(3) / 100;
        let txn: types::BalanceTransaction = built(
            types::BalanceTransaction::builder()
                .id(ctx.new_id("txn_test_"))
                .object("balance_transaction".to_string())
                .amount(amount)
                .fee(fee)
                .net(amount - fee)
                .currency(currency.clone())
                .status(types::BalanceTransactionStatus::Pending)
                .type_(types::BalanceTransactionType::Charge)
                .source(charge_id.clone())
                .payment_intent_id(intent_id.clone())
                .merchant_id(MERCHANT_ID.to_string())
                .available_on(ts(later(now, TimeDelta::days(2))))
                .created_at(ts(now))
                .try_into(),
        )?;
        let details = session.customer_details.clone().unwrap_or_default();
        let charge: types::Charge = built(
            types::Charge::builder()
                .id(charge_id.clone())
                .object("charge".to_string())
                .amount(amount)
                .amount_captured(amount)
                .amount_refunded(0)
                .currency(currency.clone())
                .created_at(ts(now))
                .captured_at(ts(now))
                .status(types::ChargeStatus::Succeeded)
                .paid(true)
                .captured(true)
                .refunded(false)
                .receipt_email(details.email.clone())
                .billing_details(types::BillingDetails {
                    name: details.name.clone(),
                    email: details.email.clone(),
                    phone: details.phone.clone(),
                    address: None,
                })
                .payment_method_details(types::PaymentMethodDetails {
                    type_: Some(types::PaymentMethodType::Card),
                    card: Some(types::CardDetails {
                        brand: Some("visa".into()),
                        country: Some("EG".into()),
                        exp_month: Some(12),
                        exp_year: Some(2034),
                        funding: Some("credit".into()),
                        last4: Some("4242".into()),
                        network: Some("visa".into()),
                        fingerprint: Some("fp_sandbox_4242".into()),
                        three_d_secure: None,
                        wallet: None,
                    }),
                    valu: None,
                })
                .outcome(types::ChargeOutcome {
                    network_status: Some("approved_by_network".into()),
                    reason: None,
                    risk_level: Some("normal".into()),
                    risk_score: Some(10),
                    seller_message: Some("Payment complete.".into()),
                    type_: Some("authorized".into()),
                })
                .balance_transaction(txn)
                .payment_intent_id(intent_id.clone())
                .try_into(),
        )?;
        let intent: types::PaymentIntent = built(
            types::PaymentIntent::builder()
                .id(intent_id.clone())
                .object("payment_intent".to_string())
                .checkout_session_id(session.id.clone())
                .amount(amount)
                .amount_capturable(0)
                .amount_received(amount)
                .amount_refunded(0)
                .currency(currency)
                .status(types::PaymentIntentStatus::Succeeded)
                .customer_id(customer_id.clone())
                .latest_charge(charge_id)
                .metadata(session.metadata.clone())
                .created_at(ts(now))
                .try_into(),
        )?;
        let customer = self
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .map(|c| types::SessionCustomer {
                id: Some(c.id.clone()),
                type_: c.type_.clone(),
                name: c.name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                address: c.address.clone(),
                shipping: None,
                metadata: c.metadata.clone(),
            });
        self.charges.push(charge);
        self.intents.push(intent.clone());
        let session = &mut self.sessions[index];
        session.status = Some(types::CheckoutSessionStatus::Complete);
        session.payment_status = Some(types::CheckoutSessionPaymentStatus::Paid);
        session.customer_id = Some(customer_id);
        session.customer = customer.map(Into::into);
        session.payment_intent_id = Some(intent_id);
        session.payment_intent = Some(intent);
        session.updated_at = Some(ts(now));
        Ok(())
    }

    fn fail(&mut self, index: usize, now: DateTime<Utc>, ctx: &Ctx) -> Result<(), ApiErr> {
        let session = self.sessions[index].clone();
        let intent_id = session
            .payment_intent_id
            .clone()
            .unwrap_or_else(|| ctx.new_id("pi_test_"));
        let charge: types::Charge = built(
            types::Charge::builder()
                .id(ctx.new_id("ch_test_"))
                .object("charge".to_string())
                .amount(session.amount_total)
                .amount_captured(0)
                .amount_refunded(0)
                .currency(session.currency.clone())
                .created_at(ts(now))
                .status(types::ChargeStatus::Failed)
                .paid(false)
                .captured(false)
                .refunded(false)
                .failure_code("card_declined".to_string())
                .failure_message("Your card was declined.".to_string())
                .payment_intent_id(intent_id.clone())
                .try_into(),
        )?;
        let intent: types::PaymentIntent = built(
            types::PaymentIntent::builder()
                .id(intent_id.clone())
                .object("payment_intent".to_string())
                .checkout_session_id(session.id.clone())
                .amount(session.amount_total)
                .amount_capturable(0)
                .amount_received(0)
                .amount_refunded(0)
                .currency(session.currency.clone())
                .status(types::PaymentIntentStatus::RequiresPaymentMethod)
                .last_payment_error(types::LastPaymentError {
                    type_: Some("card_error".into()),
                    code: Some("card_declined".into()),
                    decline_code: Some("generic_decline".into()),
                    message: Some("Your card was declined.".into()),
                    ..Default::default()
                })
                .created_at(ts(now))
                .try_into(),
        )?;
        self.charges.push(charge);
        self.intents.retain(|i| i.id != intent_id);
        self.intents.push(intent.clone());
        let session = &mut self.sessions[index];
        session.payment_intent_id = Some(intent_id);
        session.payment_intent = Some(intent);
        session.updated_at = Some(ts(now));
        Ok(())
    }
}

// ------------------------------------------------------------------ checkout sessions

const IMMUTABLE_SESSION_FIELDS: [&str; 5] = [
    "mode",
    "uiMode",
    "submitType",
    "currency",
    "expiresAfterMinutes",
];

fn after_completion(ac: &types::AfterCompletion) -> Result<(), ApiErr> {
    if ac.type_ == types::AfterCompletionType::Redirect {
        let url = ac
            .redirect
            .as_ref()
            .map(|r| r.url.as_str())
            .ok_or_else(|| ApiErr::missing("afterCompletion.redirect.url"))?;
        https_url("afterCompletion.redirect.url", url)?;
    } else if !ac.type_.is_known() {
        return Err(ApiErr::invalid(
            "afterCompletion.type",
            format!("Unknown afterCompletion type `{}`.", ac.type_),
        ));
    }
    Ok(())
}

fn reported_submit_type(s: &types::SubmitType) -> types::ReportedSubmitType {
    types::ReportedSubmitType::from(s.as_str().to_ascii_uppercase())
}

async fn create_session(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let object = body_object(&body)?;
            if !object.contains_key("afterCompletion") {
                return Err(ApiErr::missing("afterCompletion"));
            }
            let req: types::CreateCheckoutSessionRequest = typed(&object)?;
            after_completion(&req.after_completion)?;
            let ui_mode = req.ui_mode.clone().unwrap_or(types::UiMode::Hosted);
            if let Some(url) = &req.cancel_url {
                if ui_mode != types::UiMode::Hosted {
                    return Err(ApiErr::invalid(
                        "cancelUrl",
                        "cancelUrl is only allowed with uiMode `hosted`.",
                    ));
                }
                https_url("cancelUrl", url)?;
            }
            if req.submit_type.is_some() && ui_mode == types::UiMode::Custom {
                return Err(ApiErr::invalid(
                    "submitType",
                    "submitType cannot be used with uiMode `custom`.",
                ));
            }
            if let Some(mode) = &req.mode
                && *mode != types::CheckoutSessionMode::Payment
            {
                return Err(ApiErr::invalid(
                    "mode",
                    format!("Unsupported mode `{mode}`."),
                ));
            }
            if let Some(customer_id) = &req.customer_id {
                if req.customer_details.is_some() {
                    return Err(ApiErr::exclusive(
                        "customerDetails",
                        "customerId and customerDetails cannot be used together.",
                    ));
                }
                if req.customer_creation == Some(types::CustomerCreation::Always) {
                    return Err(ApiErr::exclusive(
                        "customerCreation",
                        "customerCreation `always` cannot be used with customerId.",
                    ));
                }
                if !db.customer_exists(customer_id) {
                    return Err(ApiErr::no_such("customerId", "customer", customer_id));
                }
            } else if !req.customer_update.is_empty() {
                return Err(ApiErr::new(
                    StatusCode::BAD_REQUEST,
                    "parameter_requires_another",
                    "customerUpdate requires customerId.",
                )
                .param("customerUpdate"));
            }
            let minutes = req
                .expires_after_minutes
                .unwrap_or(SESSION_LIFETIME_MINUTES);
            if !(30..=SESSION_LIFETIME_MINUTES).contains(&minutes) {
                return Err(ApiErr::out_of_range(
                    "expiresAfterMinutes",
                    "expiresAfterMinutes must be between 30 and 1440.",
                ));
            }
            let (lines, currency, total) =
                db.line_items(&req.line_items, req.currency.as_deref(), ctx)?;
            let id = ctx.new_id("cs_test_");
            let payment_method_types = if req.payment_method_types.is_empty() {
                vec![
                    types::PaymentMethodType::Card,
                    types::PaymentMethodType::Valu,
                ]
            } else {
                req.payment_method_types.clone()
            };
            let metadata: Map<String, Value> = req
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let session: types::CheckoutSession = built(
                types::CheckoutSession::builder()
                    .id(id.clone())
                    .object("checkout.session".to_string())
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .expires_at(ts(later(now, TimeDelta::minutes(minutes))))
                    .mode(types::CheckoutSessionMode::Payment)
                    .ui_mode(ui_mode)
                    .submit_type(reported_submit_type(
                        req.submit_type.as_ref().unwrap_or(&types::SubmitType::Pay),
                    ))
                    .customer_creation(
                        req.customer_creation
                            .clone()
                            .unwrap_or(types::CustomerCreation::IfRequired),
                    )
                    .status(types::CheckoutSessionStatus::Open)
                    .payment_status(types::CheckoutSessionPaymentStatus::Unpaid)
                    .currency(currency)
                    .amount_subtotal(total)
                    .amount_total(total)
                    .total_details(types::TotalDetails {
                        amount_discount: Some(0),
                        amount_shipping: Some(0),
                        amount_tax: Some(0),
                        amount_platform_fee: Some(0),
                        amount_collected_vat: Some(0),
                    })
                    .after_completion(req.after_completion.clone())
                    .cancel_url(req.cancel_url.clone())
                    .url(format!("{HOSTED_CHECKOUT}/c/{id}"))
                    .client_secret(Some(ctx.new_id(&format!("{id}_secret_")).into()))
                    .customer_id(req.customer_id.clone())
                    .customer_details(req.customer_details.as_ref().map(|d| {
                        types::CustomerDetails {
                            name: d.name.clone(),
                            email: d.email.clone(),
                            phone: d.phone.clone(),
                            billing_details: None,
                            shipping: None,
                        }
                    }))
                    .line_items(lines)
                    .custom_fields(req.custom_fields.clone())
                    .discounts(Vec::new())
                    .payment_method_types(payment_method_types)
                    .locale(req.locale.clone())
                    .metadata(metadata)
                    .is_expired(false)
                    .livemode(false)
                    .try_into(),
            )?;
            db.sessions.push(session.clone());
            ok(&session)
        }),
    )
}

async fn get_session(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let i = db.session_index(&id)?;
            ok(&db.sessions[i])
        }),
    )
}

async fn update_session(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let i = db.session_index(&id)?;
            let object = body_object(&body)?;
            if let Some(field) = IMMUTABLE_SESSION_FIELDS
                .iter()
                .find(|f| object.contains_key(**f))
            {
                return Err(ApiErr::invalid(
                    field,
                    format!("{field} cannot be changed after creation."),
                ));
            }
            let req: types::UpdateCheckoutSessionRequest = typed(&object)?;
            let current = db.sessions[i].clone();
            if current.status != Some(types::CheckoutSessionStatus::Open) {
                return Err(ApiErr::state(format!(
                    "This checkout session is {} and can no longer be updated.",
                    current.status.as_ref().map_or("closed", |s| s.as_str())
                )));
            }
            if let Some(ac) = &req.after_completion {
                after_completion(ac)?;
            }
            if let Some(url) = &req.cancel_url {
                if current.ui_mode != Some(types::UiMode::Hosted) {
                    return Err(ApiErr::invalid(
                        "cancelUrl",
                        "cancelUrl is only allowed with uiMode `hosted`.",
                    ));
                }
                https_url("cancelUrl", url)?;
            }
            let customer_id = req.customer_id.clone().or(current.customer_id.clone());
            if req.customer_id.is_some()
                && (req.customer_details.is_some() || current.customer_details.is_some())
            {
                return Err(ApiErr::exclusive(
                    "customerDetails",
                    "customerId and customerDetails cannot be used together.",
                ));
            }
            if req.customer_details.is_some() && current.customer_id.is_some() {
                return Err(ApiErr::exclusive(
                    "customerDetails",
                    "customerId and customerDetails cannot be used together.",
                ));
            }
            if let Some(c) = &req.customer_id
                && !db.customer_exists(c)
            {
                return Err(ApiErr::no_such("customerId", "customer", c));
            }
            let lines = match &req.line_items {
                Some(items) => Some(db.line_items(items, current.currency.as_deref(), ctx)?),
                None => None,
            };
            let session = &mut db.sessions[i];
            if let Some(ac) = req.after_completion {
                session.after_completion = Some(ac);
            }
            if req.cancel_url.is_some() {
                session.cancel_url = req.cancel_url;
            }
            session.customer_id = customer_id;
            if let Some(d) = req.customer_details {
                session.customer_details = Some(types::CustomerDetails {
                    name: d.name,
                    email: d.email,
                    phone: d.phone,
                    billing_details: None,
                    shipping: None,
                });
            }
            if let Some((items, _, total)) = lines {
                session.line_items = Some(items);
                session.amount_subtotal = Some(total);
                session.amount_total = Some(total);
            }
            if req.locale.is_some() {
                session.locale = req.locale;
            }
            if let Some(types) = req.payment_method_types {
                session.payment_method_types = Some(types);
            }
            if let Some(metadata) = req.metadata {
                session.metadata = Some(
                    metadata
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                );
            }
            session.updated_at = Some(ts(now));
            ok(&*session)
        }),
    )
}

async fn expire_session(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, _, pending| {
            let i = db.session_index(&id)?;
            if db.sessions[i].status != Some(types::CheckoutSessionStatus::Open) {
                return Err(ApiErr::state(format!(
                    "Only open checkout sessions can be expired; this one is {}.",
                    db.sessions[i]
                        .status
                        .as_ref()
                        .map_or("closed", |s| s.as_str())
                )));
            }
            db.expire(i, now);
            let value = to_value(&db.sessions[i])?;
            pending.push(Pending {
                event_type: "checkout.session.expired",
                object: value.clone(),
            });
            Ok(axum::Json(value).into_response())
        }),
    )
}

// ------------------------------------------------------------------ customers

fn list_item(c: &types::Customer, db: &Db) -> types::CustomerListItem {
    let latest = db
        .charges
        .iter()
        .rev()
        .filter(|ch| ch.status == Some(types::ChargeStatus::Succeeded))
        .find(|ch| {
            ch.payment_intent_id.as_ref().is_some_and(|pi| {
                db.intents
                    .iter()
                    .any(|i| &i.id == pi && i.customer_id.as_deref() == Some(c.id.as_str()))
            })
        })
        .and_then(|ch| ch.payment_method_details.as_ref())
        .map(|d| types::PaymentMethodSummary {
            type_: d.type_.clone(),
            card: d.card.clone(),
            valu: d.valu.clone(),
        });
    types::CustomerListItem {
        id: c.id.clone(),
        type_: c.type_.clone(),
        created_at: c.created_at.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        country: c.address.as_ref().and_then(|a| a.country.clone()),
        latest_payment_method: latest,
        spend_data: Some(Map::new()),
    }
}

async fn list_customers(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let paging = Paging::from_query(&q)?;
            let kind = q.get("type").map(|t| types::CustomerType::from(t.as_str()));
            if let Some(k) = &kind
                && !k.is_known()
            {
                return Err(ApiErr::invalid("type", "type must be registered or guest"));
            }
            let terms = search_terms(&q);
            let all: Vec<types::CustomerListItem> = db
                .customers
                .iter()
                .rev()
                .filter(|c| kind.is_none() || c.type_ == kind)
                .filter(|c| {
                    matches_terms(
                        &terms,
                        &[
                            Some(c.id.as_str()),
                            c.name.as_deref(),
                            c.email.as_deref(),
                            c.phone.as_deref(),
                        ],
                    )
                })
                .map(|c| list_item(c, db))
                .collect();
            ok(&types::CustomerList {
                total_count: all.len() as i64,
                data: paging.slice(&all),
            })
        }),
    )
}

async fn create_customer(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let req: types::CreateCustomerRequest = typed(&body_object(&body)?)?;
            if req.email.is_none() && req.phone.is_none() {
                return Err(ApiErr::new(
                    StatusCode::BAD_REQUEST,
                    "parameter_missing",
                    "At least one contact method (email or phone) is required.",
                )
                .param("email"));
            }
            if let Some(email) = &req.email
                && !email.contains('@')
            {
                return Err(ApiErr::invalid(
                    "email",
                    "email is not a valid email address",
                ));
            }
            if let Some(phone) = &req.phone {
                let digits = phone.strip_prefix('+').unwrap_or("");
                if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ApiErr::invalid(
                        "phone",
                        "phone must be in E.164 format (+201234567890)",
                    ));
                }
            }
            let customer: types::Customer = built(
                types::Customer::builder()
                    .id(ctx.new_id("cus_test_"))
                    .object("customer".to_string())
                    .type_(types::CustomerType::Registered)
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .name(req.name)
                    .email(req.email)
                    .phone(req.phone)
                    .address(req.address)
                    .metadata(
                        req.metadata
                            .into_iter()
                            .map(|(k, v)| (k, Value::String(v)))
                            .collect::<Map<String, Value>>(),
                    )
                    .merchant_id(MERCHANT_ID.to_string())
                    .try_into(),
            )?;
            db.customers.push(customer.clone());
            ok(&customer)
        }),
    )
}

async fn get_customer(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let c = db
                .customers
                .iter()
                .find(|c| c.id == id)
                .ok_or_else(|| ApiErr::not_found("customer", &id))?;
            ok(c)
        }),
    )
}

async fn customer_stats(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            if !db.customer_exists(&id) {
                return Err(ApiErr::not_found("customer", &id));
            }
            let intents: Vec<&str> = db
                .intents
                .iter()
                .filter(|i| i.customer_id.as_deref() == Some(id.as_str()))
                .map(|i| i.id.as_str())
                .collect();
            let charges: Vec<&types::Charge> = db
                .charges
                .iter()
                .filter(|c| {
                    c.payment_intent_id
                        .as_deref()
                        .is_some_and(|pi| intents.contains(&pi))
                })
                .collect();
            let count = |s: types::ChargeStatus| {
                charges
                    .iter()
                    .filter(|c| c.status.as_ref() == Some(&s))
                    .count() as i64
            };
            let succeeded: Vec<&&types::Charge> =
                charges.iter().filter(|c| c.paid == Some(true)).collect();
            let mut methods: Vec<types::PaymentMethodSummary> = Vec::new();
            for c in &succeeded {
                if let Some(d) = &c.payment_method_details {
                    let m = types::PaymentMethodSummary {
                        type_: d.type_.clone(),
                        card: d.card.clone(),
                        valu: d.valu.clone(),
                    };
                    if !methods.contains(&m) {
                        methods.push(m);
                    }
                }
            }
            ok(&types::CustomerStats {
                customer_id: Some(id.clone()),
                total_transactions: Some(charges.len() as i64),
                successful_transactions: Some(succeeded.len() as i64),
                failed_transactions: Some(count(types::ChargeStatus::Failed)),
                refunded_transactions: Some(
                    charges
                        .iter()
                        .filter(|c| c.amount_refunded.unwrap_or(0) > 0)
                        .count() as i64,
                ),
                total_spent: Some(
                    succeeded
                        .iter()
                        .map(|c| c.amount.unwrap_or(0) - c.amount_refunded.unwrap_or(0))
                        .fold(0i64, i64::saturating_add),
                ),
                currency: succeeded.first().and_then(|c| c.currency.clone()),
                payment_methods: Some(methods),
            })
        }),
    )
}

// ------------------------------------------------------------------ payment links

fn custom_fields(fields: &[types::CustomField]) -> Result<(), ApiErr> {
    for (i, f) in fields.iter().enumerate() {
        if f.key.as_deref().is_none_or(str::is_empty) {
            return Err(ApiErr::missing(&format!("customFields[{i}].key")));
        }
        if f.type_ == Some(types::CustomFieldType::Dropdown)
            && f.options.as_ref().is_none_or(Vec::is_empty)
        {
            return Err(ApiErr::missing(&format!("customFields[{i}].options")));
        }
    }
    Ok(())
}

fn future_timestamp(param: &str, t: &types::Timestamp, now: DateTime<Utc>) -> Result<(), ApiErr> {
    match parse_ts(t) {
        Some(at) if at > now => Ok(()),
        Some(_) => Err(ApiErr::invalid(
            param,
            format!("{param} must be in the future"),
        )),
        None => Err(ApiErr::invalid(
            param,
            format!("{param} must be an ISO-8601 date-time"),
        )),
    }
}

async fn create_link(State(sb): Sb, rid: RequestId, headers: HeaderMap, body: Bytes) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let object = body_object(&body)?;
            if !object.contains_key("lineItems") {
                return Err(ApiErr::missing("lineItems"));
            }
            let req: types::CreatePaymentLinkRequest = typed(&object)?;
            let (lines, currency, total) = db.line_items(&req.line_items, None, ctx)?;
            if let Some(ac) = &req.after_completion {
                after_completion(ac)?;
            }
            custom_fields(&req.custom_fields)?;
            if let Some(t) = &req.expires_at {
                future_timestamp("expiresAt", t, now)?;
            }
            let id = ctx.new_id("plink_test_");
            let link: types::PaymentLink = built(
                types::PaymentLink::builder()
                    .id(id.clone())
                    .object("payment_link".to_string())
                    .merchant_id(MERCHANT_ID.to_string())
                    .active(req.active.unwrap_or(true))
                    .url(format!("{HOSTED_CHECKOUT}/p/{id}"))
                    .expires_at(req.expires_at.clone())
                    .currency(currency)
                    .computed_amount(total)
                    .submit_type(reported_submit_type(
                        req.submit_type.as_ref().unwrap_or(&types::SubmitType::Pay),
                    ))
                    .after_completion(req.after_completion.clone().unwrap_or(
                        types::AfterCompletion {
                            type_: types::AfterCompletionType::HostedConfirmation,
                            redirect: None,
                            hosted_confirmation: None,
                        },
                    ))
                    .line_items(lines)
                    .custom_fields(req.custom_fields.clone())
                    .metadata(
                        req.metadata
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect::<Map<String, Value>>(),
                    )
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .try_into(),
            )?;
            db.payment_links.push(link.clone());
            ok(&link)
        }),
    )
}

async fn get_link(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let link = db
                .payment_links
                .iter()
                .find(|l| l.id == id)
                .ok_or_else(|| ApiErr::not_found("payment link", &id))?;
            ok(link)
        }),
    )
}

async fn update_link(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let i = db
                .payment_links
                .iter()
                .position(|l| l.id == id)
                .ok_or_else(|| ApiErr::not_found("payment link", &id))?;
            let object = body_object(&body)?;
            // `expiresAt: null` removes the expiry; serde would read it as "absent".
            let clear_expiry = object.get("expiresAt").is_some_and(Value::is_null);
            let req: types::UpdatePaymentLinkRequest = typed(&object)?;
            let lines = match &req.line_items {
                Some(items) => Some(db.line_items(items, None, ctx)?),
                None => None,
            };
            if let Some(ac) = &req.after_completion {
                after_completion(ac)?;
            }
            if let Some(fields) = &req.custom_fields {
                custom_fields(fields)?;
            }
            let expires_at = match &req.expires_at {
                Some(xpay_client::platform::ClearableTimestamp::Set(t)) => {
                    future_timestamp("expiresAt", t, now)?;
                    Some(Some(t.clone()))
                }
                Some(xpay_client::platform::ClearableTimestamp::Clear) => Some(None),
                None if clear_expiry => Some(None),
                None => None,
            };
            let link = &mut db.payment_links[i];
            if let Some((items, currency, total)) = lines {
                link.line_items = Some(items);
                link.currency = Some(currency);
                link.computed_amount = Some(total);
            }
            if let Some(ac) = req.after_completion {
                link.after_completion = Some(ac);
            }
            if let Some(fields) = req.custom_fields {
                link.custom_fields = Some(fields);
            }
            if let Some(e) = expires_at {
                link.expires_at = e;
            }
            if let Some(active) = req.active {
                link.active = Some(active);
            }
            if let Some(s) = &req.submit_type {
                link.submit_type = Some(reported_submit_type(s));
            }
            if let Some(metadata) = req.metadata {
                link.metadata = Some(
                    metadata
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                );
            }
            link.updated_at = Some(ts(now));
            ok(&*link)
        }),
    )
}

/// `eq:100`, `bt:10,100`, `gt:50`, `lt:200` on the link's amount.
fn amount_filter(spec: &str) -> Result<impl Fn(i64) -> bool, ApiErr> {
    let bad = || {
        ApiErr::invalid(
            "amount",
            format!("Invalid amount filter `{spec}`; use eq:N, bt:A,B, gt:N or lt:N."),
        )
    };
    let (op, rest) = spec.split_once(':').ok_or_else(bad)?;
    let nums: Vec<i64> = rest
        .split(',')
        .map(|n| n.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let (lo, hi) = match (op, nums.as_slice()) {
        ("eq", [n]) => (*n, *n),
        ("bt", [a, b]) => (*a.min(b), *a.max(b)),
        ("gt", [n]) => (n.saturating_add(1), i64::MAX),
        ("lt", [n]) => (i64::MIN, n.saturating_sub(1)),
        _ => return Err(bad()),
    };
    Ok(move |amount: i64| lo <= amount && amount <= hi)
}

/// `last:7,days`, `between:2024-01-01,2024-12-31`, `eq:`/`after:`/`before:` a date, in
/// `timezone` (the sandbox knows `UTC` and fixed offsets like `+02:00`).
fn date_filter(
    spec: &str,
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<impl Fn(DateTime<Utc>) -> bool, ApiErr> {
    let bad = || ApiErr::invalid("date", format!("Invalid date filter `{spec}`."));
    let offset = match timezone {
        "UTC" | "Etc/UTC" | "Z" => chrono::FixedOffset::east_opt(0),
        other => chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{other}"))
            .ok()
            .map(|d| *d.offset()),
    }
    .ok_or_else(|| {
        ApiErr::invalid(
            "timezone",
            format!("Unsupported timezone `{timezone}` (the sandbox knows UTC and ±HH:MM)."),
        )
    })?;
    let day = |s: &str| -> Result<(DateTime<Utc>, DateTime<Utc>), ApiErr> {
        let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?;
        let start = d
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .ok_or_else(bad)?
            .with_timezone(&Utc);
        Ok((start, later(start, TimeDelta::days(1))))
    };
    let (op, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (from, to) = match op {
        "last" => {
            let (n, unit) = rest.split_once(',').ok_or_else(bad)?;
            let n: i64 = n.trim().parse().map_err(|_| bad())?;
            if n < 1 {
                return Err(bad());
            }
            let span = match unit.trim() {
                "hours" | "hour" => TimeDelta::try_hours(n),
                "days" | "day" => TimeDelta::try_days(n),
                "weeks" | "week" => TimeDelta::try_weeks(n),
                "months" | "month" => TimeDelta::try_days(n.saturating_mul(30)),
                "years" | "year" => TimeDelta::try_days(n.saturating_mul(365)),
                _ => None,
            }
            .ok_or_else(bad)?;
            let from = now
                .checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            (from, later(now, TimeDelta::seconds(1)))
        }
        "between" => {
            let (a, b) = rest.split_once(',').ok_or_else(bad)?;
            (day(a)?.0, day(b)?.1)
        }
        "eq" => day(rest)?,
        "after" => (day(rest)?.1, DateTime::<Utc>::MAX_UTC),
        "before" => (DateTime::<Utc>::MIN_UTC, day(rest)?.0),
        _ => return Err(bad()),
    };
    Ok(move |t: DateTime<Utc>| from <= t && t < to)
}

async fn list_links(State(sb): Sb, rid: RequestId, headers: HeaderMap, Query(q): Q) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, _, _| {
            let paging = Paging::from_query(&q)?;
            let active = bool_query(&q, "active")?;
            let terms = search_terms(&q);
            let amount = q.get("amount").map(|s| amount_filter(s)).transpose()?;
            let timezone = q.get("timezone").map_or("UTC", String::as_str);
            let date = q
                .get("date")
                .map(|s| date_filter(s, timezone, now))
                .transpose()?;
            let all: Vec<types::PaymentLink> = db
                .payment_links
                .iter()
                .rev()
                .filter(|l| active.is_none() || l.active == active)
                .filter(|l| {
                    amount
                        .as_ref()
                        .is_none_or(|f| f(l.computed_amount.unwrap_or(0)))
                })
                .filter(|l| {
                    date.as_ref()
                        .is_none_or(|f| l.created_at.as_ref().and_then(parse_ts).is_some_and(f))
                })
                .filter(|l| {
                    terms.is_empty()
                        || l.line_items.iter().flatten().any(|li| {
                            let product = li
                                .price
                                .as_ref()
                                .and_then(|p| p.product_id.as_deref())
                                .and_then(|p| db.product(p));
                            matches_terms(
                                &terms,
                                &[
                                    li.description.as_deref(),
                                    product.and_then(|p| p.name.as_deref()),
                                    product.and_then(|p| p.description.as_deref()),
                                    product.and_then(|p| p.unit_label.as_deref()),
                                ],
                            )
                        })
                })
                .cloned()
                .collect();
            ok(&types::PaymentLinkList {
                total_count: all.len() as i64,
                data: paging.slice(&all),
            })
        }),
    )
}

// ------------------------------------------------------------------ products

async fn list_products(State(sb): Sb, rid: RequestId, headers: HeaderMap, Query(q): Q) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let paging = Paging::from_query(&q)?;
            let active = bool_query(&q, "active")?;
            let terms = search_terms(&q);
            let metadata: Option<Map<String, Value>> = match q.get("metadata") {
                None => None,
                Some(s) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Object(m)) => Some(m),
                    _ => {
                        return Err(ApiErr::invalid(
                            "metadata",
                            "metadata must be a JSON object, e.g. {\"category\":\"subscription\"}",
                        ));
                    }
                },
            };
            let all: Vec<types::Product> = db
                .products
                .iter()
                .rev()
                .filter(|p| active.is_none() || p.active == active)
                .filter(|p| {
                    metadata.as_ref().is_none_or(|want| {
                        want.iter()
                            .all(|(k, v)| p.metadata.as_ref().and_then(|m| m.get(k)) == Some(v))
                    })
                })
                .filter(|p| {
                    matches_terms(
                        &terms,
                        &[
                            p.name.as_deref(),
                            p.description.as_deref(),
                            p.unit_label.as_deref(),
                        ],
                    )
                })
                .map(|p| db.product_view(p))
                .collect();
            let total = all.len() as i64;
            let limit = paging.limit as i64;
            ok(&types::ProductList {
                data: paging.slice(&all),
                total_count: total,
                page: Some(paging.page as i64),
                limit: Some(limit),
                total_pages: Some((total + limit - 1) / limit),
            })
        }),
    )
}

/// A new price of `product_id`, validated by its type.
fn new_price(
    req: &types::CreatePriceRequest,
    product_id: &str,
    now: DateTime<Utc>,
    ctx: &Ctx,
    at: &str,
) -> Result<types::Price, ApiErr> {
    let field = |f: &str| {
        if at.is_empty() {
            f.to_string()
        } else {
            format!("{at}.{f}")
        }
    };
    let currency = currency_code(&field("currency"), &req.currency)?;
    let kind = req.type_.clone().unwrap_or(types::PriceType::OneTime);
    match &kind {
        types::PriceType::OneTime => match req.unit_amount {
            None => return Err(ApiErr::missing(&field("unitAmount"))),
            Some(a) if a < 0 => {
                return Err(ApiErr::out_of_range(
                    &field("unitAmount"),
                    "unitAmount must not be negative",
                ));
            }
            Some(_) => {}
        },
        types::PriceType::Custom => {
            let c = req
                .custom_unit_amount
                .as_ref()
                .ok_or_else(|| ApiErr::missing(&field("customUnitAmount")))?;
            let (min, max) = (c.minimum.unwrap_or(0), c.maximum.unwrap_or(i64::MAX));
            if min < 0 || min > max || c.preset.is_some_and(|p| p < min || p > max) {
                return Err(ApiErr::out_of_range(
                    &field("customUnitAmount"),
                    "customUnitAmount needs 0 ≤ minimum ≤ preset ≤ maximum",
                ));
            }
        }
        types::PriceType::Recurring => {
            let r = req
                .recurring
                .as_ref()
                .ok_or_else(|| ApiErr::missing(&field("recurring")))?;
            if r.interval.as_ref().is_none_or(|i| !i.is_known()) {
                return Err(ApiErr::invalid(
                    &field("recurring.interval"),
                    "recurring.interval must be DAY, WEEK, MONTH or YEAR",
                ));
            }
        }
        types::PriceType::Unknown(other) => {
            return Err(ApiErr::invalid(
                &field("type"),
                format!("Unknown price type `{other}`."),
            ));
        }
    }
    if req.stock.is_some_and(|s| s < 0) {
        return Err(ApiErr::out_of_range(
            &field("stock"),
            "stock must not be negative",
        ));
    }
    built(
        types::Price::builder()
            .id(ctx.new_id("price_test_"))
            .object("price".to_string())
            .name(req.name.clone())
            .description(req.description.clone())
            .currency(currency)
            .unit_amount(req.unit_amount)
            .type_(kind)
            .recurring(req.recurring.clone())
            .custom_unit_amount(req.custom_unit_amount.clone())
            .stock(req.stock)
            .start_date(req.start_date.clone())
            .expiration_date(req.expiration_date.clone())
            .active(req.active.unwrap_or(true))
            .created_at(ts(now))
            .updated_at(ts(now))
            .product_id(product_id.to_string())
            .merchant_id(MERCHANT_ID.to_string())
            .try_into(),
    )
}

async fn create_product(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let object = body_object(&body)?;
            let req: types::CreateProductRequest = typed(&object)?;
            if req.name.trim().is_empty() {
                return Err(ApiErr::missing("name"));
            }
            if let Some(image) = &req.image {
                https_url("image", image)?;
            }
            let id = ctx.new_id("prod_test_");
            let price = req
                .default_price_data
                .as_ref()
                .map(|p| new_price(p, &id, now, ctx, "defaultPriceData"))
                .transpose()?;
            let product: types::Product = built(
                types::Product::builder()
                    .id(id)
                    .object("product".to_string())
                    .name(req.name.clone())
                    .description(req.description.clone())
                    .image(req.image.clone())
                    .unit_label(req.unit_label.clone())
                    .active(req.active.unwrap_or(true))
                    .is_system_created(false)
                    .metadata(
                        req.metadata
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect::<Map<String, Value>>(),
                    )
                    .default_price_id(price.as_ref().map(|p| p.id.clone()))
                    .merchant_id(MERCHANT_ID.to_string())
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .try_into(),
            )?;
            db.prices.extend(price);
            db.products.push(product.clone());
            ok(&db.product_view(&product))
        }),
    )
}

fn product_index(db: &Db, id: &str) -> Result<usize, ApiErr> {
    db.products
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| ApiErr::not_found("product", id))
}

async fn get_product(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let i = product_index(db, &id)?;
            ok(&db.product_view(&db.products[i]))
        }),
    )
}

async fn update_product(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, _, _| {
            let i = product_index(db, &id)?;
            let req: types::UpdateProductRequest = typed(&body_object(&body)?)?;
            if let Some(price_id) = &req.default_price {
                match db.price(price_id) {
                    None => return Err(ApiErr::no_such("defaultPrice", "price", price_id)),
                    Some(p) if p.product_id.as_deref() != Some(id.as_str()) => {
                        return Err(ApiErr::invalid(
                            "defaultPrice",
                            format!("Price {price_id} does not belong to product {id}."),
                        ));
                    }
                    Some(_) => {}
                }
            }
            if let Some(image) = &req.image {
                https_url("image", image)?;
            }
            if req.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return Err(ApiErr::invalid("name", "name cannot be empty"));
            }
            let product = &mut db.products[i];
            if req.name.is_some() {
                product.name = req.name;
            }
            if req.description.is_some() {
                product.description = req.description;
            }
            if req.image.is_some() {
                product.image = req.image;
            }
            if req.unit_label.is_some() {
                product.unit_label = req.unit_label;
            }
            if req.active.is_some() {
                product.active = req.active;
            }
            if let Some(metadata) = req.metadata {
                product.metadata = Some(
                    metadata
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                );
            }
            if req.default_price.is_some() {
                product.default_price_id = req.default_price;
            }
            product.updated_at = Some(ts(now));
            let product = product.clone();
            ok(&db.product_view(&product))
        }),
    )
}

async fn delete_product(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let i = product_index(db, &id)?;
            let used = db
                .prices
                .iter()
                .filter(|p| p.product_id.as_deref() == Some(id.as_str()))
                .any(|p| db.price_used(&p.id));
            if used {
                return Err(ApiErr::state(
                    "This product has prices that were used in a checkout session or payment link; archive it instead.",
                ));
            }
            db.products.remove(i);
            db.prices.retain(|p| p.product_id.as_deref() != Some(id.as_str()));
            empty()
        }),
    )
}

async fn product_stats(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            product_index(db, &id)?;
            let prices = db
                .prices
                .iter()
                .filter(|p| p.product_id.as_deref() == Some(id.as_str()))
                .map(|p| {
                    let [sessions, links, lines] = db.price_usage(&p.id);
                    types::PriceUsage {
                        price_id: Some(p.id.clone()),
                        checkout_sessions: Some(sessions),
                        payment_links: Some(links),
                        line_items: Some(lines),
                    }
                })
                .collect();
            ok(&types::ProductStats {
                product_id: Some(id.clone()),
                prices: Some(prices),
            })
        }),
    )
}

async fn upload_url(State(sb): Sb, rid: RequestId, headers: HeaderMap, body: Bytes) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |_, now, ctx, _| {
            let req: types::CreateUploadUrlRequest = typed(&body_object(&body)?)?;
            if let Some(ct) = &req.content_type
                && !ct.starts_with("image/")
            {
                return Err(ApiErr::invalid(
                    "contentType",
                    "contentType must be an image type",
                ));
            }
            let token = ctx.new_id("");
            ok(&types::UploadUrl {
                upload_url: Some(format!(
                    "https://uploads.xpay.app/sandbox/{token}?expires=900"
                )),
                url: Some(format!("https://cdn.xpay.app/products/{token}")),
                expires_at: Some(ts(later(now, TimeDelta::minutes(15)))),
            })
        }),
    )
}

// ------------------------------------------------------------------ prices

async fn create_price(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(q): Q,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let product_id = q
                .get("productId")
                .ok_or_else(|| ApiErr::missing("productId"))?;
            if db.product(product_id).is_none() {
                return Err(ApiErr::not_found("product", product_id).param("productId"));
            }
            let object = body_object(&body)?;
            if !object.contains_key("currency") {
                return Err(ApiErr::missing("currency"));
            }
            let req: types::CreatePriceRequest = typed(&object)?;
            let price = new_price(&req, product_id, now, ctx, "")?;
            db.prices.push(price.clone());
            ok(&price)
        }),
    )
}

async fn update_price(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, _, _| {
            let i = db
                .prices
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| ApiErr::not_found("price", &id))?;
            let req: types::UpdatePriceRequest = typed(&body_object(&body)?)?;
            if req.stock.is_some_and(|s| s < 0) {
                return Err(ApiErr::out_of_range("stock", "stock must not be negative"));
            }
            let price = &mut db.prices[i];
            if req.name.is_some() {
                price.name = req.name;
            }
            if req.description.is_some() {
                price.description = req.description;
            }
            if req.active.is_some() {
                price.active = req.active;
            }
            if req.stock.is_some() {
                price.stock = req.stock;
            }
            if req.start_date.is_some() {
                price.start_date = req.start_date;
            }
            if req.expiration_date.is_some() {
                price.expiration_date = req.expiration_date;
            }
            price.updated_at = Some(ts(now));
            ok(&*price)
        }),
    )
}

async fn delete_price(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let i = db
                .prices
                .iter()
                .position(|p| p.id == id)
                .ok_or_else(|| ApiErr::not_found("price", &id))?;
            if db.price_used(&id) {
                return Err(ApiErr::state(
                    "This price was used in a checkout session or payment link; archive it instead.",
                ));
            }
            db.prices.remove(i);
            for p in &mut db.products {
                if p.default_price_id.as_deref() == Some(id.as_str()) {
                    p.default_price_id = None;
                }
            }
            empty()
        }),
    )
}

// ------------------------------------------------------------------ refunds

async fn create_refund(State(sb): Sb, rid: RequestId, headers: HeaderMap, body: Bytes) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, pending| {
            let req: types::CreateRefundRequest = typed(&body_object(&body)?)?;
            let charge_index = match (&req.charge_id, &req.payment_intent_id) {
                (Some(_), Some(_)) => {
                    return Err(ApiErr::exclusive(
                        "paymentIntentId",
                        "Provide exactly one of chargeId or paymentIntentId.",
                    ));
                }
                (None, None) => {
                    return Err(ApiErr::new(
                        StatusCode::BAD_REQUEST,
                        "parameter_missing",
                        "Provide exactly one of chargeId or paymentIntentId.",
                    )
                    .param("paymentIntentId"));
                }
                (Some(charge_id), None) => db
                    .charges
                    .iter()
                    .position(|c| &c.id == charge_id)
                    .ok_or_else(|| ApiErr::no_such("chargeId", "charge", charge_id))?,
                (None, Some(pi)) => {
                    if !db.intents.iter().any(|i| &i.id == pi) {
                        return Err(ApiErr::no_such("paymentIntentId", "payment intent", pi));
                    }
                    let succeeded: Vec<usize> = db
                        .charges
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.payment_intent_id.as_deref() == Some(pi.as_str()) && c.paid == Some(true))
                        .map(|(i, _)| i)
                        .collect();
                    match succeeded.as_slice() {
                        [one] => *one,
                        [] => {
                            return Err(ApiErr::state(format!("Payment intent {pi} has no succeeded charge.")).param("paymentIntentId"));
                        }
                        _ => {
                            return Err(ApiErr::state(format!(
                                "Payment intent {pi} has several succeeded charges; refund by chargeId."
                            ))
                            .param("paymentIntentId"));
                        }
                    }
                }
            };
            let charge = db.charges[charge_index].clone();
            if charge.paid != Some(true) {
                return Err(ApiErr::state(format!("Charge {} did not succeed.", charge.id)));
            }
            let refundable = charge.amount.unwrap_or(0) - charge.amount_refunded.unwrap_or(0);
            if refundable <= 0 {
                return Err(ApiErr::state(format!("Charge {} has already been refunded in full.", charge.id)));
            }
            let amount = req.amount.unwrap_or(refundable);
            if amount <= 0 {
                return Err(ApiErr::out_of_range("amount", "amount must be positive"));
            }
            if amount > refundable {
                return Err(ApiErr::out_of_range(
                    "amount",
                    format!("amount ({amount}) is greater than the refundable amount ({refundable})."),
                ));
            }
            if let Some(reason) = &req.reason
                && !reason.is_known()
            {
                return Err(ApiErr::invalid("reason", format!("Unknown refund reason `{reason}`.")));
            }
            let refund_id = ctx.new_id("re_test_");
            let txn: types::BalanceTransaction = built(
                types::BalanceTransaction::builder()
                    .id(ctx.new_id("txn_test_"))
                    .object("balance_transaction".to_string())
                    .amount(-amount)
                    .fee(0)
                    .net(-amount)
                    .currency(charge.currency.clone())
                    .status(types::BalanceTransactionStatus::Available)
                    .type_(types::BalanceTransactionType::Refund)
                    .source(refund_id.clone())
                    .payment_intent_id(charge.payment_intent_id.clone())
                    .merchant_id(MERCHANT_ID.to_string())
                    .available_on(ts(now))
                    .created_at(ts(now))
                    .try_into(),
            )?;
            let refund: types::Refund = built(
                types::Refund::builder()
                    .id(refund_id)
                    .object("refund".to_string())
                    .amount(amount)
                    .currency(charge.currency.clone())
                    .status(types::RefundStatus::SUCCEEDED)
                    .charge_id(charge.id.clone())
                    .payment_intent_id(charge.payment_intent_id.clone())
                    .reason(req.reason.clone())
                    .description(req.description.clone())
                    .metadata(
                        req.metadata
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect::<Map<String, Value>>(),
                    )
                    .balance_transaction(txn)
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .try_into(),
            )?;
            let c = &mut db.charges[charge_index];
            let refunded = c.amount_refunded.unwrap_or(0) + amount;
            c.amount_refunded = Some(refunded);
            if refunded >= c.amount.unwrap_or(0) {
                c.refunded = Some(true);
                c.status = Some(types::ChargeStatus::Refunded);
            }
            let charge_value = to_value(&*c)?;
            if let Some(pi) = &charge.payment_intent_id {
                for intent in db.intents.iter_mut().filter(|i| &i.id == pi) {
                    intent.amount_refunded = Some(intent.amount_refunded.unwrap_or(0) + amount);
                }
                let intent = db.intents.iter().find(|i| &i.id == pi).cloned();
                for s in db.sessions.iter_mut().filter(|s| s.payment_intent_id.as_deref() == Some(pi.as_str())) {
                    s.payment_intent = intent.clone();
                }
            }
            db.refunds.push(refund.clone());
            pending.push(Pending {
                event_type: "refund.created",
                object: to_value(&refund)?,
            });
            pending.push(Pending {
                event_type: "charge.refunded",
                object: charge_value,
            });
            ok(&refund)
        }),
    )
}

async fn list_refunds(State(sb): Sb, rid: RequestId, headers: HeaderMap, Query(q): Q) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let paging = Paging::from_query(&q)?;
            let charge = q.get("chargeId");
            let intent = q.get("paymentIntentId");
            let all: Vec<types::Refund> = db
                .refunds
                .iter()
                .rev()
                .filter(|r| charge.is_none() || r.charge_id.as_ref() == charge)
                .filter(|r| intent.is_none() || r.payment_intent_id.as_ref() == intent)
                .cloned()
                .collect();
            ok(&types::RefundList {
                total_count: all.len() as i64,
                data: paging.slice(&all),
            })
        }),
    )
}

async fn get_refund(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let refund = db
                .refunds
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| ApiErr::not_found("refund", &id))?;
            ok(refund)
        }),
    )
}
