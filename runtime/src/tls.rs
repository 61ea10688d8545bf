//! The rustls crypto provider behind every client's HTTPS.
//!
//! reqwest is built without a provider (`rustls-no-provider`) so that the choice stays the
//! user's: with the default `rustls-ring` feature the runtime installs *ring* as the process
//! default the first time it builds a `reqwest::Client`; a provider the application installed
//! first is kept. With `rustls-aws-lc-rs` reqwest brings its own; with neither, the
//! application installs one before building a client.

/// Makes *ring* the process's rustls provider if none is installed yet; does nothing
/// otherwise, and nothing at all without the `rustls-ring` feature.
///
/// Call it before building your own `reqwest::Client` (for a client's `http_client` setter)
/// when your application does not install a provider itself: reqwest panics without one.
pub fn install_default_provider() {
    #[cfg(feature = "rustls-ring")]
    {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // `Err` means another thread installed one in between, which is just as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    }
}
