//! Products: list, create, retrieve, update, delete, stats, image upload URLs.

#[allow(unused_imports)]
use super::*;

pub(super) async fn list_products(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let paging = Paging::from_query(&q)?;
            let active = bool_query(&q, "active")?;
            let terms = search_terms(&q);
            let metadata: Option<Map<String, Value>> = match q.get("metadata") {
                None => None,
                Some(s) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Object(m)) if m.values().all(Value::is_string) => Some(m),
                    _ => {
                        return Err(ApiErr::invalid(
                            "metadata",
                            "metadata must be a JSON object of strings, e.g. {\"category\":\"subscription\"}",
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
                            .all(|(k, v)| p.metadata.value().and_then(|m| m.get(k)) == Some(v))
                    })
                })
                .filter(|p| {
                    matches_terms(
                        &terms,
                        &[
                            p.name.as_deref(),
                            p.description.value().map(String::as_str),
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
pub(super) fn new_price(
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
    let currency = req.currency.to_ascii_uppercase();
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
            // The bounds are not checked against each other: the custom price's rules are
            // unconfirmed, and the sandbox keeps only the rules the spec states.
            if req.custom_unit_amount.is_none() {
                return Err(ApiErr::missing(&field("customUnitAmount")));
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

pub(super) async fn create_product(
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
                    .name(req.name.to_string())
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

pub(super) fn product_index(db: &Db, id: &str) -> Result<usize, ApiErr> {
    db.products
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(|| ApiErr::not_found("product", id))
}

pub(super) async fn get_product(
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

pub(super) async fn update_product(
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
            if req.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
                return Err(ApiErr::invalid("name", "name cannot be empty"));
            }
            let product = &mut db.products[i];
            if req.name.is_some() {
                product.name = req.name.map(String::from);
            }
            if req.description.is_some() {
                product.description = req.description.map(Some);
            }
            if req.image.is_some() {
                product.image = req.image.map(Some);
            }
            if req.unit_label.is_some() {
                product.unit_label = req.unit_label;
            }
            if req.active.is_some() {
                product.active = req.active;
            }
            if let Some(metadata) = req.metadata {
                product.metadata = Some(Some(
                    metadata
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ));
            }
            if req.default_price.is_some() {
                product.default_price_id = req.default_price.map(Some);
            }
            product.updated_at = Some(ts(now));
            let product = product.clone();
            ok(&db.product_view(&product))
        }),
    )
}

pub(super) async fn delete_product(
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

pub(super) async fn product_stats(
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
                .collect::<Vec<_>>();
            ok(&types::ProductStats {
                product_id: Some(id.clone()),
                prices: Some(Some(prices)),
            })
        }),
    )
}

pub(super) async fn upload_url(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
