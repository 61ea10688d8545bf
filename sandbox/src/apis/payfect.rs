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

use std::collections::HashMap;
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

use crate::core::{Api, Ctx, Outcome, SettleError, Webhook};

/// How long a checkout stays payable. Unconfirmed: in the docs' Aug-2023 example `expiresAt`
/// is exactly `createdAt` + 24 h.
pub const CHECKOUT_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// The merchant every sandbox key belongs to.
pub const MERCHANT_ID: &str = "5b1f0c9e-6a44-4d1e-9a59-5a9d6c0f5a11";
pub const MERCHANT_NAME: &str = "Payfect Sandbox Merchant";

/// Host of the hosted pages in `url`, as in the docs' examples.
const HOSTED_PAGES: &str = "https://buy-dev.payfect.finance";

/// Networks the hosted page offers (the only one documented).
const NETWORKS: &[(&str, &str)] = &[("tron", "Tron (TRC20)")];

pub struct PayfectSandbox {
    ctx: Ctx,
    state: Mutex<Store>,
}

struct Store {
    merchant_active: bool,
    checkouts: HashMap<String, StoredCheckout>,
    products: HashMap<String, types::Product>,
    prices: HashMap<String, types::Price>,
    payment_links: HashMap<String, types::PaymentLink>,
}

struct StoredCheckout {
    checkout: types::Checkout,
    expires_at: DateTime<Utc>,
    callback_url: Option<String>,
    /// `(currency, network)` pre-selected with `payment_method_data`.
    payment_method: Option<(String, String)>,
}

impl PayfectSandbox {
    pub fn new(ctx: Ctx) -> Arc<Self> {
        Arc::new(PayfectSandbox {
            ctx,
            state: Mutex::new(Store {
                merchant_active: true,
                checkouts: HashMap::new(),
                products: HashMap::new(),
                prices: HashMap::new(),
                payment_links: HashMap::new(),
            }),
        })
    }

    /// Routes with the paths of `specs/payfect.yaml` (trailing slashes included).
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v1/checkouts/", post(create_checkout))
            .route("/v1/checkouts/{id}/", get(retrieve_checkout))
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

    /// The checkouts that carry this `client_reference_id`, as JSON, oldest first (for
    /// exactly-once checks: Payfect itself offers no lookup by reference).
    pub fn checkouts_with_reference(&self, client_reference_id: &str) -> Vec<Value> {
        let now = self.ctx.now();
        let mut state = self.lock();
        let mut found: Vec<&mut StoredCheckout> = state
            .checkouts
            .values_mut()
            .filter(|c| c.checkout.client_reference_id.as_deref() == Some(client_reference_id))
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
                    Some(stored.callback())
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
        if given != self.ctx.creds().payfect_api_key.expose_secret() {
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

    fn callback(&self) -> types::CheckoutCallback {
        let c = &self.checkout;
        let (currency, network) = self
            .payment_method
            .clone()
            .unwrap_or_else(|| (c.currency.to_lowercase(), "tron".to_owned()));
        types::CheckoutCallback {
            id: c.id.clone(),
            amount: c.amount_total,
            status: types::CallbackStatus::Succeeded,
            currency: c.currency.clone(),
            merchant: c.merchant.id.clone(),
            is_livemode: c.is_livemode,
            payment_intent: c.payment_intent.clone().unwrap_or_default(),
            payment_method: types::CallbackPaymentMethod {
                id: uuid::Uuid::new_v4().to_string(),
                payment_method_detail: types::PaymentMethodDetail {
                    network: types::Network::from(network),
                    currency,
                },
            },
            client_reference_id: c.client_reference_id.clone(),
        }
    }
}

// ---- replies ------------------------------------------------------------------------------

fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

fn field_errors(errors: Map<String, Value>) -> Response {
    (StatusCode::BAD_REQUEST, Json(Value::Object(errors))).into_response()
}

fn ok<T: Serialize>(value: &T) -> Response {
    // Serialize the generated type directly so the reply keeps its field order.
    match serde_json::to_vec(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("sandbox could not serialize the reply: {e}"),
        ),
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, SettleError> {
    serde_json::to_value(value).map_err(|e| SettleError::InvalidState(e.to_string()))
}

/// Parses a JSON object body the way DRF does, with its error replies.
fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err(detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("Unsupported media type \"{content_type}\" in request."),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(non_field(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            json_kind(&other)
        ))),
        Err(e) => Err(detail(
            StatusCode::BAD_REQUEST,
            &format!("JSON parse error - {e}"),
        )),
    }
}

fn non_field(message: String) -> Response {
    let mut errors = Map::new();
    errors.insert("non_field_errors".into(), json!([message]));
    field_errors(errors)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

// ---- field validation, DRF style ------------------------------------------------------------

/// Collects `{"field": [messages]}` (or nested objects/lists for nested serializers).
#[derive(Default)]
struct Errors(Map<String, Value>);

impl Errors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        if let Some(list) = self
            .0
            .entry(field.to_owned())
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            list.push(Value::String(message.into()));
        }
    }

    fn nest(&mut self, field: &str, nested: Value) {
        self.0.insert(field.to_owned(), nested);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

const REQUIRED: &str = "This field is required.";

fn string_field(
    obj: &Map<String, Value>,
    field: &str,
    required: bool,
    errors: &mut Errors,
) -> Option<String> {
    match obj.get(field) {
        None => {
            if required {
                errors.add(field, REQUIRED);
            }
            None
        }
        Some(Value::Null) => {
            if required {
                errors.add(field, "This field may not be null.");
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.add(field, "This field may not be blank.");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(field, "Not a valid string.");
            None
        }
    }
}

fn url_field(obj: &Map<String, Value>, field: &str, errors: &mut Errors) -> Option<String> {
    let url = string_field(obj, field, false, errors)?;
    let valid = ["http://", "https://"].iter().any(|scheme| {
        url.strip_prefix(scheme)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    });
    if !valid {
        errors.add(field, "Enter a valid URL.");
        return None;
    }
    Some(url)
}

fn bool_field(obj: &Map<String, Value>, field: &str, errors: &mut Errors) -> bool {
    match obj.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.add(field, "Must be a valid boolean.");
            false
        }
    }
}

/// A decimal amount: a decimal string (or a JSON number, which DRF also accepts), ≥ 0.
fn amount_field(obj: &Map<String, Value>, field: &str, errors: &mut Errors) -> Option<Decimal> {
    let text = match obj.get(field) {
        None | Some(Value::Null) => {
            errors.add(field, REQUIRED);
            return None;
        }
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => {
            errors.add(field, "A valid number is required.");
            return None;
        }
    };
    // `from_str_exact` refuses values it would have to round.
    match Decimal::from_str_exact(&text) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            errors.add(field, "Ensure this value is greater than or equal to 0.");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, "A valid number is required.");
            None
        }
    }
}

fn quantity_field(obj: &Map<String, Value>, errors: &mut Errors) -> Option<i64> {
    match obj.get("quantity") {
        None | Some(Value::Null) => {
            errors.add("quantity", REQUIRED);
            None
        }
        Some(Value::Number(n)) => match n.as_i64() {
            Some(q) if q >= 1 => Some(q),
            Some(_) => {
                errors.add(
                    "quantity",
                    "Ensure this value is greater than or equal to 1.",
                );
                None
            }
            None => {
                errors.add("quantity", "A valid integer is required.");
                None
            }
        },
        Some(_) => {
            errors.add("quantity", "A valid integer is required.");
            None
        }
    }
}

fn string_list(obj: &Map<String, Value>, field: &str, errors: &mut Errors) -> Vec<String> {
    match obj.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    _ => {
                        errors.add(field, "Not a valid string.");
                        return Vec::new();
                    }
                }
            }
            out
        }
        Some(other) => {
            errors.add(
                field,
                format!(
                    "Expected a list of items but got type \"{}\".",
                    json_kind(other)
                ),
            );
            Vec::new()
        }
    }
}

/// An object-valued field; `Err(())` after recording an error.
fn object_field<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
    required: bool,
    errors: &mut Errors,
) -> Result<Option<&'a Map<String, Value>>, ()> {
    match obj.get(field) {
        None | Some(Value::Null) if required => {
            errors.add(field, REQUIRED);
            Err(())
        }
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => {
            errors.nest(
                field,
                json!({ "non_field_errors": [format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    json_kind(other)
                )] }),
            );
            Err(())
        }
    }
}

fn product_params(
    obj: &Map<String, Value>,
    errors: &mut Errors,
) -> Option<(String, Option<String>, Vec<String>)> {
    let name = string_field(obj, "name", true, errors);
    let description = match obj.get("description") {
        Some(Value::String(s)) => Some(s.clone()),
        None | Some(Value::Null) => None,
        Some(_) => {
            errors.add("description", "Not a valid string.");
            None
        }
    };
    let images = string_list(obj, "images", errors);
    Some((name?, description, images))
}

/// Line amount with at least two decimal places, like the docs' `"20.00"`.
fn money(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

/// Keeps the scale the caller wrote, but never less than 2 places.
fn money_keep_scale(d: Decimal) -> Decimal {
    let mut d = d;
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

// ---- handlers ---------------------------------------------------------------------------------

type Sb = State<Arc<PayfectSandbox>>;

/// One validated invoice item: the price it uses (saved or made on the fly) and its quantity.
struct Line {
    price: types::Price,
    new_product: Option<types::Product>,
    new_price: bool,
    quantity: i64,
}

async fn create_checkout(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reply) = sb.authenticate(&headers) {
        return reply;
    }
    let body = match json_object(&headers, &body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let mut errors = Errors::default();
    let client_reference_id = string_field(&body, "client_reference_id", false, &mut errors);
    let currency = string_field(&body, "currency", true, &mut errors);
    let success_url = url_field(&body, "success_url", &mut errors);
    let cancel_url = url_field(&body, "cancel_url", &mut errors);
    let callback_url = url_field(&body, "callback_url", &mut errors);

    let lines = {
        let state = sb.lock();
        invoice_items(&sb, &state, &body, true, &mut errors)
    };

    let payment_method = payment_method_data(&body, &mut errors);

    let payment_method_types = match body.get("payment_method_types") {
        None | Some(Value::Null) => vec![
            types::PaymentMethodType::Crypto,
            types::PaymentMethodType::Card,
        ],
        Some(_) => {
            let names = string_list(&body, "payment_method_types", &mut errors);
            let mut out = Vec::new();
            for name in names {
                let t = types::PaymentMethodType::from(name.as_str());
                if !t.is_known() {
                    errors.add(
                        "payment_method_types",
                        format!("\"{name}\" is not a valid choice."),
                    );
                }
                out.push(t);
            }
            out
        }
    };

    if !errors.is_empty() {
        return field_errors(errors.0);
    }
    let (Some(currency), Some(lines)) = (currency, lines) else {
        // Both are required and no error was recorded, so both are present.
        return detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "sandbox validation slipped",
        );
    };

    let now = sb.ctx.now();
    let expires_at = now + CHECKOUT_LIFETIME;
    let id = sb.new_uuid();
    let mut state = sb.lock();
    let mut total = Decimal::ZERO;
    let mut items = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(product) = line.new_product {
            state.products.insert(product.id.clone(), product);
        }
        if line.new_price {
            state
                .prices
                .insert(line.price.id.clone(), line.price.clone());
        }
        let amount = line.price.unit_amount * Decimal::from(line.quantity);
        total += amount;
        items.push(types::InvoiceItem {
            id: sb.new_uuid(),
            price: line.price.id.clone(),
            price_data: None,
            quantity: line.quantity,
            amount: money(amount),
        });
    }
    let checkout = types::Checkout {
        id: id.clone(),
        merchant: types::Merchant {
            id: MERCHANT_ID.into(),
            name: MERCHANT_NAME.into(),
        },
        name_collection: false,
        email_collection: false,
        phone_number_collection: false,
        shipping_address_collection: None,
        invoice_items: items,
        amount_total: money(total),
        status: types::CheckoutStatus::Open,
        created_at: Timestamp::unix_seconds(now),
        updated_at: Timestamp::unix_seconds(now),
        client_reference_id,
        currency: currency.clone(),
        success_url,
        cancel_url,
        expires_at: Some(Timestamp::unix_millis(expires_at)),
        payment_intent: Some(sb.new_uuid()),
        payment_method_types,
        payment_method_options: Some(payment_method_options()),
        url: format!("{HOSTED_PAGES}/checkouts/{id}"),
        metadata: None,
        is_livemode: false,
    };
    state.checkouts.insert(
        id,
        StoredCheckout {
            checkout: checkout.clone(),
            expires_at,
            callback_url,
            payment_method,
        },
    );
    drop(state);
    ok(&checkout)
}

fn payment_method_options() -> types::PaymentMethodOptions {
    types::PaymentMethodOptions {
        crypto: Some(vec![types::CryptoPaymentMethodOption {
            currency: types::CryptoCurrency {
                value: "usdt".into(),
                name: "Tether".into(),
                logo: "/static/images/cryptos/usdt.png".into(),
            },
            networks: NETWORKS
                .iter()
                .map(|(value, name)| types::CryptoNetwork {
                    value: types::Network::from(*value),
                    name: (*name).into(),
                })
                .collect(),
        }]),
        card: None,
    }
}

/// `payment_method_data`, validated; returns `(currency, network)`.
fn payment_method_data(body: &Map<String, Value>, errors: &mut Errors) -> Option<(String, String)> {
    let Ok(Some(pmd)) = object_field(body, "payment_method_data", false, errors) else {
        return None;
    };
    let mut nested = Errors::default();
    if let Some(kind) = string_field(pmd, "type", true, &mut nested)
        && !types::PaymentMethodDataType::from(kind.as_str()).is_known()
    {
        nested.add("type", format!("\"{kind}\" is not a valid choice."));
    }
    let mut detail_errors = Errors::default();
    let mut result = None;
    if let Ok(Some(detail)) = object_field(pmd, "paymentMethodDetail", true, &mut nested) {
        let currency = string_field(detail, "currency", true, &mut detail_errors);
        let network = string_field(detail, "network", true, &mut detail_errors);
        if let Some(n) = &network
            && !types::Network::from(n.as_str()).is_known()
        {
            detail_errors.add("network", format!("\"{n}\" is not a valid choice."));
        }
        if let (Some(c), Some(n)) = (currency, network) {
            result = Some((c, n));
        }
    }
    if !detail_errors.is_empty() {
        nested.nest("paymentMethodDetail", Value::Object(detail_errors.0));
    }
    if !nested.is_empty() {
        errors.nest("payment_method_data", Value::Object(nested.0));
        return None;
    }
    result
}

/// `invoice_items`, DRF style: a list of per-item error objects (empty for good items).
fn invoice_items(
    sb: &PayfectSandbox,
    state: &Store,
    body: &Map<String, Value>,
    allow_inline: bool,
    errors: &mut Errors,
) -> Option<Vec<Line>> {
    let items = match body.get("invoice_items") {
        None | Some(Value::Null) => {
            errors.add("invoice_items", REQUIRED);
            return None;
        }
        Some(Value::Array(items)) if items.is_empty() => {
            errors.add("invoice_items", "This list may not be empty.");
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            errors.add(
                "invoice_items",
                format!(
                    "Expected a list of items but got type \"{}\".",
                    json_kind(other)
                ),
            );
            return None;
        }
    };
    let mut lines = Vec::new();
    let mut item_errors = Vec::new();
    let mut any_error = false;
    for item in items {
        let mut e = Errors::default();
        let line = match item {
            Value::Object(obj) => invoice_item(sb, state, obj, allow_inline, &mut e),
            other => {
                e.add(
                    "non_field_errors",
                    format!(
                        "Invalid data. Expected a dictionary, but got {}.",
                        json_kind(other)
                    ),
                );
                None
            }
        };
        any_error |= !e.is_empty();
        item_errors.push(Value::Object(e.0));
        if let Some(line) = line {
            lines.push(line);
        }
    }
    if any_error {
        errors.nest("invoice_items", Value::Array(item_errors));
        return None;
    }
    Some(lines)
}

fn invoice_item(
    sb: &PayfectSandbox,
    state: &Store,
    obj: &Map<String, Value>,
    allow_inline: bool,
    e: &mut Errors,
) -> Option<Line> {
    let quantity = quantity_field(obj, e);
    let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
    match (has("price"), has("price_data") && allow_inline) {
        (true, true) => {
            e.add(
                "non_field_errors",
                "Give either price or price_data, not both.",
            );
            None
        }
        (false, false) => {
            if allow_inline {
                e.add(
                    "non_field_errors",
                    "Either price or price_data is required.",
                );
            } else {
                e.add("price", REQUIRED);
            }
            None
        }
        (true, false) => {
            let id = string_field(obj, "price", true, e)?;
            let Some(price) = state.prices.get(&id) else {
                e.add(
                    "price",
                    format!("Invalid pk \"{id}\" - object does not exist."),
                );
                return None;
            };
            Some(Line {
                price: price.clone(),
                new_product: None,
                new_price: false,
                quantity: quantity?,
            })
        }
        (false, true) => {
            let Ok(Some(pd)) = object_field(obj, "price_data", true, e) else {
                return None;
            };
            let mut pe = Errors::default();
            let currency = string_field(pd, "currency", true, &mut pe);
            let unit_amount = amount_field(pd, "unit_amount", &mut pe);
            let mut product = None;
            if let Ok(Some(prod)) = object_field(pd, "product_data", true, &mut pe) {
                let mut prod_e = Errors::default();
                product = product_params(prod, &mut prod_e);
                if !prod_e.is_empty() {
                    pe.nest("product_data", Value::Object(prod_e.0));
                }
            }
            if !pe.is_empty() {
                e.nest("price_data", Value::Object(pe.0));
                return None;
            }
            let (name, description, images) = product?;
            let product = types::Product {
                id: sb.new_uuid(),
                name,
                description,
                images,
            };
            let price = types::Price {
                id: sb.new_uuid(),
                product: product.id.clone(),
                product_data: Some(product.clone()),
                currency: currency?,
                unit_amount: money_keep_scale(unit_amount?),
            };
            Some(Line {
                price,
                new_product: Some(product),
                new_price: true,
                quantity: quantity?,
            })
        }
    }
}

async fn retrieve_checkout(State(sb): Sb, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(reply) = sb.authenticate(&headers) {
        return reply;
    }
    let now = sb.ctx.now();
    let mut state = sb.lock();
    match state.checkouts.get_mut(&id) {
        Some(stored) => {
            stored.expire_if_due(now);
            ok(&stored.checkout)
        }
        None => detail(StatusCode::NOT_FOUND, "Not found."),
    }
}

async fn create_product(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reply) = sb.authenticate(&headers) {
        return reply;
    }
    let body = match json_object(&headers, &body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let mut errors = Errors::default();
    let params = product_params(&body, &mut errors);
    let (false, Some((name, description, images))) = (!errors.is_empty(), params) else {
        return field_errors(errors.0);
    };
    let product = types::Product {
        id: sb.new_uuid(),
        name,
        description,
        images,
    };
    sb.lock()
        .products
        .insert(product.id.clone(), product.clone());
    ok(&product)
}

async fn create_price(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reply) = sb.authenticate(&headers) {
        return reply;
    }
    let body = match json_object(&headers, &body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let mut errors = Errors::default();
    let currency = string_field(&body, "currency", true, &mut errors);
    let unit_amount = amount_field(&body, "unit_amount", &mut errors);
    let has = |k: &str| body.get(k).is_some_and(|v| !v.is_null());
    let mut state = sb.lock();
    let product = match (has("product"), has("product_data")) {
        (true, true) => {
            errors.add(
                "non_field_errors",
                "Give either product or product_data, not both.",
            );
            None
        }
        (false, false) => {
            errors.add("product", REQUIRED);
            None
        }
        (true, false) => string_field(&body, "product", true, &mut errors).and_then(|id| {
            let found = state.products.get(&id).cloned();
            if found.is_none() {
                errors.add(
                    "product",
                    format!("Invalid pk \"{id}\" - object does not exist."),
                );
            }
            found
        }),
        (false, true) => match object_field(&body, "product_data", true, &mut errors) {
            Ok(Some(pd)) => {
                let mut pe = Errors::default();
                let params = product_params(pd, &mut pe);
                if !pe.is_empty() {
                    errors.nest("product_data", Value::Object(pe.0));
                }
                params.map(|(name, description, images)| types::Product {
                    id: sb.new_uuid(),
                    name,
                    description,
                    images,
                })
            }
            _ => None,
        },
    };
    if !errors.is_empty() {
        return field_errors(errors.0);
    }
    let (Some(product), Some(currency), Some(unit_amount)) = (product, currency, unit_amount)
    else {
        return detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "sandbox validation slipped",
        );
    };
    state
        .products
        .entry(product.id.clone())
        .or_insert_with(|| product.clone());
    let price = types::Price {
        id: sb.new_uuid(),
        product: product.id.clone(),
        product_data: Some(product),
        currency,
        unit_amount: money_keep_scale(unit_amount),
    };
    state.prices.insert(price.id.clone(), price.clone());
    drop(state);
    ok(&price)
}

async fn create_payment_link(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reply) = sb.authenticate(&headers) {
        return reply;
    }
    let body = match json_object(&headers, &body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let mut errors = Errors::default();
    let name_collection = bool_field(&body, "name_collection", &mut errors);
    let email_collection = bool_field(&body, "email_collection", &mut errors);
    let phone_number_collection = bool_field(&body, "phone_number_collection", &mut errors);
    for code in string_list(&body, "shipping_address_collection", &mut errors) {
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add(
                "shipping_address_collection",
                format!("\"{code}\" is not a valid choice."),
            );
        }
    }
    let lines = {
        let state = sb.lock();
        invoice_items(&sb, &state, &body, false, &mut errors)
    };
    if !errors.is_empty() || lines.is_none() {
        return field_errors(errors.0);
    }
    let id = sb.new_uuid();
    let link = types::PaymentLink {
        id: Some(id.clone()),
        name_collection: Some(name_collection),
        email_collection: Some(email_collection),
        phone_number_collection: Some(phone_number_collection),
        url: format!("{HOSTED_PAGES}/payment-links/{id}"),
    };
    sb.lock().payment_links.insert(id, link.clone());
    ok(&link)
}
