//! Building the generated (spec) types without naming every field, so that a new optional
//! field in a spec takes its default and needs no edit here.
//!
//! `build!(types::Collection { collection_id: id, amount: a })` calls the generated builder
//! (`types::Collection::builder().collection_id(id).amount(a)`) and converts it; a field the
//! sandbox leaves out is `None` (or the builder's default). The result is
//! `Result<T, BuildError>`: a required field left out is a sandbox bug, reported as a 500 in
//! the provider's envelope rather than a panic.

use std::fmt;

/// A generated object the sandbox could not build (a required field missing or invalid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the sandbox built an invalid object: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

/// Converts a generated builder into its type.
pub fn finish<T, B>(builder: B) -> Result<T, BuildError>
where
    B: TryInto<T>,
    B::Error: fmt::Display,
{
    builder.try_into().map_err(|e| BuildError(e.to_string()))
}

/// `build!(types::X { field: value, … })`: the generated builder of `X` with those fields set,
/// converted; `Result<types::X, BuildError>`.
#[macro_export]
macro_rules! build {
    ($($ty:ident)::+ { $($field:ident : $value:expr),* $(,)? }) => {
        $crate::core::build::finish::<$($ty)::+, _>($($ty)::+::builder()$(.$field($value))*)
    };
}
