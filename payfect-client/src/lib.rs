//! Typed client for Payfect crypto checkouts, generated at build time from
//! `specs/payfect.yaml`.

// The only clippy exemption in the crate: generated code follows progenitor's style.
#[allow(clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/payfect.rs"));
}
pub use generated::*;
