//! The hand-written baseline: what a careful engineer writes with `reqwest` + `serde_json` for
//! the same calls, sending the very same bytes as the generated clients (checked by
//! [`crate::identity`]).
//!
//! The baseline reuses the generated *data types* (request bodies, replies): the comparison is
//! about the client machinery (builders, hooks, the runtime's retry loop, reply checking,
//! envelopes), not about one `#[derive(Deserialize)]` against another. It does everything the
//! provider requires (auth headers, idempotency key, XStak's HMAC signature, the envelope's
//! `success` flag) and nothing more: no retries, no size cap, no tracing, one decode per reply.

use std::fmt;

use hmac::{Hmac, Mac};
use progenitor_client::ClientInfo;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use collect_client::types as collect;
use payfect_client::types as payfect;
use xpay_client::platform::types as platform;
use xpay_client::xstak::types as xstak;

use crate::fixtures;

/// Why a baseline call failed (never expected in a bench; checked at start).
#[derive(Debug)]
pub enum BaselineError {
    Http(reqwest::Error),
    Status(u16),
    Json(serde_json::Error),
    Envelope,
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaselineError::Http(e) => write!(f, "http: {e}"),
            BaselineError::Status(s) => write!(f, "status {s}"),
            BaselineError::Json(e) => write!(f, "json: {e}"),
            BaselineError::Envelope => f.write_str("success was not true"),
        }
    }
}

impl std::error::Error for BaselineError {}

impl From<reqwest::Error> for BaselineError {
    fn from(e: reqwest::Error) -> Self {
        BaselineError::Http(e)
    }
}

impl From<serde_json::Error> for BaselineError {
    fn from(e: serde_json::Error) -> Self {
        BaselineError::Json(e)
    }
}

const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Sends, reads the whole reply, requires `expected`, decodes once.
async fn call<T: DeserializeOwned>(
    request: reqwest::RequestBuilder,
    expected: u16,
) -> Result<T, BaselineError> {
    let response = request.send().await?;
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    if status != expected {
        return Err(BaselineError::Status(status));
    }
    Ok(serde_json::from_slice(&body)?)
}

fn sensitive(value: &str) -> HeaderValue {
    let mut v = HeaderValue::from_str(value).expect("bench credentials are header-safe");
    v.set_sensitive(true);
    v
}

fn api_version<C: ClientInfo<S>, S>() -> HeaderValue {
    HeaderValue::from_static(C::api_version())
}

/// XPay platform: bearer key, `Idempotency-Key` on writes.
#[derive(Clone)]
pub struct Xpay {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
    version: HeaderValue,
}

impl Xpay {
    pub fn new(http: reqwest::Client, base: String) -> Self {
        Xpay {
            http,
            base,
            auth: sensitive(&format!("Bearer {}", fixtures::XPAY_SECRET_KEY)),
            version: api_version::<xpay_client::platform::Operations, _>(),
        }
    }

    pub async fn create_checkout_session(
        &self,
        body: &platform::CreateCheckoutSessionRequest,
    ) -> Result<platform::CheckoutSession, BaselineError> {
        let request = self
            .http
            .post(format!("{}/checkout/sessions", self.base))
            .header(ACCEPT, JSON)
            .json(body)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header("idempotency-key", uuid::Uuid::new_v4().to_string());
        call(request, 200).await
    }

    pub async fn get_checkout_session(
        &self,
        id: &str,
    ) -> Result<platform::CheckoutSession, BaselineError> {
        let request = self
            .http
            .get(format!("{}/checkout/sessions/{id}", self.base))
            .header(ACCEPT, JSON)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.auth.clone());
        call(request, 200).await
    }
}

/// XPay by XStak: key and account headers, `x-signature` = hex HMAC-SHA256 of the body.
#[derive(Clone)]
pub struct Xstak {
    http: reqwest::Client,
    base: String,
    api_key: HeaderValue,
    account_id: HeaderValue,
    version: HeaderValue,
    /// Off only for the signing-overhead bench.
    pub sign: bool,
}

impl Xstak {
    pub fn new(http: reqwest::Client, base: String) -> Self {
        Xstak {
            http,
            base,
            api_key: sensitive(fixtures::XSTAK_API_KEY),
            account_id: sensitive(fixtures::XSTAK_ACCOUNT_ID),
            version: api_version::<xpay_client::xstak::Client, _>(),
            sign: true,
        }
    }

    pub async fn create_checkout_link(
        &self,
        body: &xstak::CheckoutRequest,
    ) -> Result<xstak::PaymentIntent, BaselineError> {
        let bytes = serde_json::to_vec(body)?;
        let mut request = self
            .http
            .post(format!("{}/public/v1/payment/checkout", self.base))
            .header(ACCEPT, JSON)
            .header(reqwest::header::CONTENT_TYPE, JSON)
            .header(API_VERSION, self.version.clone())
            .header("x-api-key", self.api_key.clone())
            .header("x-account-id", self.account_id.clone())
            .header("x-idempotency-key", uuid::Uuid::new_v4().to_string());
        if self.sign {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(fixtures::XSTAK_API_HMAC_SECRET.as_bytes())
                    .expect("HMAC takes keys of any length");
            mac.update(&bytes);
            let signature = hex::encode(mac.finalize().into_bytes());
            request = request.header("x-signature", sensitive(&signature));
        }
        let reply: xstak::PaymentIntentResponse = call(request.body(bytes), 200).await?;
        unwrap_xstak(reply)
    }

    pub async fn retrieve_payment_intent(
        &self,
        id: &str,
    ) -> Result<xstak::PaymentIntent, BaselineError> {
        let request = self
            .http
            .get(format!(
                "{}/public/v1/payment/intent/details/{id}",
                self.base
            ))
            .header(ACCEPT, JSON)
            .header(API_VERSION, self.version.clone())
            .header("x-api-key", self.api_key.clone())
            .header("x-account-id", self.account_id.clone());
        unwrap_xstak(call(request, 200).await?)
    }
}

fn unwrap_xstak(
    reply: xstak::PaymentIntentResponse,
) -> Result<xstak::PaymentIntent, BaselineError> {
    match (reply.success, reply.data) {
        (Some(true), Some(data)) => Ok(data),
        _ => Err(BaselineError::Envelope),
    }
}

/// Collect (FYATU v3): a bearer JWT fetched once and kept.
#[derive(Clone)]
pub struct Collect {
    http: reqwest::Client,
    base: String,
    token: HeaderValue,
    version: HeaderValue,
}

impl Collect {
    /// Exchanges the app's credentials for a token, as a hand-written client does at start-up.
    pub async fn connect(http: reqwest::Client, base: String) -> Result<Self, BaselineError> {
        let version = api_version::<collect_client::Client, _>();
        let credentials = serde_json::json!({
            "appId": fixtures::COLLECT_APP_ID,
            "secretKey": fixtures::COLLECT_SECRET_KEY,
            "grantType": "client_credentials",
        });
        let request = http
            .post(format!("{base}/auth/token"))
            .header(ACCEPT, JSON)
            .header(API_VERSION, version.clone())
            .json(&credentials);
        let reply: collect::TokenEnvelope = call(request, 200).await?;
        let token = sensitive(&format!(
            "Bearer {}",
            reply.data.access_token.expose_secret()
        ));
        Ok(Collect {
            http,
            base,
            token,
            version,
        })
    }

    pub async fn create_collection(
        &self,
        body: &collect::CreateCollectionRequest,
    ) -> Result<collect::CheckoutSession, BaselineError> {
        let request = self
            .http
            .post(format!("{}/collections", self.base))
            .header(ACCEPT, JSON)
            .json(body)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.token.clone());
        let reply: collect::CheckoutSessionEnvelope = call(request, 201).await?;
        Ok(reply.data)
    }

    pub async fn get_collection(&self, id: &str) -> Result<collect::Collection, BaselineError> {
        let request = self
            .http
            .get(format!("{}/collections/{id}", self.base))
            .header(ACCEPT, JSON)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.token.clone());
        let reply: collect::CollectionEnvelope = call(request, 200).await?;
        Ok(reply.data)
    }
}

/// Payfect: `Authorization: Api-Key …`.
#[derive(Clone)]
pub struct Payfect {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
    version: HeaderValue,
}

impl Payfect {
    pub fn new(http: reqwest::Client, base: String) -> Self {
        Payfect {
            http,
            base,
            auth: sensitive(&format!("Api-Key {}", fixtures::PAYFECT_API_KEY)),
            version: api_version::<payfect_client::Client, _>(),
        }
    }

    pub async fn create_checkout(
        &self,
        body: &payfect::CreateCheckoutRequest,
    ) -> Result<payfect::Checkout, BaselineError> {
        let request = self
            .http
            .post(format!("{}/v1/checkouts/", self.base))
            .header(ACCEPT, JSON)
            .json(body)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.auth.clone());
        call(request, 200).await
    }

    pub async fn retrieve_checkout(&self, id: &str) -> Result<payfect::Checkout, BaselineError> {
        let request = self
            .http
            .get(format!("{}/v1/checkouts/{id}/", self.base))
            .header(ACCEPT, JSON)
            .header(API_VERSION, self.version.clone())
            .header(AUTHORIZATION, self.auth.clone());
        call(request, 200).await
    }
}
