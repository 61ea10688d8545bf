//! The hooks every generated call runs through: `pre` adds the bearer token, `exec` sends with
//! the shared runtime and re-authenticates once when FYATU rejects the token.

use crate::auth::Auth;
use crate::types;
use paygate_runtime::Transport;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;
use std::sync::Arc;

/// The generated client's inner state: transport settings and the token cache (shared by all
/// clones, so they share one token).
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) transport: Transport,
    pub(crate) auth: Arc<Auth>,
}

/// Operations that manage the token themselves and must not trigger (re-)authentication.
fn manages_token(operation_id: &str) -> bool {
    matches!(
        operation_id,
        "create_token" | "refresh_token" | "revoke_token"
    )
}

impl ClientHooks<ClientState> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let auth = &self.inner().auth;
        let token = match info.operation_id {
            "create_token" => None,
            // These act on the token we hold, stale or not; renewing it first would defeat them.
            "refresh_token" | "revoke_token" => auth.current_token(),
            _ => Some(auth.bearer(self).await.map_err(|e| {
                progenitor_client::Error::Custom(format!("authentication failed: {e}"))
            })?),
        };
        if let Some(token) = token {
            let value = paygate_runtime::secret::sensitive_header(&format!(
                "Bearer {}",
                token.expose_secret()
            ))
            .map_err(|_| {
                progenitor_client::Error::Custom(
                    "the access token is not a valid header value".into(),
                )
            })?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let state = self.inner();
        let again = if manages_token(info.operation_id) {
            None
        } else {
            request.try_clone()
        };
        let response = paygate_runtime::execute(
            self.client(),
            &state.transport,
            request,
            info,
            crate::generated::check_response,
        )
        .await?;
        let Some(mut again) = again else {
            return Ok(response);
        };
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let (response, rejected) = read_auth_rejection(response).await?;
        if !rejected {
            return Ok(response);
        }
        if let Some(used) = again
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            state.auth.invalidate(used);
        }
        let Ok(token) = state.auth.bearer(self).await else {
            // Re-authentication failed: the caller sees FYATU's original 401.
            return Ok(response);
        };
        let Ok(value) =
            paygate_runtime::secret::sensitive_header(&format!("Bearer {}", token.expose_secret()))
        else {
            return Ok(response);
        };
        again.headers_mut().insert(AUTHORIZATION, value);
        tracing::debug!(
            api = "collect",
            operation_id = info.operation_id,
            "token rejected; retrying once with a new token"
        );
        paygate_runtime::execute(
            self.client(),
            &state.transport,
            again,
            info,
            crate::generated::check_response,
        )
        .await
    }
}

/// Reads a 401 reply and tells whether FYATU rejected the token itself (`AUTH_TOKEN_INVALID`),
/// returning the reply rebuilt so the generated code can still parse it.
async fn read_auth_rejection(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bool)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let rejected = serde_json::from_slice::<types::ErrorEnvelope>(&body)
        .ok()
        .map(crate::error::ApiError::from)
        .is_some_and(|e| e.is(&types::ErrorCode::AuthTokenInvalid));
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), rejected))
}
