//! Unwrapping XStak's `{success, responseStatus, message, data}` envelope.

use super::{Error, ResponseValue, types};

/// A success envelope whose `data` is `Self::Data`.
pub trait Envelope {
    type Data;

    /// `(success, responseStatus, message, data)`.
    fn into_parts(
        self,
    ) -> (
        Option<bool>,
        Option<String>,
        Option<String>,
        Option<Self::Data>,
    );
}

impl Envelope for types::PaymentIntentResponse {
    type Data = types::PaymentIntent;

    fn into_parts(
        self,
    ) -> (
        Option<bool>,
        Option<String>,
        Option<String>,
        Option<Self::Data>,
    ) {
        (self.success, self.response_status, self.message, self.data)
    }
}

impl Envelope for types::RefundResponse {
    type Data = types::Refund;

    fn into_parts(
        self,
    ) -> (
        Option<bool>,
        Option<String>,
        Option<String>,
        Option<Self::Data>,
    ) {
        (self.success, self.response_status, self.message, self.data)
    }
}

/// `.data()` on the result of any `send()`: the envelope's typed `data`, or an [`Error`].
///
/// XStak can answer HTTP 200 with `success: false`; that becomes
/// [`Error::Api`](paygate_runtime::Error::Api) with status 200 and the provider's `message`,
/// exactly like a 4xx failure does.
pub trait EnvelopeExt<T> {
    // `Error` is the runtime error every client in the workspace returns from its calls.
    #[allow(clippy::result_large_err)]
    fn data(self) -> Result<T, Error>;
}

impl<R: Envelope> EnvelopeExt<R::Data>
    for Result<ResponseValue<R>, progenitor_client::Error<types::ErrorResponse>>
{
    #[allow(clippy::result_large_err)]
    fn data(self) -> Result<R::Data, Error> {
        let reply = self.map_err(|e| match e {
            // reqwest reports a body that failed to serialize (an amount a JavaScript number
            // cannot hold) as a "builder" error. Nothing was sent, so this is an invalid
            // request, not a transport failure of unknown outcome.
            progenitor_client::Error::CommunicationError(e) if e.is_builder() => {
                let reason = std::error::Error::source(&e)
                    .map_or_else(|| e.to_string(), ToString::to_string);
                Error::InvalidRequest(format!("request body not sent: {reason}"))
            }
            e => Error::from(e),
        })?;
        let status = reply.status();
        let headers = reply.headers().clone();
        let (success, response_status, message, data) = reply.into_inner().into_parts();
        match (success, data) {
            (Some(true), Some(data)) => Ok(data),
            (Some(true), None) => Err(Error::Decode {
                status,
                reason: "`success: true` but no `data` in the reply".to_owned(),
                snippet: String::new(),
            }),
            _ => Err(Error::Api {
                status,
                body: types::ErrorResponse {
                    success,
                    response_status,
                    message,
                    error: None,
                    data: None,
                },
                headers,
            }),
        }
    }
}

impl types::ErrorResponse {
    /// The provider's reason: `message`, else `error.message` (the shape XStak's SDK also
    /// reads).
    pub fn reason(&self) -> Option<&str> {
        self.message.as_deref().or_else(|| {
            self.error
                .as_ref()
                .and_then(|e| e.get("message"))
                .and_then(|m| m.as_str())
        })
    }
}
