//! Refunds: create, list, reasons.

#[allow(unused_imports)]
use super::*;

pub(super) async fn create_refund(
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
        let refund = crate::build!(types::Refund {
            refund_id: format!("REF{}", upper_id(13)),
            collection_id: id.clone(),
            amount: JsonDecimal(amount),
            currency: types::Currency::Usd,
            reason: types::RefundReason::from(reason),
            reason_description: REASONS
                .iter()
                .find(|(code, _)| *code == reason)
                .map(|(_, d)| d.to_string()),
            status: types::RefundStatus::Completed,
            recipient: c.payer.value().and_then(|p| {
                crate::build!(types::RefundRecipient {
                    client_id: p.client_id.clone(),
                    name: p.name.clone(),
                })
                .ok()
            }),
            completed_at: Timestamp::from(now),
            created_at: Timestamp::from(now),
        });
        let totals = crate::build!(types::CollectionRefunds {
            total_refunded: JsonDecimal(amount),
            remaining_refundable: JsonDecimal(Decimal::ZERO),
            count: 1_i64,
        });
        // Built before anything changes, so a failure leaves the collection as it was.
        let (refund, totals) = match (refund, totals) {
            (Ok(refund), Ok(totals)) => (refund, totals),
            (Err(e), _) | (_, Err(e)) => {
                drop(state);
                return internal(&e, &rid, now);
            }
        };
        c.status = if amount == net {
            types::CollectionStatus::Refunded
        } else {
            types::CollectionStatus::PartiallyRefunded
        };
        c.status_reason = Some(Some(format!("Refunded: {reason}")));
        c.refunds = Some(totals);
        state.refunds.push(refund.clone());
        trim_oldest(&mut state.refunds);
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

pub(super) async fn list_refunds(
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
        && !types::RefundStatus::from(status.as_str()).is_known()
    {
        return validation("status is not a valid refund status", &rid, now);
    }
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

pub(super) async fn refund_reasons(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
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
