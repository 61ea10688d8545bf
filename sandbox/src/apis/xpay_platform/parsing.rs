//! Reading request bodies and queries: JSON objects, typed bodies, paging, filters.

#[allow(unused_imports)]
use super::*;

/// The JSON object of a request body.
pub(super) fn body_object(body: &[u8]) -> Result<Map<String, Value>, ApiErr> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiErr::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiErr::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid JSON in the request body: {e}"),
        )),
    }
}

/// The body as the spec's request type; a type mismatch names the field where serde can.
pub(super) fn typed<T: DeserializeOwned>(object: &Map<String, Value>) -> Result<T, ApiErr> {
    serde_json::from_value(Value::Object(object.clone())).map_err(|e| {
        let message = e.to_string();
        let param = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("body")
            .to_string();
        if message.starts_with("missing field") {
            ApiErr::missing(&param)
        } else {
            ApiErr::new(StatusCode::BAD_REQUEST, "parameter_invalid", message).param(param)
        }
    })
}

pub(super) struct Paging {
    pub(super) page: u64,
    pub(super) limit: u64,
}

impl Paging {
    pub(super) fn from_query(q: &HashMap<String, String>) -> Result<Self, ApiErr> {
        let number = |name: &str, default: u64| -> Result<u64, ApiErr> {
            match q.get(name) {
                None => Ok(default),
                // A page number too large for u64 is still a valid page: past the end, so empty.
                Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(v.parse::<u64>().unwrap_or(u64::MAX))
                }
                Some(_) => Err(ApiErr::invalid(
                    name,
                    format!("{name} must be a positive integer"),
                )),
            }
        };
        let page = number("page", 1)?;
        let limit = number("limit", 20)?;
        if page < 1 {
            return Err(ApiErr::out_of_range("page", "page must be at least 1"));
        }
        if !(1..=100).contains(&limit) {
            return Err(ApiErr::out_of_range(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
        Ok(Paging { page, limit })
    }

    pub(super) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let start =
            usize::try_from((self.page - 1).saturating_mul(self.limit)).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.limit).unwrap_or(100);
        items.iter().skip(start).take(limit).cloned().collect()
    }
}

pub(super) fn bool_query(q: &HashMap<String, String>, name: &str) -> Result<Option<bool>, ApiErr> {
    match q.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiErr::invalid(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// Comma-separated search terms; an item matches when any term is in any of its fields.
pub(super) fn search_terms(q: &HashMap<String, String>) -> Vec<String> {
    q.get("search")
        .map(|s| {
            s.split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn matches_terms(terms: &[String], fields: &[Option<&str>]) -> bool {
    terms.is_empty()
        || terms.iter().any(|term| {
            fields
                .iter()
                .flatten()
                .any(|f| f.to_lowercase().contains(term.as_str()))
        })
}

/// `t + by`, saturating: the sandbox clock can be moved arbitrarily far.
pub(super) fn later(t: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(by).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) fn ts(t: DateTime<Utc>) -> types::Timestamp {
    types::Timestamp::from(t)
}

pub(super) fn parse_ts(t: &types::Timestamp) -> Option<DateTime<Utc>> {
    t.to_datetime().ok()
}
