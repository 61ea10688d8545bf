//! TLS policy: every client speaks TLS through rustls, and no crate of the workspace pulls in
//! OpenSSL or native-tls on any target. Checked with `cargo tree`, the same command a reviewer
//! would run, so the test fails the day a dependency (or a feature flag) drags OpenSSL in.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Crates that mean "OpenSSL (or the platform TLS stack) is linked".
const FORBIDDEN: &[&str] = &["openssl-sys", "openssl", "native-tls", "hyper-tls"];

fn workspace_root() -> PathBuf {
    // `tests/` is a direct member of the workspace.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        Path::to_path_buf,
    )
}

/// `cargo tree -i <krate>` over the whole workspace and every target platform; `None` when
/// cargo cannot be started at all.
fn cargo_tree_inverted(krate: &str) -> Option<Output> {
    // Cargo sets `CARGO` for the processes it runs; fall back to PATH.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "tree",
            "--workspace",
            "--offline",
            "--target",
            "all",
            "--edges",
            "normal,build,dev",
            "--invert",
            krate,
        ])
        .output()
        .ok()
}

/// Fails unless `cargo tree -i` says the crate is absent. Cargo answers an absent crate with
/// exit status 101 and "did not match any packages"; any other failure (a broken manifest, an
/// offline cache miss) is not proof of absence, so it fails the test too.
fn assert_absent(krate: &str, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        // Found: the inverted tree lists who depends on it.
        assert!(
            stdout.trim().is_empty(),
            "{krate} is in the dependency tree:\n{stdout}"
        );
        return;
    }
    assert!(
        stderr.contains("did not match any packages"),
        "`cargo tree -i {krate}` failed for another reason than absence:\n{stderr}"
    );
}

#[test]
fn no_openssl_or_native_tls_anywhere_in_the_tree() {
    let Some(control) = cargo_tree_inverted("rustls") else {
        eprintln!("cargo is not available: skipping the dependency policy check");
        return;
    };
    // The positive control: the same command does find the TLS stack we do want, so an empty
    // answer below means "absent", not "the command is broken".
    let tree = String::from_utf8_lossy(&control.stdout);
    assert!(
        control.status.success() && tree.contains("reqwest"),
        "`cargo tree -i rustls` should show reqwest on rustls; got:\n{tree}\n{}",
        String::from_utf8_lossy(&control.stderr)
    );
    for krate in FORBIDDEN {
        let out = cargo_tree_inverted(krate).expect("cargo ran a moment ago");
        assert_absent(krate, &out);
        println!("cargo tree -i {krate}: not in the tree");
    }
}
