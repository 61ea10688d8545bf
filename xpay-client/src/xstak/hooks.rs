//! The request hooks: authentication, idempotency key and signature on the way out; the shared
//! runtime on the way back.

use paygate_runtime::ExposeSecret;
use paygate_runtime::secret::sensitive_header;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use super::auth::IDEMPOTENCY_HEADER;
use super::{Client, ClientState, generated, signing};

const API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const ACCOUNT_ID: HeaderName = HeaderName::from_static("x-account-id");
const SIGNATURE: HeaderName = HeaderName::from_static("x-signature");

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let credentials = &self.inner().credentials;
        for (name, value, what) in [
            (API_KEY, &credentials.secret_key, "secret key"),
            (ACCOUNT_ID, &credentials.account_id, "account id"),
        ] {
            let Ok(value) = sensitive_header(value.expose_secret()) else {
                return Err(progenitor_client::Error::Custom(format!(
                    "the XStak {what} contains characters not allowed in an HTTP header"
                )));
            };
            request.headers_mut().insert(name, value);
        }

        if request.method() == Method::GET {
            return Ok(());
        }
        // One key per call, reused by every retry of it.
        paygate_runtime::ensure_idempotency_key(request, &IDEMPOTENCY_HEADER);

        // XStak checks the signature over JSON.stringify(JSON.parse(body)): send and sign
        // exactly those bytes in place of serde_json's.
        let body: &[u8] = match request.body() {
            None => b"",
            Some(body) => body.as_bytes().ok_or_else(|| {
                progenitor_client::Error::Custom(
                    "cannot sign a streaming request body for XStak".to_owned(),
                )
            })?,
        };
        let (body, signature) = signing::canonical_signed_body(&credentials.api_hmac_secret, body)
            .map_err(|e| progenitor_client::Error::InvalidRequest(e.to_string()))?
            .into_parts();
        if !body.is_empty() {
            *request.body_mut() = Some(body.into());
        }
        let mut value = HeaderValue::from_str(&signature).map_err(|_| {
            progenitor_client::Error::Custom("signature is not a header value".to_owned())
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert(SIGNATURE, value);
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
