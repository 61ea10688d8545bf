//! Sandbox-only control endpoints under `/_sandbox`, so tools in any language can drive the
//! sandbox the way Rust tests drive it through the library.
//!
//! | method | path | body | effect |
//! |---|---|---|---|
//! | GET | `/_sandbox` | | base URLs, credentials, clock |
//! | POST | `/_sandbox/settle` | `{"api","id","outcome"}` | complete / fail / cancel a checkout |
//! | GET | `/_sandbox/clock` | | `{"now","offset_seconds"}` |
//! | POST | `/_sandbox/clock/advance` | `{"seconds"}` | move the clock forward |
//! | GET, POST, DELETE | `/_sandbox/faults` | a fault rule (POST) | list, add, clear all |
//! | DELETE | `/_sandbox/faults/{id}` | | remove one rule |
//! | GET, DELETE | `/_sandbox/deliveries` | | webhook attempts (`?api=`, `?webhook_id=`), forget them |
//! | PUT | `/_sandbox/webhook-receiver` | `{"api"?, "url"}` | default receiver (`url: null` removes) |
//! | GET, POST | `/_sandbox/pay/{api}/{id}` | form `outcome` (POST) | hosted pay page; settles |

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Api, Ctx, Fault, FaultId, Outcome, SettleError};

/// Settles a checkout of any API (the sandbox dispatches to the API module).
pub type SettleFn = Arc<dyn Fn(Api, &str, Outcome) -> Result<Value, SettleError> + Send + Sync>;

#[derive(Clone)]
struct Control {
    ctx: Ctx,
    settle: SettleFn,
}

/// The `/_sandbox` routes. Not wrapped in fault injection: controlling the sandbox must
/// always work.
pub fn router(ctx: Ctx, settle: SettleFn) -> Router {
    Router::new()
        .route("/_sandbox", get(info))
        .route("/_sandbox/settle", post(settle_checkout))
        .route("/_sandbox/clock", get(clock))
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sandbox/faults/{id}", delete(remove_fault))
        .route(
            "/_sandbox/deliveries",
            get(list_deliveries).delete(clear_deliveries),
        )
        .route("/_sandbox/webhook-receiver", put(set_receiver))
        .merge(super::pay_page::router(settle.clone()))
        .with_state(Control { ctx, settle })
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message.into() } })),
    )
        .into_response()
}

fn bad_json(rejection: JsonRejection) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        rejection.body_text(),
    )
}

/// Base URLs and credentials, as the binary prints them at start-up.
pub fn info_json(ctx: &Ctx, origin: &str) -> Value {
    let mut base_urls = serde_json::Map::new();
    for api in Api::ALL {
        base_urls.insert(
            api.as_str().to_owned(),
            Value::String(format!("{origin}{}", api.prefix())),
        );
    }
    json!({
        "base_urls": base_urls,
        "control_url": format!("{origin}/_sandbox"),
        "credentials": ctx.creds().to_json(),
        "now": ctx.now(),
    })
}

async fn info(State(control): State<Control>) -> Json<Value> {
    // The bound address, not the Host header: the caller controls that header.
    Json(info_json(&control.ctx, control.ctx.origin()))
}

#[derive(Deserialize)]
struct SettleRequest {
    api: String,
    id: String,
    outcome: String,
}

async fn settle_checkout(
    State(control): State<Control>,
    body: Result<Json<SettleRequest>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_json(rejection),
    };
    let api: Api = match request.api.parse() {
        Ok(api) => api,
        Err(message) => return error(StatusCode::BAD_REQUEST, "unknown_api", message),
    };
    let outcome: Outcome = match request.outcome.parse() {
        Ok(outcome) => outcome,
        Err(message) => return error(StatusCode::BAD_REQUEST, "unknown_outcome", message),
    };
    match (control.settle)(api, &request.id, outcome) {
        Ok(resource) => Json(resource).into_response(),
        Err(err @ SettleError::NotFound(_)) => {
            error(StatusCode::NOT_FOUND, "not_found", err.to_string())
        }
        Err(err @ SettleError::InvalidState(_)) => {
            error(StatusCode::CONFLICT, "invalid_state", err.to_string())
        }
        Err(err @ SettleError::Unsupported(_)) => {
            error(StatusCode::BAD_REQUEST, "unsupported", err.to_string())
        }
    }
}

fn clock_json(ctx: &Ctx) -> Value {
    json!({
        "now": ctx.now(),
        "offset_seconds": ctx.clock().offset().num_seconds(),
    })
}

async fn clock(State(control): State<Control>) -> Json<Value> {
    Json(clock_json(&control.ctx))
}

#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

async fn advance_clock(
    State(control): State<Control>,
    body: Result<Json<AdvanceRequest>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_json(rejection),
    };
    control
        .ctx
        .clock()
        .advance(Duration::from_secs(request.seconds));
    Json(clock_json(&control.ctx)).into_response()
}

async fn list_faults(State(control): State<Control>) -> Json<Value> {
    Json(json!(control.ctx.faults().list()))
}

async fn add_fault(
    State(control): State<Control>,
    body: Result<Json<Fault>, JsonRejection>,
) -> Response {
    let Json(fault) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_json(rejection),
    };
    if fault.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_fault",
            "probability must be within 0.0..=1.0",
        );
    }
    let id = control.ctx.faults().add(fault);
    (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
}

async fn clear_faults(State(control): State<Control>) -> StatusCode {
    control.ctx.faults().clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(State(control): State<Control>, Path(id): Path<u64>) -> Response {
    if control.ctx.faults().remove(FaultId(id)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no active fault {id}"),
        )
    }
}

#[derive(Deserialize)]
struct DeliveryFilter {
    api: Option<String>,
    webhook_id: Option<String>,
}

async fn list_deliveries(
    State(control): State<Control>,
    Query(filter): Query<DeliveryFilter>,
) -> Response {
    let api: Option<Api> = match filter.api.as_deref().map(str::parse).transpose() {
        Ok(api) => api,
        Err(message) => return error(StatusCode::BAD_REQUEST, "unknown_api", message),
    };
    let deliveries: Vec<_> = control
        .ctx
        .webhooks()
        .deliveries()
        .into_iter()
        .filter(|delivery| api.is_none_or(|api| delivery.api == api))
        .filter(|delivery| {
            filter
                .webhook_id
                .as_deref()
                .is_none_or(|id| delivery.webhook_id == id)
        })
        .collect();
    Json(json!(deliveries)).into_response()
}

async fn clear_deliveries(State(control): State<Control>) -> StatusCode {
    control.ctx.webhooks().clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ReceiverRequest {
    api: Option<String>,
    url: Option<String>,
}

async fn set_receiver(
    State(control): State<Control>,
    body: Result<Json<ReceiverRequest>, JsonRejection>,
) -> Response {
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => return bad_json(rejection),
    };
    let api: Option<Api> = match request.api.as_deref().map(str::parse).transpose() {
        Ok(api) => api,
        Err(message) => return error(StatusCode::BAD_REQUEST, "unknown_api", message),
    };
    if let Some(url) = &request.url
        && let Err(why) = control.ctx.webhooks().check_receiver(url)
    {
        return error(StatusCode::BAD_REQUEST, "receiver_not_allowed", why);
    }
    control.ctx.webhooks().set_receiver(api, request.url);
    StatusCode::NO_CONTENT.into_response()
}
