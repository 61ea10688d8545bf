//! Auth, idempotency keys and transport for every generated operation.

use paygate_runtime::secret::bearer;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::AUTHORIZATION;
use reqwest::{Request, Response};

use super::auth::{ClientState, Mode};
use super::{Operations, generated};

impl ClientHooks<ClientState> for Operations {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let state = self.inner();
        let auth = bearer(&state.secret_key).map_err(|_| {
            progenitor_client::Error::Custom(
                "the secret key contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        request.headers_mut().insert(AUTHORIZATION, auth);
        if let Some(header) = &state.transport.idempotency_header {
            paygate_runtime::ensure_idempotency_key(request, header);
        }
        if state.live_mode_param
            && let Some(mode) = state.mode()
        {
            let live = if mode == Mode::Live { "true" } else { "false" };
            request
                .url_mut()
                .query_pairs_mut()
                .append_pair("liveMode", live);
        }
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        // XPay's reference never shows success codes and its framework answers creates with
        // `201`; the runtime reads any unlisted 2xx as the documented `200`.
        paygate_runtime::execute(
            self.client(),
            &self.inner().transport,
            request,
            info,
            generated::check_response,
        )
        .await
    }
}
