//! A generated client for `specs/probe.yaml`, wired to the runtime exactly as the real clients
//! are, so runtime behaviour (retries, hostile replies, decoding) is tested end to end.

#[allow(clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/probe.rs"));
}
pub use generated::*;

use paygate_runtime::{Api, OperationInfo, Transport};
use std::convert::Infallible;

/// The probe client's state: only transport settings.
#[derive(Debug, Clone)]
pub struct ProbeState {
    /// Retry policy, idempotency header, reply cap.
    pub transport: Transport,
}

impl Api for Client {
    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn prepare(
        &self,
        request: &mut reqwest::Request,
        _op: &OperationInfo,
    ) -> Result<(), paygate_runtime::Error<Infallible>> {
        if let Some(h) = &self.inner.transport.idempotency_header {
            paygate_runtime::ensure_idempotency_key(request, h)?;
        }
        Ok(())
    }
}

/// The probe's error carries only a message.
impl paygate_runtime::ProviderError for types::Error {
    fn message(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.message.as_deref().map(Into::into)
    }
}
