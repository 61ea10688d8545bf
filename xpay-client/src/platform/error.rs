//! XPay's error envelope, read off [`Error`].
//!
//! Every non-2xx reply is `{"error": {type, code, message, param, doc_url}, "request_id"}`.
//! XPay advises branching on `type` first; codes grow over time, so both are open enums.
//! The runtime's accessors (`status()`, `code()`, `message()`, `request_id()`,
//! `retry_after()`, `outcome()`) read it through [`ProviderError`]; [`ApiErrorExt`] adds the
//! typed fields.

use std::borrow::Cow;
use std::fmt;

use paygate_runtime::ProviderError;

use super::{Error, Nullable, types};

/// XPay's typed error fields off an [`Error`]. All return `None` unless the error is the
/// provider's documented envelope.
///
/// ```no_run
/// # async fn demo(client: xpay_client::platform::Client) {
/// use xpay_client::platform::{ApiErrorExt, types::ErrorCode};
///
/// match client.get_refund().id("re_missing").send().await {
///     Err(e) if e.error_code() == Some(&ErrorCode::ResourceMissing) => {
///         eprintln!("no such refund (request {:?})", e.request_id())
///     }
///     Err(e) => eprintln!("{e}"),
///     Ok(refund) => println!("{:?}", refund.status),
/// }
/// # }
/// ```
pub trait ApiErrorExt {
    /// The whole envelope.
    fn api_body(&self) -> Option<&types::ErrorResponse>;
    /// `error.type`: `invalid_request_error`, …
    fn error_type(&self) -> Option<&types::ErrorType>;
    /// `error.code`: `parameter_missing`, `resource_missing`, …
    fn error_code(&self) -> Option<&types::ErrorCode>;
    /// `error.param`: the offending field as a path (`lineItems[0].price`).
    fn param(&self) -> Option<&str>;
}

impl ApiErrorExt for Error {
    fn api_body(&self) -> Option<&types::ErrorResponse> {
        self.api_error()
    }

    fn error_type(&self) -> Option<&types::ErrorType> {
        self.api_error().map(|b| &b.error.type_)
    }

    fn error_code(&self) -> Option<&types::ErrorCode> {
        self.api_error().and_then(|b| b.error.code.value())
    }

    fn param(&self) -> Option<&str> {
        self.api_error()
            .and_then(|b| b.error.param.value())
            .map(String::as_str)
    }
}

/// `type/code`, XPay's `message`, and its `request_id`.
impl ProviderError for types::ErrorResponse {
    fn code(&self) -> Option<Cow<'_, str>> {
        let e = &self.error;
        Some(match e.code.value() {
            Some(code) => format!("{}/{code}", e.type_).into(),
            None => e.type_.to_string().into(),
        })
    }

    fn message(&self) -> Option<Cow<'_, str>> {
        Some(self.error.message.as_str().into())
    }

    fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for types::ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = ProviderError::code(self) {
            write!(f, "{code}")?;
        }
        if let Some(message) = ProviderError::message(self) {
            write!(f, ": {message}")?;
        }
        if let Some(param) = self.error.param.value() {
            write!(f, " (param `{param}`)")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}
