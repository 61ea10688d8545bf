//! `codegen render <spec>`: print the Rust a client crate compiles from a spec.
//! `codegen summary <spec>`: print the reviewable API summary kept as a snapshot in `tests/`.
//! `codegen lint <spec>`: check the spec rules only.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, spec) = match args.as_slice() {
        [cmd, spec] => (cmd.as_str(), Path::new(spec)),
        _ => {
            eprintln!("usage: codegen <render|summary|lint> <spec.yaml>");
            return ExitCode::from(2);
        }
    };
    let result = match cmd {
        "render" => paygate_codegen::generate(spec),
        "summary" => paygate_codegen::summary(spec),
        "lint" => paygate_codegen::load(spec).and_then(|s| {
            let v = paygate_codegen::lint::lint(&s);
            if v.is_empty() {
                Ok(format!("{}: ok\n", spec.display()))
            } else {
                Err(paygate_codegen::CodegenError::Lint(spec.into(), v))
            }
        }),
        other => {
            eprintln!(
                "unknown command `{other}`; usage: codegen <render|summary|lint> <spec.yaml>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
