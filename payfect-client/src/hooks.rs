//! Payfect's customization of the shared call path: the `Api-Key` header on every request.
//!
//! Payfect does not say which 2xx its creates answer (the docs list only `200 OK`; a Django
//! REST Framework create view answers `201 Created`); the runtime reads any 2xx as the
//! documented success, so a created checkout never looks like an error.

use paygate_runtime::{Api, Error, OperationInfo, Transport};
use reqwest::header::AUTHORIZATION;
use std::convert::Infallible;

impl Api for crate::Client {
    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn prepare(
        &self,
        request: &mut reqwest::Request,
        _op: &OperationInfo,
    ) -> Result<(), Error<Infallible>> {
        let value = self
            .inner
            .authorization()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}
