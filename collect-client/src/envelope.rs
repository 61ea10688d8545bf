//! FYATU wraps every reply in `{success, status, message, data, meta}`. The runtime's one
//! unwrapper opens it ([`paygate_runtime::EnvelopeExt`]); opening also checks the provider's
//! promises (see [`crate::money`]), so a caller of the generated client gets the same
//! guarantees as a caller of [`CollectClient`](crate::CollectClient). [`ResponseExt::data`]
//! returns this crate's [`Error`], whose provider body can also carry an `orderId` conflict:
//!
//! ```no_run
//! # async fn demo(client: &collect_client::CollectClient) -> Result<(), collect_client::Error> {
//! use collect_client::ResponseExt;
//! let collection = client.raw().get_collection().collection_id("SCI679A1B2C3D4E5").send().await.data()?;
//! # Ok(()) }
//! ```

use crate::error::{Error, from_generated};
use crate::money::Checked;
use crate::types;
use paygate_runtime::{Envelope, EnvelopeExt, Opened, ResponseValue};

macro_rules! envelope {
    ($($envelope:ident => $data:ty),* $(,)?) => {$(
        impl Envelope for types::$envelope {
            type Data = $data;
            type Error = types::ErrorEnvelope;
            fn open(self) -> Opened<$data, types::ErrorEnvelope> {
                match self.data.check() {
                    Ok(()) => Opened::Data(self.data),
                    Err(reason) => Opened::Invalid(reason),
                }
            }
        }
    )*};
}

envelope! {
    TokenEnvelope => types::Token,
    RevokeEnvelope => types::Revocation,
    CheckoutSessionEnvelope => types::CheckoutSession,
    CollectionEnvelope => types::Collection,
    CollectionListEnvelope => types::CollectionList,
    RefundEnvelope => types::Refund,
    RefundListEnvelope => types::RefundList,
    RefundReasonListEnvelope => types::RefundReasonList,
}

/// `.data()` on what a generated `send()` returns, as this crate's [`Error`].
pub trait ResponseExt<T> {
    /// The checked `data`, or the error.
    #[allow(clippy::result_large_err)]
    fn data(self) -> Result<T, Error>;
}

impl<En: Envelope<Error = types::ErrorEnvelope>> ResponseExt<En::Data>
    for Result<ResponseValue<En>, paygate_runtime::Error<types::ErrorEnvelope>>
{
    fn data(self) -> Result<En::Data, Error> {
        EnvelopeExt::data(self).map_err(from_generated)
    }
}
