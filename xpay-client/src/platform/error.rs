//! XPay's error envelope, read off [`Error`].
//!
//! Every non-2xx reply is `{"error": {type, code, message, param, doc_url}, "request_id"}`.
//! XPay advises branching on `type` first; codes grow over time, so both are open enums.

use std::fmt;

use super::{Error, types};

/// Reads XPay's error fields off an [`Error`] (or the generated error `send()` returns). All
/// return `None` unless the error is the provider's documented envelope.
///
/// ```no_run
/// # async fn demo(client: xpay_client::platform::Client) {
/// use xpay_client::platform::{ApiErrorExt, types::ErrorCode};
///
/// match client.get_refund().id("re_missing").send().await {
///     Err(e) if e.code() == Some(&ErrorCode::ResourceMissing) => {
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
    fn code(&self) -> Option<&types::ErrorCode>;
    /// `error.message`, for people.
    fn message(&self) -> Option<&str>;
    /// `error.param`: the offending field as a path (`lineItems[0].price`).
    fn param(&self) -> Option<&str>;
    /// `request_id` from the body, else from a `request-id` response header.
    fn request_id(&self) -> Option<&str>;
}

impl ApiErrorExt for Error {
    fn api_body(&self) -> Option<&types::ErrorResponse> {
        self.api_error()
    }

    fn error_type(&self) -> Option<&types::ErrorType> {
        self.api_error().map(|b| &b.error.type_)
    }

    fn code(&self) -> Option<&types::ErrorCode> {
        self.api_error().and_then(|b| b.error.code.as_ref())
    }

    fn message(&self) -> Option<&str> {
        self.api_error().map(|b| b.error.message.as_str())
    }

    fn param(&self) -> Option<&str> {
        self.api_error().and_then(|b| b.error.param.as_deref())
    }

    fn request_id(&self) -> Option<&str> {
        match self {
            paygate_runtime::Error::Api { body, headers, .. } => body
                .request_id
                .as_deref()
                .or_else(|| headers.get("request-id").and_then(|v| v.to_str().ok())),
            _ => None,
        }
    }
}

/// The same accessors on what `send()` returns, before it is converted into [`Error`].
impl ApiErrorExt for progenitor_client::Error<types::ErrorResponse> {
    fn api_body(&self) -> Option<&types::ErrorResponse> {
        match self {
            progenitor_client::Error::ErrorResponse(rv) => Some(rv),
            _ => None,
        }
    }

    fn error_type(&self) -> Option<&types::ErrorType> {
        self.api_body().map(|b| &b.error.type_)
    }

    fn code(&self) -> Option<&types::ErrorCode> {
        self.api_body().and_then(|b| b.error.code.as_ref())
    }

    fn message(&self) -> Option<&str> {
        self.api_body().map(|b| b.error.message.as_str())
    }

    fn param(&self) -> Option<&str> {
        self.api_body().and_then(|b| b.error.param.as_deref())
    }

    fn request_id(&self) -> Option<&str> {
        match self {
            progenitor_client::Error::ErrorResponse(rv) => rv
                .request_id
                .as_deref()
                .or_else(|| rv.headers().get("request-id").and_then(|v| v.to_str().ok())),
            _ => None,
        }
    }
}

impl fmt::Display for types::ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.error;
        write!(f, "{}", e.type_)?;
        if let Some(code) = &e.code {
            write!(f, "/{code}")?;
        }
        write!(f, ": {}", e.message)?;
        if let Some(param) = &e.param {
            write!(f, " (param `{param}`)")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [{id}]")?;
        }
        Ok(())
    }
}
