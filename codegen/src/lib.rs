//! Build-time client generator.
//!
//! A client's `build.rs` is one line:
//!
//! ```no_run
//! paygate_codegen::Build::new("spec/payfect.yaml").out_file("payfect.rs").run();
//! ```
//!
//! It reads the YAML spec with `openapiv3`, enforces the project's spec rules ([`lint`]), and asks
//! progenitor for a builder-style client whose hooks are mandatory (`HooksMode::Expected`), so no
//! client can be built without its hand-written auth and transport layer. On top of progenitor's
//! output it adds what progenitor cannot do:
//!
//! - named string enums become *open* enums with an `Unknown(String)` variant;
//! - `format: decimal` components become exact decimals instead of `f64`;
//! - `nullable` fields become `Option<Option<T>>` (`nullable.rs`), so both `null` and an absent
//!   key survive a round trip;
//! - every `send()` ends in the runtime's one call path and returns its `Error` (`glue.rs`):
//!   one retry loop, one decode, no second parse by progenitor's tail;
//! - `SENSITIVE_KEYS` from `x-sensitive`, `operation_id::*` constants, and `OPERATIONS`, the
//!   spec's operation table.
//!
//! Where the generated code is mounted is read from the spec's `x-codegen` block, so
//! `cargo run -p paygate-codegen -- render <spec>` prints exactly what the build compiles.
#![deny(missing_docs)]

mod bodies;
mod builders;
mod constraints;
mod constructors;
mod derives;
mod events;
mod glue;
pub mod lint;
mod nullable;
mod open_enum;
mod paths;
mod setters;
mod summary;

use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type, VariantOrUnknownOrEmpty};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::quote;
use std::fmt;
use std::path::{Path, PathBuf};

pub use lint::Violation;
pub use summary::summary;

/// Everything that can stop generation, with the spec file named.
#[derive(Debug)]
pub enum CodegenError {
    /// The spec file could not be read.
    Read(PathBuf, std::io::Error),
    /// The file is not a valid OpenAPI 3.0 document (the parser's message).
    Parse(PathBuf, String),
    /// The spec breaks the project's spec rules ([`lint`]); every violation found.
    Lint(PathBuf, Vec<Violation>),
    /// The `x-codegen` extension is missing `module` or is otherwise unusable.
    Config(PathBuf, String),
    /// progenitor could not generate the client (its message).
    Generate(PathBuf, String),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Read(p, e) => write!(f, "{}: cannot read spec: {e}", p.display()),
            CodegenError::Parse(p, e) => {
                write!(f, "{}: not a valid OpenAPI 3.0 document: {e}", p.display())
            }
            CodegenError::Lint(p, v) => {
                writeln!(f, "{}: {} spec rule violation(s):", p.display(), v.len())?;
                for v in v {
                    writeln!(f, "  {}{v}", p.display())?;
                }
                Ok(())
            }
            CodegenError::Config(p, e) => write!(f, "{}: x-codegen: {e}", p.display()),
            CodegenError::Generate(p, e) => write!(f, "{}: progenitor failed: {e}", p.display()),
        }
    }
}

impl std::error::Error for CodegenError {}

/// Reads and parses a YAML (or JSON) OpenAPI document.
pub fn load(path: &Path) -> Result<OpenAPI, CodegenError> {
    let text = std::fs::read_to_string(path).map_err(|e| CodegenError::Read(path.into(), e))?;
    serde_norway::from_str(&text).map_err(|e| CodegenError::Parse(path.into(), e.to_string()))
}

/// The spec as a JSON value, every key kept.
fn load_document(path: &Path) -> Result<serde_json::Value, CodegenError> {
    let text = std::fs::read_to_string(path).map_err(|e| CodegenError::Read(path.into(), e))?;
    serde_norway::from_str(&text).map_err(|e| CodegenError::Parse(path.into(), e.to_string()))
}

/// Where the generated code lives in its crate, from the spec's `x-codegen` extension:
///
/// ```yaml
/// x-codegen:
///   module: crate::platform            # the module that include!s the generated file
///   inner-type: crate::platform::ClientState   # optional: progenitor's `inner` type
/// ```
#[derive(Debug, Clone)]
pub struct Mount {
    /// Rust path of the module that `include!`s the generated file (`crate` by default).
    pub module: String,
    /// Rust path of progenitor's `inner` type, if the client carries state.
    pub inner_type: Option<String>,
}

fn mount(path: &Path, spec: &OpenAPI) -> Result<Mount, CodegenError> {
    let Some(cfg) = spec.extensions.get("x-codegen") else {
        return Ok(Mount {
            module: "crate".into(),
            inner_type: None,
        });
    };
    let get = |k: &str| cfg.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let module = get("module")
        .ok_or_else(|| CodegenError::Config(path.into(), "`module` is required".into()))?;
    Ok(Mount {
        module,
        inner_type: get("inner-type"),
    })
}

/// How a named component is turned into Rust when progenitor's default won't do.
#[derive(Debug, Clone)]
pub(crate) enum Mapping {
    /// `type: string, format: decimal`.
    DecimalString,
    /// `type: number, format: decimal`.
    DecimalNumber,
    /// A named string enum, generated open.
    OpenEnum(open_enum::OpenEnum),
    /// `x-rust-replace: path`.
    Replace(String),
}

pub(crate) fn mappings(spec: &OpenAPI) -> Vec<(String, Mapping)> {
    let mut out = Vec::new();
    let Some(components) = &spec.components else {
        return out;
    };
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        if let Some(path) = schema
            .schema_data
            .extensions
            .get("x-rust-replace")
            .and_then(|v| v.as_str())
        {
            out.push((name.clone(), Mapping::Replace(path.to_string())));
            continue;
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if is_decimal(&s.format) => {
                out.push((name.clone(), Mapping::DecimalString))
            }
            SchemaKind::Type(Type::Number(n)) if is_decimal(&n.format) => {
                out.push((name.clone(), Mapping::DecimalNumber))
            }
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let values = s.enumeration.iter().flatten().cloned().collect();
                out.push((
                    name.clone(),
                    Mapping::OpenEnum(open_enum::OpenEnum::from_schema(name, schema, values)),
                ));
            }
            _ => {}
        }
    }
    out
}

fn is_decimal<T>(f: &VariantOrUnknownOrEmpty<T>) -> bool {
    matches!(f, VariantOrUnknownOrEmpty::Unknown(s) if s == "decimal")
}

/// Generates the formatted client source for a spec. The spec is linted first.
pub fn generate(path: &Path) -> Result<String, CodegenError> {
    let spec = load(path)?;
    let violations = lint::lint(&spec);
    if !violations.is_empty() {
        return Err(CodegenError::Lint(path.into(), violations));
    }
    let mount = mount(path, &spec)?;
    let file = generate_file(path, &spec, &mount)?;
    Ok(format!(
        "// Generated by `codegen` from {}. Do not edit: change the spec and rebuild.\n\n{}",
        path.file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        prettyplease::unparse(&file)
    ))
}

pub(crate) fn generate_file(
    path: &Path,
    spec: &OpenAPI,
    mount: &Mount,
) -> Result<syn::File, CodegenError> {
    let inner_type: Option<TokenStream> = match &mount.inner_type {
        Some(inner) => Some(
            inner
                .parse()
                .map_err(|e| CodegenError::Config(path.into(), format!("inner-type: {e}")))?,
        ),
        None => {
            return Err(CodegenError::Config(
                path.into(),
                "`inner-type` is required: the client state implements `paygate_runtime::Api`"
                    .into(),
            ));
        }
    };
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap");
    if let Some(inner) = &inner_type {
        settings.with_inner_type(inner.clone());
    }
    let mut open_enums = Vec::new();
    for (name, mapping) in mappings(spec) {
        match mapping {
            Mapping::DecimalString => {
                settings.with_replacement(
                    &name,
                    "::rust_decimal::Decimal",
                    [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
                );
            }
            Mapping::DecimalNumber => {
                settings.with_replacement(
                    &name,
                    "::paygate_runtime::money::JsonDecimal",
                    [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
                );
            }
            Mapping::Replace(rust) => {
                settings.with_replacement(&name, rust, std::iter::empty());
            }
            Mapping::OpenEnum(e) => {
                settings.with_replacement(
                    &name,
                    format!("{}::types::{}", mount.module, e.name),
                    [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
                );
                open_enums.push(e);
            }
        }
    }

    // The document as written, not as `openapiv3` re-serializes it (that drops a `oneOf` or
    // `not` beside `properties`): the constant carries every rule, progenitor gets the relaxed
    // copy.
    let document = load_document(path)?;
    let spec_json = document.to_string();
    let mut spec =
        constraints::relax(document).map_err(|e| CodegenError::Generate(path.into(), e))?;
    nullable::require_nullable(&mut spec);
    let spec = &spec;
    let mut generator = Generator::new(&settings);
    // progenitor reports some spec problems by panicking; turn that into a build error that
    // names the spec instead of a backtrace.
    let tokens = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate_tokens(spec)
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into());
        CodegenError::Generate(path.into(), msg)
    })?
    .map_err(|e| CodegenError::Generate(path.into(), e.to_string()))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| CodegenError::Generate(path.into(), e.to_string()))?;
    let error_type =
        glue::rewrite_sends(&mut file).map_err(|e| CodegenError::Generate(path.into(), e))?;
    glue::drop_progenitor_items(&mut file);
    paths::path_parameters_checked(&mut file)
        .map_err(|e| CodegenError::Generate(path.into(), e))?;
    nullable::double_option_for_required_nullable(&mut file);
    setters::text_setters_take_str(&mut file);
    constructors::required_constructors(&mut file, &hand_constructors(spec));
    derives::json_schema_behind_feature(&mut file.items);
    bodies::bodies_hold_their_type(&mut file);
    builders::reply_writing_behind_feature(&mut file);

    // Open enums go inside `types`, beside the types that use them.
    let types = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    });
    match types {
        Some(items) => {
            for e in &open_enums {
                items.extend(parse_items(path, e.tokens())?);
            }
        }
        None if open_enums.is_empty() => {}
        None => {
            return Err(CodegenError::Generate(
                path.into(),
                "progenitor emitted no `types` module".into(),
            ));
        }
    }
    file.items.extend(parse_items(
        path,
        glue::tokens(spec, error_type.as_ref(), inner_type.as_ref()),
    )?);
    file.items
        .extend(parse_items(path, operations_table(spec))?);
    file.items.extend(parse_items(path, events::tokens(spec))?);
    file.items.extend(parse_items(
        path,
        quote! {
            /// The whole spec this module was generated from, as OpenAPI 3.0 JSON, every rule
            /// included (also those the types only state in their docs): for tools that check
            /// traffic against it, such as the sandbox. Costs nothing unless used.
            pub const OPENAPI_JSON: &str = #spec_json;
        },
    )?);
    Ok(file)
}

/// Generated types whose `new` the crate writes by hand (`x-codegen: {hand-constructors: [..]}`).
fn hand_constructors(spec: &OpenAPI) -> std::collections::BTreeSet<String> {
    spec.extensions
        .get("x-codegen")
        .and_then(|c| c.get("hand-constructors"))
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn parse_items(path: &Path, tokens: TokenStream) -> Result<Vec<syn::Item>, CodegenError> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| CodegenError::Generate(path.into(), e.to_string()))?;
    Ok(file.items)
}

/// `OPERATIONS`: `(operation_id, method, path)` of every operation, for coverage tests.
fn operations_table(spec: &OpenAPI) -> TokenStream {
    let ops = spec.operations().filter_map(|(path, method, op)| {
        let id = op.operation_id.as_ref()?;
        Some(quote! { (#id, #method, #path) })
    });
    quote! {
        /// Every operation of the spec: `(operation_id, method, path)`.
        pub const OPERATIONS: &[(&str, &str, &str)] = &[#(#ops),*];
    }
}

/// The `build.rs` entry point.
#[derive(Debug, Clone)]
pub struct Build {
    spec: PathBuf,
    out_file: String,
}

impl Build {
    /// `spec` is relative to the crate's manifest directory.
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        let spec = spec.into();
        let out_file = spec.file_stem().map_or_else(
            || "generated".into(),
            |s| s.to_string_lossy().replace('-', "_"),
        ) + ".rs";
        Build { spec, out_file }
    }

    /// File name inside `OUT_DIR` (default: the spec's stem with `.rs`).
    pub fn out_file(mut self, name: impl Into<String>) -> Self {
        self.out_file = name.into();
        self
    }

    /// Generates into `OUT_DIR`, or exits the build script with the reasons.
    pub fn run(self) {
        println!("cargo:rerun-if-changed={}", self.spec.display());
        // A spec symlinked into the crate: watch the file it points at as well.
        if let Ok(real) = std::fs::canonicalize(&self.spec) {
            println!("cargo:rerun-if-changed={}", real.display());
        }
        let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
        let result = generate(&self.spec).and_then(|code| {
            let out = out_dir
                .unwrap_or_else(|| PathBuf::from("."))
                .join(&self.out_file);
            std::fs::write(&out, code).map_err(|e| CodegenError::Read(out, e))
        });
        if let Err(e) = result {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
