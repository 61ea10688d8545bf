//! Customers: list, create, retrieve, stats.

#[allow(unused_imports)]
use super::*;

pub(super) fn list_item(c: &types::Customer, db: &Db) -> types::CustomerListItem {
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
        phone: c.phone.clone().flatten(),
        country: c.address.value().and_then(|a| a.country.clone()).map(Some),
        latest_payment_method: latest,
        spend_data: Some(Some(Map::new())),
    }
}

pub(super) async fn list_customers(
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
                            c.name.value().map(String::as_str),
                            c.email.value().map(String::as_str),
                            c.phone.value().map(String::as_str),
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

pub(super) async fn create_customer(
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
            // The phone's E.164 form is the spec's pattern, checked before a handler runs.
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

pub(super) async fn get_customer(
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

pub(super) async fn customer_stats(
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
                payment_methods: Some(Some(methods)),
            })
        }),
    )
}
