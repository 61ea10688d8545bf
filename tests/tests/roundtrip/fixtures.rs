//! Every fixture round trips value for value, and every JSON fixture is a case or excused.

use super::*;

/// JSON files that are not payloads of a generated type, with the reason.
const NOT_PAYLOADS: &[(&str, &str)] = &[
    (
        "xpay-client/tests/fixtures/xstak/signature_vector.json",
        "a key and an HMAC, not a payload",
    ),
    (
        "xpay-client/tests/fixtures/xstak/webhook_vector.json",
        "a secret and an HMAC, not a payload",
    ),
    (
        "collect-client/tests/fixtures/doc/webhook_signature_test_vector.json",
        "a `card.funded` event: no card API in the spec; its bytes are the signature vector",
    ),
    (
        "collect-client/tests/fixtures/heldout/webhook_unknown_event.json",
        "an event type the spec does not know: its `data` has no type (kept as raw JSON by the client)",
    ),
];

/// `(file, pointer of a difference, reason)`: the differences a round trip is allowed to show.
const KNOWN_LOSSES: &[(&str, &str, &str)] = &[
    (
        "bench/fixtures/collect_collection.response.json",
        "/data/riskScore",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "bench/fixtures/xpay_checkout_session.response.json",
        "/somethingNew",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "collect-client/tests/fixtures/heldout/error.unknown_code.json",
        "/retryable",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "collect-client/tests/fixtures/heldout/get_collection.completed.json",
        "/data/riskScore",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "collect-client/tests/fixtures/heldout/get_collection.unknown_values.json",
        "/data/newField",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "collect-client/tests/fixtures/heldout/webhook_collection_received.v3.json#/data",
        "/loyaltyPoints",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "payfect-client/tests/fixtures/heldout_callback_unknowns.json",
        "/payment_method/type",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "payfect-client/tests/fixtures/heldout_callback_unknowns.json",
        "/tx_hash",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
        "/amountSubtotal",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
        "/customerEmail",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
        "/merchant/country",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/platform/heldout_charge.json",
        "/balanceTransaction/exchangeRate",
        "`exchangeRate: null`: a nullable `$ref` to the decimal component needs an `allOf` wrapper that progenitor would read as a bare f64; the null is read as absent",
    ),
    (
        "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
        "/somethingNew",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/platform/heldout_customer.json",
        "/extraField",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/platform/heldout_event_unknown_type.json",
        "/request",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/platform/heldout_refund.json",
        "/ledger",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/xstak/heldout_intent_unknown_values.json",
        "/data/a_field_added_later",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
    (
        "xpay-client/tests/fixtures/xstak/heldout_webhook_unknown_type.json",
        "/refund_reason",
        "a key the spec does not model (forward compatible: it parses, and is not kept)",
    ),
];

#[test]
fn every_fixture_round_trips_value_for_value() {
    let mut found = Vec::new();
    for (file, pointer, f) in CASES {
        let whole = read_json(file);
        let value = whole
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{file}: no {pointer}"));
        let label = if pointer.is_empty() {
            file.to_string()
        } else {
            format!("{file}#{pointer}")
        };
        check(&label, value, *f, &mut found);
    }
    let allowed: BTreeSet<(String, String)> = KNOWN_LOSSES
        .iter()
        .map(|(f, p, _)| (f.to_string(), p.to_string()))
        .collect();
    let found: BTreeSet<(String, String)> = found.into_iter().collect();
    let unexpected: Vec<_> = found.difference(&allowed).collect();
    let fixed: Vec<_> = allowed.difference(&found).collect();
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "payloads that do not round-trip value for value: {unexpected:#?}\nlisted losses that no longer happen (remove them): {fixed:#?}"
    );
}

/// Every JSON file under the fixture folders is either a case above or listed as not a payload.
#[test]
fn every_json_fixture_is_covered() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for dir in [
        "xpay-client/tests/fixtures",
        "collect-client/tests/fixtures",
        "payfect-client/tests/fixtures",
        "bench/fixtures",
        "tests/fixtures",
    ] {
        walk(&root().join(dir), &mut files);
    }
    let listed: BTreeSet<&str> = CASES
        .iter()
        .map(|(f, _, _)| *f)
        .chain(NOT_PAYLOADS.iter().map(|(f, _)| *f))
        .collect();
    let root = root();
    let missing: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|p| !listed.contains(p.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "fixtures with no round-trip case: {missing:#?}"
    );
}
