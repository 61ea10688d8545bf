//! Refunds: create, list, retrieve.

#[allow(unused_imports)]
use super::*;

pub(super) async fn create_refund(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
            let amount = req
                .amount
                .map_or(refundable, |a| i64::try_from(a.get()).unwrap_or(i64::MAX));
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
                for s in db.sessions.iter_mut().filter(|s| s.payment_intent_id.clone().flatten().as_deref() == Some(pi.as_str())) {
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

pub(super) async fn list_refunds(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
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

pub(super) async fn get_refund(
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
