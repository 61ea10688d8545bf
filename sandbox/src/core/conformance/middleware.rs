//! The axum layer that puts every request (and, when asked, every reply) through the spec.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Conformance, Rule, Violation};
use crate::core::MAX_BODY;
use crate::core::fake::FakeApi;
use crate::core::request_id::RequestId;

/// Refuses a request body over [`MAX_BODY`] with 413 in `fake`'s error envelope, before any
/// other layer (idempotent replay, the spec check) or handler reads it. Outermost, so that one
/// limit and one reply hold for every route of every API.
pub fn limit_body(routes: Router, fake: Arc<dyn FakeApi>) -> Router {
    routes.layer(axum::middleware::from_fn_with_state(fake, limit))
}

async fn limit(State(fake): State<Arc<dyn FakeApi>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => next.run(Request::from_parts(parts, Body::from(body))).await,
        Err(_) => too_large(fake.as_ref(), &request_id(&parts)),
    }
}

/// The provider's own refusal, as for a rule the spec states; only the status says "too large".
fn too_large(fake: &dyn FakeApi, rid: &RequestId) -> Response {
    let violation = Violation::new(
        Vec::new(),
        Rule::OutOfRange,
        format!("The request body is larger than {MAX_BODY} bytes."),
    );
    let mut response = fake.reject(rid, &[violation]);
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

fn request_id(parts: &axum::http::request::Parts) -> RequestId {
    parts
        .extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_default()
}

/// Checks every request of `routes` against `fake`'s spec before its handler runs, and with
/// `check_replies` every reply after.
pub fn apply(routes: Router, fake: Arc<dyn FakeApi>, check_replies: bool) -> Router {
    routes.layer(axum::middleware::from_fn_with_state(
        (fake, check_replies),
        middleware,
    ))
}

async fn middleware(
    State((fake, check_replies)): State<(Arc<dyn FakeApi>, bool)>,
    request: Request,
    next: Next,
) -> Response {
    let spec = Conformance::of(fake.api());
    let (parts, body) = request.into_parts();
    // `limit_body` outside this layer has already refused anything bigger.
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return too_large(fake.as_ref(), &request_id(&parts));
    };
    let rid = request_id(&parts);
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let violations = spec.check_request(&method, &path, parts.uri.query(), &body);
    if !violations.is_empty() {
        return fake.reject(&rid, &violations);
    }
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    if !check_replies {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return conformance_error(&format!("the reply body could not be read: {e}")),
    };
    if let Err(why) = spec.check_reply(&method, &path, parts.status, &body) {
        tracing::error!(api = %fake.api(), %method, %path, "sandbox reply breaks the spec: {why}");
        return conformance_error(&why);
    }
    Response::from_parts(parts, Body::from(body))
}

fn conformance_error(why: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "sandbox_conformance_error": why })),
    )
        .into_response()
}
