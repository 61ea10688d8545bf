//! Replies as Django REST Framework writes them.

#[allow(unused_imports)]
use super::*;

pub(super) fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

/// A sandbox bug (an object it could not build), as DRF reports a server error.
pub(super) fn internal(error: &BuildError) -> Response {
    detail(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string())
}

pub(super) fn field_errors(errors: Map<String, Value>) -> Response {
    (StatusCode::BAD_REQUEST, Json(Value::Object(errors))).into_response()
}

pub(super) fn ok<T: Serialize>(value: &T) -> Response {
    // Serialize the generated type directly so the reply keeps its field order.
    match serde_json::to_vec(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("sandbox could not serialize the reply: {e}"),
        ),
    }
}

pub(super) fn to_value<T: Serialize>(value: &T) -> Result<Value, SettleError> {
    serde_json::to_value(value).map_err(|e| SettleError::InvalidState(e.to_string()))
}

/// Parses a JSON object body the way DRF does, with its error replies.
pub(super) fn json_object(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // DRF answers 415 here, but the spec documents no 415: 400 (documented) carries the same
    // message. A request without a content type is read as JSON.
    if !content_type.is_empty() && !content_type.starts_with("application/json") {
        return Err(detail(
            StatusCode::BAD_REQUEST,
            &format!("Unsupported media type \"{content_type}\" in request."),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(non_field(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            json_kind(&other)
        ))),
        Err(e) => Err(detail(
            StatusCode::BAD_REQUEST,
            &format!("JSON parse error - {e}"),
        )),
    }
}

pub(super) fn non_field(message: String) -> Response {
    let mut errors = Map::new();
    errors.insert("non_field_errors".into(), json!([message]));
    field_errors(errors)
}

pub(super) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}
