//! The public API generated from each spec, as a reviewable summary. A spec change that alters
//! the generated API fails here until the new snapshot is reviewed (`cargo insta review`) and
//! committed; under `CI=true` insta never accepts a snapshot by itself.

use std::path::PathBuf;

fn summary(spec: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(spec);
    paygate_codegen::summary(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn xpay_platform() {
    insta::assert_snapshot!("xpay", summary("xpay.yaml"));
}

#[test]
fn xpay_xstak() {
    insta::assert_snapshot!("xpay-xstak", summary("xpay-xstak.yaml"));
}

#[test]
fn collect() {
    insta::assert_snapshot!("collect", summary("collect.yaml"));
}

#[test]
fn payfect() {
    insta::assert_snapshot!("payfect", summary("payfect.yaml"));
}

/// Every generated operation is listed in the spec's operation table, so coverage tests that
/// walk `OPERATIONS` see all of them.
#[test]
fn operation_tables_match_the_specs() {
    for (spec, ops) in [
        ("xpay.yaml", xpay_client::platform::OPERATIONS),
        ("xpay-xstak.yaml", xpay_client::xstak::OPERATIONS),
        ("collect.yaml", collect_client::OPERATIONS),
        ("payfect.yaml", payfect_client::OPERATIONS),
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../specs")
            .join(spec);
        let parsed = paygate_codegen::load(&path).unwrap();
        let ids: Vec<_> = parsed
            .operations()
            .filter_map(|(_, _, op)| op.operation_id.clone())
            .collect();
        let table: Vec<_> = ops.iter().map(|(id, _, _)| id.to_string()).collect();
        assert_eq!(ids, table, "{spec}");
    }
}
