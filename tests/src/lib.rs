//! Shared pieces of the end-to-end tests, and `probe`: a tiny generated client used to test the
//! shared runtime through real generated code.

pub mod probe;
