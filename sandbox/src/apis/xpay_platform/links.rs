//! Payment links: create, retrieve, update, list with amount and date filters.

#[allow(unused_imports)]
use super::*;

pub(super) fn custom_fields(fields: &[types::CustomField]) -> Result<(), ApiErr> {
    for (i, f) in fields.iter().enumerate() {
        if f.key.as_deref().is_none_or(str::is_empty) {
            return Err(ApiErr::missing(&format!("customFields[{i}].key")));
        }
        if f.type_ == Some(types::CustomFieldType::Dropdown)
            && f.options.value().is_none_or(Vec::is_empty)
        {
            return Err(ApiErr::missing(&format!("customFields[{i}].options")));
        }
    }
    Ok(())
}

/// A date-time the sandbox can read. One in the past is taken (the docs state no rule): the
/// link is simply expired already.
pub(super) fn readable_timestamp(param: &str, t: &types::Timestamp) -> Result<(), ApiErr> {
    match parse_ts(t) {
        Some(_) => Ok(()),
        None => Err(ApiErr::invalid(
            param,
            format!("{param} must be an ISO-8601 date-time"),
        )),
    }
}

pub(super) async fn create_link(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let object = body_object(&body)?;
            if !object.contains_key("lineItems") {
                return Err(ApiErr::missing("lineItems"));
            }
            let req: types::CreatePaymentLinkRequest = typed(&object)?;
            let (lines, currency, total) = db.line_items(&req.line_items, None, ctx)?;
            if let Some(ac) = &req.after_completion {
                after_completion(ac)?;
            }
            custom_fields(&req.custom_fields)?;
            if let Some(t) = &req.expires_at {
                readable_timestamp("expiresAt", t)?;
            }
            let id = ctx.new_id("plink_test_");
            let link: types::PaymentLink = built(
                types::PaymentLink::builder()
                    .id(id.clone())
                    .object("payment_link".to_string())
                    .merchant_id(MERCHANT_ID.to_string())
                    .active(req.active.unwrap_or(true))
                    .url(format!("{HOSTED_CHECKOUT}/p/{id}"))
                    .expires_at(req.expires_at.clone())
                    .currency(currency)
                    .computed_amount(total)
                    .submit_type(reported_submit_type(
                        req.submit_type.as_ref().unwrap_or(&types::SubmitType::Pay),
                    ))
                    .after_completion(req.after_completion.clone().unwrap_or(
                        types::AfterCompletion {
                            type_: types::AfterCompletionType::HostedConfirmation,
                            redirect: None,
                            hosted_confirmation: None,
                        },
                    ))
                    .line_items(lines)
                    .custom_fields(req.custom_fields.clone())
                    .metadata(
                        req.metadata
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect::<Map<String, Value>>(),
                    )
                    .created_at(ts(now))
                    .updated_at(ts(now))
                    .try_into(),
            )?;
            db.payment_links.push(link.clone());
            ok(&link)
        }),
    )
}

pub(super) async fn get_link(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, _, _, _| {
            let link = db
                .payment_links
                .iter()
                .find(|l| l.id == id)
                .ok_or_else(|| ApiErr::not_found("payment link", &id))?;
            ok(link)
        }),
    )
}

pub(super) async fn update_link(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, ctx, _| {
            let i = db
                .payment_links
                .iter()
                .position(|l| l.id == id)
                .ok_or_else(|| ApiErr::not_found("payment link", &id))?;
            let object = body_object(&body)?;
            // `expiresAt: null` removes the expiry; serde would read it as "absent".
            let clear_expiry = object.get("expiresAt").is_some_and(Value::is_null);
            let req: types::UpdatePaymentLinkRequest = typed(&object)?;
            let lines = match &req.line_items {
                Some(Some(items)) => Some(db.line_items(items, None, ctx)?),
                // The spec allows `null`; like an absent key, it changes nothing.
                Some(None) | None => None,
            };
            if let Some(ac) = &req.after_completion {
                after_completion(ac)?;
            }
            if let Some(Some(fields)) = &req.custom_fields {
                custom_fields(fields)?;
            }
            let expires_at = match &req.expires_at {
                Some(xpay_client::platform::ClearableTimestamp::Set(t)) => {
                    readable_timestamp("expiresAt", t)?;
                    Some(Some(t.clone()))
                }
                Some(xpay_client::platform::ClearableTimestamp::Clear) => Some(None),
                None if clear_expiry => Some(None),
                None => None,
            };
            let link = &mut db.payment_links[i];
            if let Some((items, currency, total)) = lines {
                link.line_items = Some(Some(items));
                link.currency = Some(currency);
                link.computed_amount = Some(total);
            }
            if let Some(ac) = req.after_completion {
                link.after_completion = Some(ac);
            }
            if let Some(fields) = req.custom_fields {
                link.custom_fields = Some(fields);
            }
            if let Some(e) = expires_at {
                link.expires_at = Some(e);
            }
            if let Some(active) = req.active {
                link.active = Some(active);
            }
            if let Some(s) = &req.submit_type {
                link.submit_type = Some(reported_submit_type(s));
            }
            if let Some(metadata) = req.metadata {
                link.metadata = Some(Some(
                    metadata
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                ));
            }
            link.updated_at = Some(ts(now));
            ok(&*link)
        }),
    )
}

/// `eq:100`, `bt:10,100`, `gt:50`, `lt:200` on the link's amount.
pub(super) fn amount_filter(spec: &str) -> Result<impl Fn(i64) -> bool, ApiErr> {
    let bad = || {
        ApiErr::invalid(
            "amount",
            format!("Invalid amount filter `{spec}`; use eq:N, bt:A,B, gt:N or lt:N."),
        )
    };
    let (op, rest) = spec.split_once(':').ok_or_else(bad)?;
    // The spec's pattern (1 to 15 digits each, no sign) is checked before a handler runs, so
    // every number fits an i64.
    let nums: Vec<i64> = rest
        .split(',')
        .map(|n| n.parse::<i64>().ok())
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let (lo, hi) = match (op, nums.as_slice()) {
        ("eq", [n]) => (*n, *n),
        ("bt", [a, b]) => (*a.min(b), *a.max(b)),
        ("gt", [n]) => (n.saturating_add(1), i64::MAX),
        ("lt", [n]) => (i64::MIN, n.saturating_sub(1)),
        _ => return Err(bad()),
    };
    Ok(move |amount: i64| lo <= amount && amount <= hi)
}

/// `last:7,days`, `between:2024-01-01,2024-12-31`, `eq:`/`after:`/`before:` a date, in
/// `timezone` (the sandbox knows `UTC` and fixed offsets like `+02:00`).
pub(super) fn date_filter(
    spec: &str,
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<impl Fn(DateTime<Utc>) -> bool, ApiErr> {
    let bad = || ApiErr::invalid("date", format!("Invalid date filter `{spec}`."));
    // The spec's pattern allows UTC, ±HH:MM and IANA names; the sandbox carries no time-zone
    // database, so an IANA name (`Africa/Cairo`) reads as UTC.
    let offset = match timezone {
        "UTC" | "Z" => chrono::FixedOffset::east_opt(0),
        name if name.contains('/') && !name.starts_with(['+', '-']) => {
            chrono::FixedOffset::east_opt(0)
        }
        other => chrono::DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{other}"))
            .ok()
            .map(|d| *d.offset()),
    }
    .ok_or_else(|| {
        ApiErr::invalid(
            "timezone",
            format!("Unsupported timezone `{timezone}` (the sandbox knows UTC and ±HH:MM)."),
        )
    })?;
    let day = |s: &str| -> Result<(DateTime<Utc>, DateTime<Utc>), ApiErr> {
        // A day past the month's end (`2024-02-31`, which the spec's pattern allows) reads as
        // the month's last day.
        let (y, md) = s.split_once('-').ok_or_else(bad)?;
        let (m, d) = md.split_once('-').ok_or_else(bad)?;
        let (y, m, d): (i32, u32, u32) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        let d = (1..=d)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(y, m, d))
            .ok_or_else(bad)?;
        let start = d
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .ok_or_else(bad)?
            .with_timezone(&Utc);
        Ok((start, later(start, TimeDelta::days(1))))
    };
    let (op, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (from, to) = match op {
        "last" => {
            let (n, unit) = rest.split_once(',').ok_or_else(bad)?;
            let n: i64 = n.parse().map_err(|_| bad())?;
            let span = match unit {
                "hours" | "hour" => TimeDelta::try_hours(n),
                "days" | "day" => TimeDelta::try_days(n),
                "weeks" | "week" => TimeDelta::try_weeks(n),
                "months" | "month" => TimeDelta::try_days(n.saturating_mul(30)),
                "years" | "year" => TimeDelta::try_days(n.saturating_mul(365)),
                _ => None,
            }
            .ok_or_else(bad)?;
            let from = now
                .checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            (from, later(now, TimeDelta::seconds(1)))
        }
        "between" => {
            let (a, b) = rest.split_once(',').ok_or_else(bad)?;
            (day(a)?.0, day(b)?.1)
        }
        "eq" => day(rest)?,
        "after" => (day(rest)?.1, DateTime::<Utc>::MAX_UTC),
        "before" => (DateTime::<Utc>::MIN_UTC, day(rest)?.0),
        _ => return Err(bad()),
    };
    Ok(move |t: DateTime<Utc>| from <= t && t < to)
}

pub(super) async fn list_links(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
    Query(q): Q,
) -> Response {
    respond(
        &rid,
        sb.with_db(&headers, |db, now, _, _| {
            let paging = Paging::from_query(&q)?;
            let active = bool_query(&q, "active")?;
            let terms = search_terms(&q);
            let amount = q.get("amount").map(|s| amount_filter(s)).transpose()?;
            let timezone = q.get("timezone").map_or("UTC", String::as_str);
            let date = q
                .get("date")
                .map(|s| date_filter(s, timezone, now))
                .transpose()?;
            let all: Vec<types::PaymentLink> = db
                .payment_links
                .iter()
                .rev()
                .filter(|l| active.is_none() || l.active == active)
                .filter(|l| {
                    amount
                        .as_ref()
                        .is_none_or(|f| f(l.computed_amount.unwrap_or(0)))
                })
                .filter(|l| {
                    date.as_ref()
                        .is_none_or(|f| l.created_at.as_ref().and_then(parse_ts).is_some_and(f))
                })
                .filter(|l| {
                    terms.is_empty()
                        || l.line_items.iter().flatten().flatten().any(|li| {
                            let product = li
                                .price
                                .as_ref()
                                .and_then(|p| p.product_id.as_deref())
                                .and_then(|p| db.product(p));
                            matches_terms(
                                &terms,
                                &[
                                    li.description.as_deref(),
                                    product.and_then(|p| p.name.as_deref()),
                                    product.and_then(|p| p.description.value().map(String::as_str)),
                                    product.and_then(|p| p.unit_label.as_deref()),
                                ],
                            )
                        })
                })
                .cloned()
                .collect();
            ok(&types::PaymentLinkList {
                total_count: all.len() as i64,
                data: paging.slice(&all),
            })
        }),
    )
}
