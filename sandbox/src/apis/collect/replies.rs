//! Paging, field readers and FYATU's reply envelopes.

#[allow(unused_imports)]
use super::*;

pub(super) struct Paging {
    page: usize,
    limit: usize,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Paging {
    pub(super) fn read(query: &HashMap<String, String>) -> Result<Paging, String> {
        let int = |key: &str, default: usize, max: usize| match query.get(key) {
            None => Ok(default),
            // The spec's integers are int64: a larger page number is not a valid request.
            Some(v) => match v.parse::<i64>().ok().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(format!("{key} must be an integer between 1 and {max}")),
            },
        };
        let date = |key: &str| match query.get(key) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{key} must be a date in YYYY-MM-DD format")),
        };
        Ok(Paging {
            page: int("page", 1, usize::MAX)?,
            limit: int("limit", 20, 100)?,
            from: date("dateFrom")?,
            to: date("dateTo")?,
        })
    }

    pub(super) fn in_range(&self, at: DateTime<Utc>) -> bool {
        let day = at.date_naive();
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }

    /// The requested page and FYATU's pagination object (schema-sample key names).
    pub(super) fn slice<T>(&self, items: Vec<T>) -> (Vec<T>, Value) {
        let total = items.len();
        let pages = total.div_ceil(self.limit);
        let start = (self.page - 1).saturating_mul(self.limit);
        let page: Vec<T> = items.into_iter().skip(start).take(self.limit).collect();
        (
            page,
            json!({
                "page": self.page,
                "perPage": self.limit,
                "totalItems": total,
                "totalPages": pages,
            }),
        )
    }
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// `len` characters from `[A-Z0-9]`, like FYATU's ids and references.
pub(super) fn upper_id(len: usize) -> String {
    crate::core::new_id("")
        .chars()
        .map(|c| c.to_ascii_uppercase())
        .cycle()
        .take(len)
        .collect()
}

pub(super) fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            text.parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(&text).ok())
        }
        _ => None,
    }
}

/// A required string of 1..=`max` characters.
pub(super) fn text(body: &Map<String, Value>, field: &str, max: usize) -> Result<String, String> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > max {
                Err(format!("{field} may not exceed {max} characters"))
            } else {
                Ok(s.clone())
            }
        }
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("{field} is required")),
        Some(_) => Err(format!("{field} must be a string")),
    }
}

pub(super) fn object(
    body: &[u8],
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(validation("Request body must be a JSON object", rid, now)),
    }
}

pub(super) fn meta(rid: &RequestId, now: DateTime<Utc>) -> Value {
    json!({ "requestId": rid.as_str(), "timestamp": Timestamp::from(now) })
}

pub(super) fn ok(
    status: StatusCode,
    message: &str,
    data: impl Serialize,
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Response {
    (
        status,
        Json(json!({
            "success": true,
            "status": status.as_u16(),
            "message": message,
            "data": data,
            "meta": meta(rid, now),
        })),
    )
        .into_response()
}

pub(super) fn fail(
    status: StatusCode,
    code: &str,
    message: &str,
    rid: &RequestId,
    now: DateTime<Utc>,
) -> Response {
    (
        status,
        Json(json!({
            "success": false,
            "status": status.as_u16(),
            "message": message,
            "code": code,
            "meta": meta(rid, now),
        })),
    )
        .into_response()
}

pub(super) fn validation(message: &str, rid: &RequestId, now: DateTime<Utc>) -> Response {
    fail(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        message,
        rid,
        now,
    )
}

/// A sandbox bug (an object it could not build), in FYATU's envelope.
pub(super) fn internal(error: &BuildError, rid: &RequestId, now: DateTime<Utc>) -> Response {
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        &error.to_string(),
        rid,
        now,
    )
}

pub(super) fn not_found(message: &str, rid: &RequestId, now: DateTime<Utc>) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        message,
        rid,
        now,
    )
}
