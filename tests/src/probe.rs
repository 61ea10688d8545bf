//! A generated client for `specs/probe.yaml`, wired to the runtime exactly as the real clients
//! are, so runtime behaviour (retries, hostile replies, diversion) is tested end to end.

#[allow(clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/probe.rs"));
}
pub use generated::*;

use paygate_runtime::Transport;
use progenitor_client::{ClientHooks, OperationInfo};

#[derive(Debug, Clone)]
pub struct ProbeState {
    pub transport: Transport,
}

impl ClientHooks<ProbeState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Some(h) = &self.inner().transport.idempotency_header {
            paygate_runtime::ensure_idempotency_key(request, h);
        }
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
            generated::check_response,
        )
        .await
    }
}

pub type Error = paygate_runtime::Error<types::Error>;
