//! Collections (checkout sessions): create, retrieve, list; the hosted checkout path.

#[allow(unused_imports)]
use super::*;

pub(super) async fn create_collection(
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
            // The spec states no URL format, so any string is taken; an empty one names no
            // URL (and webhooks then go to the configured receiver).
            Some(Value::String(u)) => *slot = Some(u.clone()).filter(|u| !u.is_empty()),
            Some(_) => return validation(&format!("{name} must be a string"), &rid, now),
        }
    }
    let [callback_url, webhook_url] = urls;
    let metadata = match body.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(types::Metadata(m.clone())),
        Some(_) => return validation("metadata must be an object", &rid, now),
    };
    // Checked: a JSON number can be near `Decimal::MAX` (`7e28`), where the fee overflows.
    let Some(fee) = amount
        .checked_mul(FEE_PERCENT)
        .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
        .map(|x| x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    else {
        return validation("amount is too large", &rid, now);
    };
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
        let expires = now + SESSION_LIFETIME;
        let collection = crate::build!(types::Collection {
            collection_id: id.clone(),
            batch: id.clone(),
            reference: upper_id(12),
            order_id: order_id.clone(),
            amount: JsonDecimal(amount),
            fee: JsonDecimal(fee),
            net_amount: JsonDecimal(amount - fee),
            currency: types::Currency::Usd,
            status: types::CollectionStatus::Pending,
            description: description,
            metadata: metadata,
            checkout_url: sb.ctx.pay_url(Api::Collect, &id),
            callback_url: callback_url,
            webhook_url: webhook_url,
            created_at: Some(Timestamp::from(now)),
            expires_at: Some(Timestamp::from(expires)),
            status_reason: Option::<String>::None,
            payer: Option::<types::Payer>::None,
            refunds: Option::<types::CollectionRefunds>::None,
            completed_at: Option::<Timestamp>::None,
        });
        let collection = match collection {
            Ok(collection) => collection,
            Err(e) => {
                drop(state);
                return internal(&e, &rid, now);
            }
        };
        state.seq += 1;
        let seq = state.seq;
        state.by_order_id.insert(order_id, id.clone());
        let evicted = state.collections.insert(
            id,
            Stored {
                collection: collection.clone(),
                created: now,
                expires,
                seq,
            },
        );
        for (_, old) in evicted {
            if let Some(Some(order_id)) = &old.collection.order_id {
                state.by_order_id.remove(order_id);
            }
        }
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

pub(super) async fn get_collection(
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

pub(super) async fn list_collections(
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
    if let Some(status) = query.get("status")
        && !types::CollectionStatus::from(status.as_str()).is_known()
    {
        return validation("status is not a valid collection status", &rid, now);
    }
    let contains = |value: Option<&String>, key: &str| match query.get(key) {
        Some(wanted) => value
            .map(String::as_str)
            .is_some_and(|v| v.contains(wanted.as_str())),
        None => true,
    };
    let items: Result<Vec<types::CollectionSummary>, BuildError> = {
        let mut state = sb.lock();
        let mut stored: Vec<&mut Stored> = state.collections.values_mut().collect();
        stored.sort_by_key(|s| std::cmp::Reverse(s.seq));
        stored
            .into_iter()
            .filter_map(|s| {
                s.expire_if_due(now);
                let c = &s.collection;
                let keep = query.get("status").is_none_or(|st| c.status.as_str() == st)
                    && contains(c.order_id.value(), "orderId")
                    && contains(c.reference.as_ref(), "reference")
                    && paging.in_range(s.created);
                keep.then(|| s.summary())
            })
            .collect::<Result<_, _>>()
    };
    let items: Vec<types::CollectionSummary> = match items {
        Ok(items) => items,
        Err(e) => return internal(&e, &rid, now),
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

/// FYATU's hosted checkout path: the sandbox's own pay page serves it.
pub(super) async fn checkout_page(
    State(sb): Sb,
    Query(query): Query<HashMap<String, String>>,
) -> axum::response::Redirect {
    let batch = query.get("batch").map(String::as_str).unwrap_or_default();
    axum::response::Redirect::to(&sb.ctx.pay_url(Api::Collect, batch))
}
