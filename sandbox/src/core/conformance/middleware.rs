//! The axum layer that puts every request (and, when asked, every reply) through the spec.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Conformance, MAX_CHECKED_BODY, Rule, Violation};
use crate::core::fake::FakeApi;
use crate::core::request_id::RequestId;

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
    let Ok(body) = axum::body::to_bytes(body, MAX_CHECKED_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let rid = parts
        .extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_default();
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
