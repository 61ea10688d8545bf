//! Checkout sessions: create, retrieve, update, expire.

#[allow(unused_imports)]
use super::*;

pub(super) const IMMUTABLE_SESSION_FIELDS: [&str; 5] = [
    "mode",
    "uiMode",
    "submitType",
    "currency",
    "expiresAfterMinutes",
];

pub(super) fn after_completion(ac: &types::AfterCompletion) -> Result<(), ApiErr> {
    if ac.type_ == types::AfterCompletionType::Redirect {
        // The URL's form (https) is the spec's pattern, checked before a handler runs.
        if ac.redirect.is_none() {
            return Err(ApiErr::missing("afterCompletion.redirect.url"));
        }
    } else if !ac.type_.is_known() {
        return Err(ApiErr::invalid(
            "afterCompletion.type",
            format!("Unknown afterCompletion type `{}`.", ac.type_),
        ));
    }
    Ok(())
}

pub(super) fn reported_submit_type(s: &types::SubmitType) -> types::ReportedSubmitType {
    types::ReportedSubmitType::from(s.as_str().to_ascii_uppercase())
}

pub(super) async fn create_session(
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
            if req.cancel_url.is_some() && ui_mode != types::UiMode::Hosted {
                return Err(ApiErr::invalid(
                    "cancelUrl",
                    "cancelUrl is only allowed with uiMode `hosted`.",
                ));
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
                    .url(ctx.pay_url(Api::XpayPlatform, &id))
                    .client_secret(Some(ctx.new_id(&format!("{id}_secret_")).into()))
                    .customer_id(req.customer_id.clone())
                    // Required and nullable: sent as `null` until a payment starts.
                    .payment_intent_id(None::<String>)
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

pub(super) async fn get_session(
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

pub(super) async fn update_session(
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
            if req.cancel_url.is_some() && current.ui_mode != Some(types::UiMode::Hosted) {
                return Err(ApiErr::invalid(
                    "cancelUrl",
                    "cancelUrl is only allowed with uiMode `hosted`.",
                ));
            }
            let customer_id = req
                .customer_id
                .clone()
                .or(current.customer_id.clone().flatten());
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
                Some(Some(items)) => {
                    Some(db.line_items(items, current.currency.as_deref(), ctx)?)
                }
                // The spec allows `null`; like an absent key, it changes nothing.
                Some(None) | None => None,
            };
            let session = &mut db.sessions[i];
            if let Some(ac) = req.after_completion {
                session.after_completion = Some(ac);
            }
            if req.cancel_url.is_some() {
                session.cancel_url = req.cancel_url.map(Some);
            }
            session.customer_id = Some(customer_id);
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
                session.line_items = Some(Some(items));
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
                session.metadata = Some(Some(
                    metadata
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ));
            }
            session.updated_at = Some(ts(now));
            ok(&*session)
        }),
    )
}

pub(super) async fn expire_session(
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
