//! The hosted pay page every checkout's pay URL points at (`/_sandbox/pay/{api}/{id}`), so a
//! person can click through a checkout in a browser: three buttons, pay / fail / cancel, each
//! a plain form POST that settles the checkout exactly like `POST /_sandbox/settle`. No
//! script is needed, so it works in any browser and under any content-security policy.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::control::SettleFn;
use super::{Api, Outcome, SettleError};

/// `GET` shows the page, `POST` (form field `outcome`) settles and shows the result.
pub fn router<S: Clone + Send + Sync + 'static>(settle: SettleFn) -> Router<S> {
    Router::new().route(
        "/_sandbox/pay/{api}/{id}",
        get(show).post(move |path, form| pay(settle.clone(), path, form)),
    )
}

#[derive(Deserialize)]
struct PayForm {
    outcome: String,
}

async fn show(Path((api, id)): Path<(String, String)>) -> Response {
    let api: Api = match api.parse() {
        Ok(api) => api,
        Err(message) => return page(StatusCode::NOT_FOUND, "Unknown API", &message, ""),
    };
    let id = escape(&id);
    let body = format!(
        "<p>Checkout <code id=\"checkout-id\">{id}</code> ({api})</p>\
         <form method=\"post\">\
         <button id=\"pay\" name=\"outcome\" value=\"complete\">Pay</button> \
         <button id=\"fail\" name=\"outcome\" value=\"fail\">Fail</button> \
         <button id=\"cancel\" name=\"outcome\" value=\"cancel\">Cancel</button>\
         </form>"
    );
    page(StatusCode::OK, "Sandbox checkout", "", &body)
}

async fn pay(
    settle: SettleFn,
    Path((api, id)): Path<(String, String)>,
    form: Result<Form<PayForm>, FormRejection>,
) -> Response {
    let api: Api = match api.parse() {
        Ok(api) => api,
        Err(message) => return page(StatusCode::NOT_FOUND, "Unknown API", &message, ""),
    };
    let outcome: Outcome = match form
        .map_err(|rejection| rejection.body_text())
        .and_then(|Form(form)| form.outcome.parse())
    {
        Ok(outcome) => outcome,
        Err(message) => return page(StatusCode::BAD_REQUEST, "Bad request", &message, ""),
    };
    match settle(api, &id, outcome) {
        Ok(resource) => {
            let status = status_of(&resource);
            let body = format!(
                "<p>Checkout <code id=\"checkout-id\">{}</code> is now \
                 <strong id=\"status\">{}</strong>.</p>",
                escape(&id),
                escape(&status)
            );
            let title = match outcome {
                Outcome::Complete => "Payment complete",
                Outcome::Fail => "Payment failed",
                Outcome::Cancel => "Checkout cancelled",
            };
            page(StatusCode::OK, title, "", &body)
        }
        Err(err) => {
            let status = match err {
                SettleError::NotFound(_) => StatusCode::NOT_FOUND,
                SettleError::InvalidState(_) => StatusCode::CONFLICT,
                SettleError::Unsupported(_) => StatusCode::BAD_REQUEST,
            };
            page(status, "Cannot settle", &err.to_string(), "")
        }
    }
}

/// The resource's own status word (`complete`, `COMPLETED`, `succeeded`, …).
fn status_of(resource: &Value) -> String {
    ["status", "pi_status"]
        .iter()
        .find_map(|key| resource.get(key).and_then(Value::as_str))
        .unwrap_or("settled")
        .to_owned()
}

fn page(status: StatusCode, title: &str, message: &str, body: &str) -> Response {
    let message = if message.is_empty() {
        String::new()
    } else {
        format!("<p id=\"message\">{}</p>", escape(message))
    };
    (
        status,
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{title}</title></head><body><h1 id=\"title\">{title}</h1>{message}{body}\
             <p><small>paygate sandbox: no real payment is made.</small></p></body></html>"
        )),
    )
        .into_response()
}

/// HTML-escapes text (ids come from the URL, which anyone can write).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for ids in URLs).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
