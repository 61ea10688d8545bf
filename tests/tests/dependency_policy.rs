//! TLS policy: every client speaks TLS through rustls, and no crate of the workspace pulls in
//! OpenSSL or native-tls on any target.
//!
//! Read from `Cargo.lock`, which cargo resolves for every target platform and every kind of
//! edge (normal, build, dev) and which the repository commits. An earlier version asked
//! `cargo tree --offline`, which needs the sources of every platform's crates in the local
//! cache: it failed on a fresh machine that had fetched only the host's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Crates that mean "OpenSSL (or the platform TLS stack) is linked".
const FORBIDDEN: &[&str] = &["openssl-sys", "openssl", "native-tls", "hyper-tls"];

/// `name → names of its dependencies`, for every package in the lockfile.
fn lockfile_graph(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for block in text.split("[[package]]").skip(1) {
        let mut name = None;
        let mut deps = BTreeSet::new();
        let mut in_deps = false;
        for line in block.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("name = ") {
                name = Some(v.trim_matches('"').to_string());
            } else if line.starts_with("dependencies = [") {
                in_deps = true;
            } else if in_deps && line == "]" {
                in_deps = false;
            } else if in_deps {
                // `"name"`, `"name 1.2.3"` or `"name 1.2.3 (registry+…)"`.
                let dep = line.trim_end_matches(',').trim_matches('"');
                if let Some(dep) = dep.split_whitespace().next() {
                    deps.insert(dep.to_string());
                }
            }
        }
        if let Some(name) = name {
            graph.entry(name).or_insert_with(BTreeSet::new).extend(deps);
        }
    }
    graph
}

fn lockfile() -> BTreeMap<String, BTreeSet<String>> {
    // `tests/` is a direct member of the workspace.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the lockfile is committed)", path.display()));
    lockfile_graph(&text)
}

#[test]
fn no_openssl_or_native_tls_anywhere_in_the_lockfile() {
    let graph = lockfile();
    // The positive control: the same reading finds the TLS stack we do want, under reqwest, so
    // an absence below means "absent", not "the parser read nothing".
    assert!(graph.contains_key("rustls"), "rustls is not in Cargo.lock");
    assert!(
        graph.get("reqwest").is_some_and(|d| d.contains("rustls")),
        "reqwest should depend on rustls in Cargo.lock"
    );
    for krate in FORBIDDEN {
        let users: Vec<_> = graph
            .iter()
            .filter(|(_, deps)| deps.contains(*krate))
            .map(|(name, _)| name.as_str())
            .collect();
        assert!(
            !graph.contains_key(*krate),
            "{krate} is in Cargo.lock (required by {users:?})"
        );
    }
}

#[test]
fn the_lockfile_reader_sees_a_forbidden_crate() {
    // The check must be able to fail: a lockfile with native-tls under reqwest is caught.
    let text = r#"
[[package]]
name = "reqwest"
version = "0.13.0"
dependencies = [
 "native-tls",
 "rustls 0.23.0",
]

[[package]]
name = "native-tls"
version = "0.2.0"
"#;
    let graph = lockfile_graph(text);
    assert!(graph.contains_key("native-tls"));
    assert!(graph["reqwest"].contains("rustls"));
}
