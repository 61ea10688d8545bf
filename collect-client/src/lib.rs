//! Typed client for FYATU v3 collections ("Collect"), generated at build time from
//! `specs/collect.yaml`.

// The only clippy exemption in the crate: generated code follows progenitor's style.
#[allow(clippy::all, clippy::pedantic, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/collect.rs"));
}
pub use generated::*;
