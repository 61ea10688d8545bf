//! XStak's reply envelopes: `{success, responseStatus, message, data}` as its Node.js server
//! writes them.

use super::*;

/// A reply in XStak's failure envelope.
pub(super) fn fail(
    status: StatusCode,
    response_status: &str,
    message: impl Into<String>,
) -> Response {
    let body = serde_json::json!({
        "success": false,
        "responseStatus": response_status,
        "message": message.into(),
    });
    json_reply(status, &body)
}

/// The bytes Node.js would send for `value`: `JSON.stringify` of it.
pub(super) fn json_reply(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        js::stringify(value),
    )
        .into_response()
}

pub(super) fn ok<T: serde::Serialize>(data: &T) -> Response {
    match serde_json::to_value(data) {
        Ok(data) => json_reply(
            StatusCode::OK,
            &serde_json::json!({
                "success": true,
                "responseStatus": "OK",
                "message": "Request processed successfully.",
                "data": data,
            }),
        ),
        Err(e) => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_SERVER_ERROR",
            format!("could not encode the reply: {e}"),
        ),
    }
}

/// A sandbox bug (an object it could not build), in XStak's envelope.
pub(super) fn internal(error: &BuildError) -> Response {
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_SERVER_ERROR",
        error.to_string(),
    )
}

pub(super) fn bad_request(message: impl Into<String>) -> Response {
    fail(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
}

pub(super) fn not_found(what: &str) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{what} not found."),
    )
}
