//! The generated client's hooks: the `Api-Key` header on every request, and the shared
//! runtime for sending (retries of safe requests, size cap, reply checking, tracing).
//!
//! Payfect does not say which 2xx its creates answer (the docs list only `200 OK`; a Django
//! REST Framework create view answers `201 Created`); the runtime reads any 2xx the spec does
//! not list as the documented one, so a created checkout never looks like an error.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::AUTHORIZATION;

use crate::Client;
use crate::auth::ClientState;

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let value = self
            .inner()
            .authorization()
            .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        paygate_runtime::execute(
            self.client(),
            &self.inner().transport,
            request,
            info,
            crate::generated::check_response,
        )
        .await
    }
}
