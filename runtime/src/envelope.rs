//! One unwrapper for the APIs that wrap every reply in an envelope (XStak's
//! `{success, message, data}`, FYATU's `{success, status, message, data, meta}`).
//!
//! A client implements [`Envelope`] for its envelope types; callers then write
//! `op.send().await.data()?` and get the payload, or this crate's [`Error`]: a
//! `success: false` reply (even on HTTP 200) is the provider's error, and a successful reply
//! without `data` is an undecodable one.

use crate::error::Error;
use progenitor_client::ResponseValue;

/// What an envelope held.
#[derive(Debug)]
pub enum Opened<D, E> {
    /// `success: true` with its payload.
    Data(D),
    /// `success: true` but no payload, or a payload that breaks a documented rule.
    Invalid(String),
    /// `success: false`: the provider's error, in its error schema.
    Refused(E),
}

/// An envelope type of an API whose error schema is `Self::Error`.
pub trait Envelope {
    /// The payload (`data`).
    type Data;
    /// The API's error body, built from an envelope that says `success: false`.
    type Error;
    /// Opens the envelope.
    fn open(self) -> Opened<Self::Data, Self::Error>;
}

/// `.data()` on what a generated `send()` returns.
pub trait EnvelopeExt<D, E> {
    /// The payload, or the error the envelope (or the call) carried.
    #[allow(clippy::result_large_err)]
    fn data(self) -> Result<D, Error<E>>;
}

impl<R: Envelope> EnvelopeExt<R::Data, R::Error> for Result<ResponseValue<R>, Error<R::Error>> {
    fn data(self) -> Result<R::Data, Error<R::Error>> {
        let reply = self?;
        let status = reply.status();
        // Opened in place, so that the headers are copied only for the error that keeps them,
        // not on every successful call.
        let opened = match reply
            .map::<_, _, std::convert::Infallible>(|envelope| Opening(envelope.open()))
        {
            Ok(opened) => opened,
            Err(never) => match never {},
        };
        let headers = matches!(opened.0, Opened::Refused(_)).then(|| opened.headers().clone());
        match opened.into_inner().0 {
            Opened::Data(d) => Ok(d),
            Opened::Invalid(reason) => Err(Error::Decode {
                status,
                reason,
                snippet: String::new(),
            }),
            Opened::Refused(body) => Err(Error::Api {
                status,
                body,
                headers: headers.unwrap_or_default(),
            }),
        }
    }
}

/// An [`Opened`] that `ResponseValue::map` can hold (it asks for `Debug`, which the payload
/// types need not have).
struct Opening<D, E>(Opened<D, E>);

impl<D, E> std::fmt::Debug for Opening<D, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opening")
    }
}
