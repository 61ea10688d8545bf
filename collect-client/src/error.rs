//! Errors: the runtime's [`paygate_runtime::Error`] carrying FYATU's error envelope as an
//! [`ApiError`] with its machine-readable `code`.
//!
//! ```
//! use collect_client::{Error, ErrorExt, types::ErrorCode};
//!
//! fn explain(e: &Error) -> &'static str {
//!     match e.error_code() {
//!         Some(ErrorCode::DuplicateReference) => "orderId already used",
//!         Some(ErrorCode::AuthInvalidCredentials) => "check appId / secretKey",
//!         Some(_) | None => "other",
//!     }
//! }
//! ```

use crate::types::{self, ErrorCode};
use std::fmt;

/// Every error a Collect call returns. `Error::Api { status, body, .. }` is a reply FYATU sent
/// with `success: false`; `body` is the typed [`ApiError`].
pub type Error = paygate_runtime::Error<ApiError>;

/// FYATU's error envelope, typed, plus what the client learnt while handling it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The body as FYATU sent it (boxed: it keeps every `Result` of the crate small).
    pub envelope: Box<types::ErrorEnvelope>,
    /// Set on the `409 DUPLICATE_REFERENCE` of
    /// [`CollectClient::create_collection`](crate::CollectClient::create_collection) when the
    /// existing collection with that `orderId` differs from the request.
    pub conflict: Option<Box<OrderIdConflict>>,
}

impl ApiError {
    /// The machine-readable code, wherever FYATU put it: top-level `code` or `error.code`.
    /// Unconfirmed which one v3 uses; both are read.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.envelope
            .code
            .as_ref()
            .or_else(|| self.envelope.error.as_ref().and_then(|e| e.code.as_ref()))
    }

    /// Whether the code is `code`.
    pub fn is(&self, code: &ErrorCode) -> bool {
        self.code() == Some(code)
    }

    /// The human-readable message (`message`, else `error.detail`).
    pub fn message(&self) -> Option<&str> {
        self.envelope.message.as_deref().or_else(|| {
            self.envelope
                .error
                .as_ref()
                .and_then(|e| e.detail.as_deref())
        })
    }

    /// `meta.requestId`; quote it to FYATU support.
    pub fn request_id(&self) -> Option<&str> {
        self.envelope
            .meta
            .as_ref()
            .and_then(|m| m.request_id.as_deref())
    }

    /// The fields a `VALIDATION_ERROR` names, when FYATU lists them.
    pub fn fields(&self) -> &[types::ErrorFieldDetail] {
        self.envelope
            .error
            .as_ref()
            .map_or(&[], |e| e.fields.as_slice())
    }

    /// The existing collection behind a conflicting `orderId`, see [`ApiError::conflict`].
    pub fn conflict(&self) -> Option<&OrderIdConflict> {
        self.conflict.as_deref()
    }
}

impl From<types::ErrorEnvelope> for ApiError {
    fn from(envelope: types::ErrorEnvelope) -> Self {
        ApiError {
            envelope: Box::new(envelope),
            conflict: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(code) => write!(f, "{code}")?,
            None => f.write_str("error without code")?,
        }
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        if let Some(conflict) = self.conflict() {
            write!(f, " ({conflict})")?;
        }
        Ok(())
    }
}

/// A create whose `orderId` already belongs to a collection with a different amount or
/// description: retrying cannot succeed, and the existing collection is not the one asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderIdConflict {
    /// The `orderId` of the create.
    pub order_id: String,
    /// The collection FYATU holds under that `orderId`.
    pub existing: types::Collection,
    /// Which requested fields differ: `"amount"`, `"description"`.
    pub mismatched: Vec<&'static str>,
}

impl fmt::Display for OrderIdConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "orderId {:?} belongs to collection {} with a different {}",
            self.order_id,
            self.existing.collection_id,
            self.mismatched.join(" and ")
        )
    }
}

/// Shortcuts on [`Error`] (a type alias of the runtime's error, so they live in a trait).
pub trait ErrorExt {
    /// FYATU's typed error code, if the error is a FYATU error reply.
    fn error_code(&self) -> Option<&ErrorCode>;
    /// Whether FYATU answered with `code`.
    fn is_code(&self, code: &ErrorCode) -> bool {
        self.error_code() == Some(code)
    }
    /// The existing collection behind a conflicting `orderId`.
    fn order_id_conflict(&self) -> Option<&OrderIdConflict>;
}

impl ErrorExt for Error {
    fn error_code(&self) -> Option<&ErrorCode> {
        self.api_error().and_then(ApiError::code)
    }

    fn order_id_conflict(&self) -> Option<&OrderIdConflict> {
        self.api_error().and_then(ApiError::conflict)
    }
}

/// Converts a generated call's error.
/// The generated operations' error, with its body wrapped for this crate's helpers.
pub(crate) fn from_generated(e: paygate_runtime::Error<types::ErrorEnvelope>) -> Error {
    e.map_api(ApiError::from)
}

/// FYATU's `code`, its `message` (or `error.detail`), and `meta.requestId`.
impl paygate_runtime::ProviderError for types::ErrorEnvelope {
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.code
            .as_ref()
            .or_else(|| self.error.as_ref().and_then(|e| e.code.as_ref()))
            .map(|c| c.to_string().into())
    }

    fn message(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.message
            .as_deref()
            .or_else(|| self.error.as_ref().and_then(|e| e.detail.as_deref()))
            .map(Into::into)
    }

    fn request_id(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.request_id.as_deref())
    }
}

/// The envelope's fields, plus the conflict when there is one.
impl paygate_runtime::ProviderError for ApiError {
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        paygate_runtime::ProviderError::code(&*self.envelope)
    }

    fn message(&self) -> Option<std::borrow::Cow<'_, str>> {
        let message = paygate_runtime::ProviderError::message(&*self.envelope);
        match (&self.conflict, message) {
            (Some(c), Some(m)) => Some(format!("{m} ({c})").into()),
            (Some(c), None) => Some(c.to_string().into()),
            (None, m) => m,
        }
    }

    fn request_id(&self) -> Option<&str> {
        paygate_runtime::ProviderError::request_id(&*self.envelope)
    }
}
