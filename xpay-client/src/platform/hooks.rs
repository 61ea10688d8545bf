//! XPay's customization of the shared call path: the bearer key, an `Idempotency-Key` on every
//! write, and the optional `liveMode` query parameter.

use paygate_runtime::{Api, Error, OperationInfo, Transport};
use reqwest::Request;
use reqwest::header::AUTHORIZATION;
use std::convert::Infallible;

use super::auth::Mode;

impl Api for super::Operations {
    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn prepare(
        &self,
        request: &mut Request,
        _op: &OperationInfo,
    ) -> Result<(), Error<Infallible>> {
        let state = &self.inner;
        let auth = state.authorization.value().ok_or_else(|| {
            Error::InvalidRequest(
                "the secret key contains characters that cannot be sent in an HTTP header".into(),
            )
        })?;
        request.headers_mut().insert(AUTHORIZATION, auth);
        if let Some(header) = &state.transport.idempotency_header {
            paygate_runtime::ensure_idempotency_key(request, header)?;
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
}
