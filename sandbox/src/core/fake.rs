//! The one shape every fake API has: its routes over its own state, how the core wraps them
//! (request ids, idempotent replay), and how a checkout is settled. The sandbox serves and
//! settles the four APIs through this trait alone.

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use serde_json::Value;

use super::conformance::Violation;
use super::idempotency::IdempotencyConfig;
use super::request_id::RequestId;
use super::{Api, Outcome, SettleError};

/// A fake of one provider API.
pub trait FakeApi: Send + Sync + 'static {
    /// Which API this is.
    fn api(&self) -> Api;

    /// Its routes, with the paths of its spec (relative to [`Api::prefix`]); each handler
    /// authenticates the request as the provider does before touching the state.
    fn routes(self: Arc<Self>) -> Router;

    /// Routes served under other prefixes than [`Api::prefix`], as `(prefix, routes)`: paths
    /// the provider serves outside its main base path.
    fn other_routes(self: Arc<Self>) -> Vec<(&'static str, Router)> {
        Vec::new()
    }

    /// The response header that carries the request id, if the provider sends one.
    fn request_id_header(&self) -> Option<&'static str> {
        None
    }

    /// Idempotent replay of POSTs, if the provider has idempotency keys.
    fn idempotency(&self) -> Option<IdempotencyConfig> {
        None
    }

    /// The provider's 400, in its own error envelope, for a request that breaks its spec
    /// (`violations` is never empty).
    fn reject(&self, request_id: &RequestId, violations: &[Violation]) -> Response;

    /// Completes, fails or cancels a checkout waiting for its customer, sends the provider's
    /// webhook, and returns the resource as the API would show it.
    fn settle(&self, id: &str, outcome: Outcome) -> Result<Value, SettleError>;
}
