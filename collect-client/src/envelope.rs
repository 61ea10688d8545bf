//! FYATU wraps every reply in `{success, status, message, data, meta}`. This module unwraps it
//! to the typed `data` and checks the provider's promises on the way (see [`crate::money`]), so
//! a caller of the generated client gets the same guarantees as a caller of
//! [`CollectClient`](crate::CollectClient):
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
use progenitor_client::ResponseValue;

/// A success envelope and the type of its `data`.
pub trait Envelope {
    type Data: Checked;
    fn into_data(self) -> Self::Data;
    fn meta(&self) -> Option<&types::ResponseMeta>;
}

macro_rules! envelope {
    ($($envelope:ident => $data:ty),* $(,)?) => {$(
        impl Envelope for types::$envelope {
            type Data = $data;
            fn into_data(self) -> $data {
                self.data
            }
            fn meta(&self) -> Option<&types::ResponseMeta> {
                self.meta.as_ref()
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

/// `.data()` on the result of a generated call's `send()`: the error mapped to [`Error`], the
/// envelope unwrapped, the provider's invariants checked.
pub trait ResponseExt<T> {
    fn data(self) -> Result<T, Error>;
}

impl<En: Envelope> ResponseExt<En::Data>
    for Result<ResponseValue<En>, progenitor_client::Error<types::ErrorEnvelope>>
{
    fn data(self) -> Result<En::Data, Error> {
        let reply = self.map_err(from_generated)?;
        let status = reply.status();
        let data = reply.into_inner().into_data();
        data.check().map_err(|reason| Error::Decode {
            status,
            reason,
            snippet: String::new(),
        })?;
        Ok(data)
    }
}
