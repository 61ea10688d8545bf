//! XStak's customization of the shared call path: `x-api-key` and `x-account-id` on every
//! request, and on writes an idempotency key and the `x-signature` HMAC over the exact body
//! bytes sent.

use paygate_runtime::{Api, Error, OperationInfo, Transport};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use std::convert::Infallible;

use super::auth::IDEMPOTENCY_HEADER;
use super::signing;

const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const ACCOUNT_ID: HeaderName = HeaderName::from_static("x-account-id");
const SIGNATURE: HeaderName = HeaderName::from_static("x-signature");

impl Api for super::Client {
    fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    async fn prepare(
        &self,
        request: &mut reqwest::Request,
        _op: &OperationInfo,
    ) -> Result<(), Error<Infallible>> {
        let state = &self.inner;
        for (name, value, what) in [
            (API_KEY, &state.api_key, "secret key"),
            (ACCOUNT_ID, &state.account_id, "account id"),
        ] {
            let Some(value) = value.value() else {
                return Err(Error::InvalidRequest(format!(
                    "the XStak {what} contains characters not allowed in an HTTP header"
                )));
            };
            request.headers_mut().insert(name, value);
        }

        if request.method() == Method::GET {
            return Ok(());
        }
        // One key per call, reused by every retry of it.
        paygate_runtime::ensure_idempotency_key(request, &IDEMPOTENCY_HEADER)?;

        // XStak checks the signature over JSON.stringify(JSON.parse(body)): send and sign
        // exactly those bytes in place of serde_json's.
        let body: &[u8] = match request.body() {
            None => b"",
            Some(body) => body.as_bytes().ok_or_else(|| {
                Error::Client("cannot sign a streaming request body for XStak".to_owned())
            })?,
        };
        let (body, signature) =
            signing::canonical_signed_body(&state.credentials.api_hmac_secret, body)
                .map_err(|e| Error::InvalidRequest(e.to_string()))?
                .into_parts();
        if !body.is_empty() {
            *request.body_mut() = Some(body.into());
        }
        let mut value = HeaderValue::from_str(&signature)
            .map_err(|_| Error::Client("signature is not a header value".to_owned()))?;
        value.set_sensitive(true);
        request.headers_mut().insert(SIGNATURE, value);
        Ok(())
    }
}
