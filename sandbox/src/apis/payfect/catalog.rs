//! Products, prices and payment links.

#[allow(unused_imports)]
use super::*;

pub(super) async fn create_product(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
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
    let product = match crate::build!(types::Product {
        id: sb.new_uuid(),
        name: name,
        description: description,
        images: images,
    }) {
        Ok(product) => product,
        Err(e) => return internal(&e),
    };
    sb.lock()
        .products
        .insert(product.id.clone(), product.clone());
    ok(&product)
}

pub(super) async fn create_price(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
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
                params.and_then(|(name, description, images)| {
                    crate::build!(types::Product {
                        id: sb.new_uuid(),
                        name: name,
                        description: description,
                        images: images,
                    })
                    .ok()
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
    let price = match crate::build!(types::Price {
        id: sb.new_uuid(),
        product: product.id.clone(),
        product_data: Some(product.clone()),
        currency: currency,
        unit_amount: money_keep_scale(unit_amount),
    }) {
        Ok(price) => price,
        Err(e) => return internal(&e),
    };
    if !state.products.contains_key(&product.id) {
        state.products.insert(product.id.clone(), product);
    }
    state.prices.insert(price.id.clone(), price.clone());
    drop(state);
    ok(&price)
}

pub(super) async fn create_payment_link(
    State(sb): Sb,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
    let link = match crate::build!(types::PaymentLink {
        id: Some(id.clone()),
        name_collection: Some(name_collection),
        email_collection: Some(email_collection),
        phone_number_collection: Some(phone_number_collection),
        url: format!("{HOSTED_PAGES}/payment-links/{id}"),
    }) {
        Ok(link) => link,
        Err(e) => return internal(&e),
    };
    sb.lock().payment_links.insert(id, link.clone());
    ok(&link)
}
