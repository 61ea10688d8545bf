//! One id per API request, available to handlers (for the providers' body fields: XPay's
//! error `request_id`, FYATU's `meta.requestId`) and, where the provider sends one, as a
//! response header.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use http::request::Parts;

/// The id of the current request, `req_…`. Handlers extract it directly:
/// `async fn create(request_id: RequestId, …)`; both the header and the body then carry the
/// same value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh random id.
    pub fn new() -> Self {
        RequestId(super::new_id("req_"))
    }

    /// The id, `req_…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // Outside the layer (a bare router in a unit test) a fresh id is as good as any.
        Ok(parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_default())
    }
}

/// Gives every request under `router` a `RequestId`; with `header`, also sends it in that
/// response header unless the handler (or an idempotent replay) already set it.
pub fn apply(router: Router, header: Option<&'static str>) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        header,
        request_id_middleware,
    ))
}

async fn request_id_middleware(
    State(header): State<Option<&'static str>>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = RequestId::new();
    request.extensions_mut().insert(id.clone());
    let mut response = next.run(request).await;
    if let Some(name) = header
        && !response.headers().contains_key(name)
        && let Ok(value) = HeaderValue::from_str(id.as_str())
    {
        response.headers_mut().insert(name, value);
    }
    response
}
