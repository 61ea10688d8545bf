//! Checkouts: create (with inline prices) and retrieve.

#[allow(unused_imports)]
use super::*;

pub(super) type Sb = State<Arc<PayfectSandbox>>;

/// One validated invoice item: the price it uses (saved or made on the fly) and its quantity.
pub(super) struct Line {
    price: types::Price,
    new_product: Option<types::Product>,
    new_price: bool,
    quantity: i64,
}

pub(super) async fn create_checkout(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
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

    // Every amount is computed before anything is stored: an overflow (a huge `unit_amount`
    // or `quantity`) is a validation error, and nothing of the request is kept.
    let Some((amounts, total)) = line_amounts(&lines) else {
        errors.add(
            "invoice_items",
            "Ensure that there are no more than 28 digits in total.",
        );
        return field_errors(errors.0);
    };
    let now = sb.ctx.now();
    let expires_at = now + CHECKOUT_LIFETIME;
    let id = sb.new_uuid();
    // Everything is built before anything is stored.
    let built = (|| -> Result<types::Checkout, BuildError> {
        let mut items = Vec::with_capacity(lines.len());
        for (line, amount) in lines.iter().zip(&amounts) {
            items.push(crate::build!(types::InvoiceItem {
                id: sb.new_uuid(),
                price: line.price.id.clone(),
                quantity: line.quantity,
                amount: money(*amount),
                price_data: Option::<types::Price>::None,
            })?);
        }
        crate::build!(types::Checkout {
            id: id.clone(),
            merchant: crate::build!(types::Merchant {
                id: MERCHANT_ID,
                name: MERCHANT_NAME,
            })?,
            name_collection: false,
            email_collection: false,
            phone_number_collection: false,
            shipping_address_collection: None::<serde_json::Map<String, Value>>,
            invoice_items: items,
            amount_total: money(total),
            status: types::CheckoutStatus::Open,
            created_at: Timestamp::unix_seconds(now),
            updated_at: Timestamp::unix_seconds(now),
            client_reference_id: client_reference_id,
            currency: currency.clone(),
            success_url: success_url,
            cancel_url: cancel_url,
            expires_at: Some(Timestamp::unix_millis(expires_at)),
            payment_intent: Some(sb.new_uuid()),
            payment_method_types: payment_method_types,
            payment_method_options: Some(payment_method_options()?),
            url: sb.ctx.pay_url(Api::Payfect, &id),
            metadata: Option::<serde_json::Map<String, Value>>::None,
            is_livemode: false,
        })
    })();
    let checkout = match built {
        Ok(checkout) => checkout,
        Err(e) => return internal(&e),
    };
    let mut state = sb.lock();
    for line in lines {
        if let Some(product) = line.new_product {
            state.products.insert(product.id.clone(), product);
        }
        if line.new_price {
            state.prices.insert(line.price.id.clone(), line.price);
        }
    }
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

/// Each line's `unit_amount × quantity` and their sum; `None` when a product or the sum
/// overflows a decimal.
pub(super) fn line_amounts(lines: &[Line]) -> Option<(Vec<Decimal>, Decimal)> {
    let mut total = Decimal::ZERO;
    let mut amounts = Vec::with_capacity(lines.len());
    for line in lines {
        let amount = line
            .price
            .unit_amount
            .checked_mul(Decimal::from(line.quantity))?;
        total = total.checked_add(amount)?;
        amounts.push(amount);
    }
    Some((amounts, total))
}

pub(super) fn payment_method_options() -> Result<types::PaymentMethodOptions, BuildError> {
    let networks = NETWORKS
        .iter()
        .map(|(value, name)| {
            crate::build!(types::CryptoNetwork {
                value: types::Network::from(*value),
                name: *name,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::build!(types::PaymentMethodOptions {
        crypto: Some(vec![crate::build!(types::CryptoPaymentMethodOption {
            currency: crate::build!(types::CryptoCurrency {
                value: "usdt",
                name: "Tether",
                logo: "/static/images/cryptos/usdt.png",
            })?,
            networks: networks,
        })?]),
        card: Option::<serde_json::Map<String, Value>>::None,
    })
}

/// `payment_method_data`, validated; returns `(currency, network)`.
pub(super) fn payment_method_data(
    body: &Map<String, Value>,
    errors: &mut Errors,
) -> Option<(String, String)> {
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
pub(super) fn invoice_items(
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

pub(super) fn invoice_item(
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
            let product = crate::build!(types::Product {
                id: sb.new_uuid(),
                name: name,
                description: description,
                images: images,
            })
            .ok()?;
            let price = crate::build!(types::Price {
                id: sb.new_uuid(),
                product: product.id.clone(),
                product_data: Some(product.clone()),
                currency: currency?,
                unit_amount: money_keep_scale(unit_amount?),
            })
            .ok()?;
            Some(Line {
                price,
                new_product: Some(product),
                new_price: true,
                quantity: quantity?,
            })
        }
    }
}

pub(super) async fn retrieve_checkout(
    State(sb): Sb,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
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
