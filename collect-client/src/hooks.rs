//! FYATU's customization of the shared call path: the bearer JWT (obtained and renewed
//! single-flight by `auth::Auth`), one renewal when FYATU rejects a token, and creates that are
//! safe to repeat because FYATU deduplicates them by `orderId`.

use crate::auth::Auth;
use crate::operation_id;
use paygate_runtime::secret::SecretHeader;
use paygate_runtime::{Api, Error, OperationInfo, Strategy, Transport};
use reqwest::header::AUTHORIZATION;
use std::convert::Infallible;
use std::sync::Arc;

/// The generated client's inner state: transport settings and the token cache (shared by all
/// clones, so they share one token).
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) transport: Transport,
    pub(crate) auth: Arc<Auth>,
}

/// Operations that manage the token themselves and must not trigger (re-)authentication.
fn manages_token(op: &OperationInfo) -> bool {
    [
        operation_id::CREATE_TOKEN,
        operation_id::REFRESH_TOKEN,
        operation_id::REVOKE_TOKEN,
    ]
    .contains(&op.operation_id)
}

fn authorize(request: &mut reqwest::Request, token: &SecretHeader) -> bool {
    match token.value() {
        Some(value) => {
            request.headers_mut().insert(AUTHORIZATION, value);
            true
        }
        None => false,
    }
}

impl Api for crate::Client {
    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn prepare(
        &self,
        request: &mut reqwest::Request,
        op: &OperationInfo,
    ) -> Result<(), Error<Infallible>> {
        let auth = &self.inner.auth;
        let token = if op.operation_id == operation_id::CREATE_TOKEN {
            None
        } else if manages_token(op) {
            // These act on the token we hold, stale or not; renewing it first would defeat them.
            auth.current_token()
        } else {
            Some(
                auth.bearer(self)
                    .await
                    .map_err(|e| Error::Client(format!("authentication failed: {e}")))?,
            )
        };
        if let Some(token) = token
            && !authorize(request, &token)
        {
            return Err(Error::Client(
                "the access token is not a valid header value".into(),
            ));
        }
        Ok(())
    }

    async fn reauthorize(&self, request: &mut reqwest::Request, op: &OperationInfo) -> bool {
        if manages_token(op) {
            return false;
        }
        let auth = &self.inner.auth;
        if let Some(used) = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            auth.invalidate(used);
        }
        match auth.bearer(self).await {
            Ok(token) => {
                tracing::debug!(
                    api = "collect",
                    operation_id = op.operation_id,
                    "token rejected; retrying once with a new token"
                );
                authorize(request, &token)
            }
            // Re-authentication failed: the caller sees FYATU's original 401.
            Err(_) => false,
        }
    }

    fn strategy(&self, op: &OperationInfo) -> Strategy {
        // A repeated create finds its `orderId` taken and answers 409 DUPLICATE_REFERENCE,
        // which `create_collection` resolves to the collection the first attempt created.
        // Likewise a collection takes one refund: a repeated refund is told ALREADY_REFUNDED,
        // which `refund` resolves to the refund that exists.
        if op.operation_id == operation_id::CREATE_COLLECTION
            || op.operation_id == operation_id::CREATE_REFUND
        {
            Strategy::Deduplicated
        } else {
            Strategy::ByRequest
        }
    }
}
