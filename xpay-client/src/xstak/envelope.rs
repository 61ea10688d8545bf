//! XStak's `{success, responseStatus, message, data}` envelope, opened by the runtime's one
//! unwrapper: `client.op().send().await.data()?` gives the payload, and `success: false`
//! (even on HTTP 200) is the provider's error.

use paygate_runtime::{Envelope, Opened};

use super::types;

macro_rules! envelope {
    ($($envelope:ident => $data:ty),* $(,)?) => {$(
        impl Envelope for types::$envelope {
            type Data = $data;
            type Error = types::ErrorResponse;
            fn open(self) -> Opened<$data, types::ErrorResponse> {
                match (self.success, self.data) {
                    (Some(true), Some(data)) => Opened::Data(data),
                    (Some(true), None) => {
                        Opened::Invalid("`success: true` but no `data` in the reply".into())
                    }
                    (success, _) => Opened::Refused(types::ErrorResponse {
                        success,
                        response_status: self.response_status,
                        message: self.message,
                        error: None,
                        data: None,
                    }),
                }
            }
        }
    )*};
}

envelope! {
    PaymentIntentResponse => types::PaymentIntent,
    RefundResponse => types::Refund,
    WalletSetupResponse => types::WalletSetup,
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

/// XStak's `responseStatus` is its code; the message is `message` or `error.message`.
impl paygate_runtime::ProviderError for types::ErrorResponse {
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.response_status.as_deref().map(Into::into)
    }

    fn message(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.reason().map(Into::into)
    }
}
