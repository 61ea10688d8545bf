//! Prices: create, update, delete.

#[allow(unused_imports)]
use super::*;

pub(super) async fn create_price(
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

pub(super) async fn update_price(
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
                price.stock = req.stock.map(Some);
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

pub(super) async fn delete_price(
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
                if p.default_price_id.value() == Some(&id) {
                    p.default_price_id = None;
                }
            }
            empty()
        }),
    )
}
