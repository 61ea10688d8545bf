//! Every response type the clients decode, parsed directly from hostile bytes (`parsers_*`).

use super::*;

/// Parses like the generated client does. What parses and serializes again must parse again.
/// (Serializing may refuse a value on purpose: `JsonDecimal` will not write a number that a
/// JavaScript server would read differently, even one the provider sent.)
fn parse_as<T: DeserializeOwned + Serialize + Debug>(body: &[u8]) -> Result<(), String> {
    let value: T = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let _ = format!("{value:?}");
    let again = serde_json::to_vec(&value).map_err(|e| format!("NOT SERIALIZABLE: {e}"))?;
    serde_json::from_slice::<T>(&again)
        .map_err(|e| format!("BUG: own output does not parse: {e}"))?;
    Ok(())
}

type Parser = fn(&[u8]) -> Result<(), String>;

/// `(type, parser, valid seeds)`.
type ParserCase = (&'static str, Parser, &'static [&'static str]);

fn fuzz_parsers(api: &str, table: &[ParserCase], cases_per_type: u32) -> u32 {
    let mut total = 0;
    let unserializable = AtomicUsize::new(0);
    for (name, parse, seed_paths) in table {
        let seeds = seeds(seed_paths);
        for (path, seed) in seed_paths.iter().zip(&seeds) {
            if let Err(e) = parse(seed) {
                panic!("{api} {name}: seed {path} does not parse: {e}");
            }
        }
        total += check(
            &format!("{api} {name} parser"),
            cases_per_type,
            hostile_body(seeds),
            |body| {
                if let Err(e) = parse(&body) {
                    prop_assert!(!e.starts_with("BUG"), "{e}");
                    if e.starts_with("NOT SERIALIZABLE") {
                        unserializable.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(())
            },
        );
    }
    println!(
        "{api}: {} hostile payloads parsed but were refused on serialization",
        unserializable.load(Ordering::Relaxed)
    );
    total
}

#[test]
fn parsers_xpay_platform() {
    use xpay_client::platform::types as t;
    let table: &[ParserCase] = &[
        (
            "CheckoutSession",
            parse_as::<t::CheckoutSession>,
            &[
                "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
                "xpay-client/tests/fixtures/platform/heldout_checkout_session_unknown_enums.json",
            ],
        ),
        (
            "Customer",
            parse_as::<t::Customer>,
            &["xpay-client/tests/fixtures/platform/heldout_customer.json"],
        ),
        (
            "CustomerList",
            parse_as::<t::CustomerList>,
            &["xpay-client/tests/fixtures/platform/heldout_customer_list.json"],
        ),
        ("CustomerStats", parse_as::<t::CustomerStats>, &[]),
        (
            "PaymentLink",
            parse_as::<t::PaymentLink>,
            &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json#/data/0"],
        ),
        (
            "PaymentLinkList",
            parse_as::<t::PaymentLinkList>,
            &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json"],
        ),
        (
            "Product",
            parse_as::<t::Product>,
            &["xpay-client/tests/fixtures/platform/product_get.json"],
        ),
        (
            "ProductList",
            parse_as::<t::ProductList>,
            &["xpay-client/tests/fixtures/platform/heldout_product_list.json"],
        ),
        ("ProductStats", parse_as::<t::ProductStats>, &[]),
        (
            "Price",
            parse_as::<t::Price>,
            &["xpay-client/tests/fixtures/platform/price_create_response.json"],
        ),
        (
            "Refund",
            parse_as::<t::Refund>,
            &["xpay-client/tests/fixtures/platform/heldout_refund.json"],
        ),
        ("RefundList", parse_as::<t::RefundList>, &[]),
        ("UploadUrl", parse_as::<t::UploadUrl>, &[]),
        (
            "ErrorResponse",
            parse_as::<t::ErrorResponse>,
            &[
                "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
                "xpay-client/tests/fixtures/platform/heldout_error_nulls.json",
                "xpay-client/tests/fixtures/platform/heldout_error_unknown_type.json",
            ],
        ),
    ];
    let total = fuzz_parsers("xpay", table, 384);
    println!(
        "xpay platform parsers: {} types, {total} cases",
        table.len()
    );
}

#[test]
fn parsers_xstak() {
    use xpay_client::xstak::types as t;
    let table: &[ParserCase] = &[
        (
            "PaymentIntentResponse",
            parse_as::<t::PaymentIntentResponse>,
            &[
                "xpay-client/tests/fixtures/xstak/checkout_response.json",
                "xpay-client/tests/fixtures/xstak/heldout_intent_unknown_values.json",
            ],
        ),
        ("RefundResponse", parse_as::<t::RefundResponse>, &[]),
        (
            "ErrorResponse",
            parse_as::<t::ErrorResponse>,
            &[
                "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
                "xpay-client/tests/fixtures/xstak/heldout_error_flag.json",
                "xpay-client/tests/fixtures/xstak/heldout_error_object.json",
            ],
        ),
    ];
    let total = fuzz_parsers("xstak", table, 512);
    println!("xstak parsers: {} types, {total} cases", table.len());
}

#[test]
fn parsers_collect() {
    use collect_client::types as t;
    let table: &[ParserCase] = &[
        (
            "TokenEnvelope",
            parse_as::<t::TokenEnvelope>,
            &["collect-client/tests/fixtures/doc/auth_token.response.json"],
        ),
        ("RevokeEnvelope", parse_as::<t::RevokeEnvelope>, &[]),
        (
            "CheckoutSessionEnvelope",
            parse_as::<t::CheckoutSessionEnvelope>,
            &["collect-client/tests/fixtures/doc/create_collection.response.json"],
        ),
        (
            "CollectionEnvelope",
            parse_as::<t::CollectionEnvelope>,
            &[
                "collect-client/tests/fixtures/heldout/get_collection.completed.json",
                "collect-client/tests/fixtures/heldout/get_collection.unknown_values.json",
            ],
        ),
        (
            "CollectionListEnvelope",
            parse_as::<t::CollectionListEnvelope>,
            &["collect-client/tests/fixtures/heldout/list_collections.prose_keys.json"],
        ),
        (
            "RefundEnvelope",
            parse_as::<t::RefundEnvelope>,
            &["collect-client/tests/fixtures/heldout/create_refund.response.json"],
        ),
        ("RefundListEnvelope", parse_as::<t::RefundListEnvelope>, &[]),
        (
            "RefundReasonListEnvelope",
            parse_as::<t::RefundReasonListEnvelope>,
            &["collect-client/tests/fixtures/doc/refund_reasons.response.json"],
        ),
        (
            "ErrorEnvelope",
            parse_as::<t::ErrorEnvelope>,
            &[
                "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
                "collect-client/tests/fixtures/heldout/error.unknown_code.json",
                "collect-client/tests/fixtures/heldout/error.validation_nested.json",
            ],
        ),
    ];
    let total = fuzz_parsers("collect", table, 384);
    println!("collect parsers: {} types, {total} cases", table.len());
}

#[test]
fn parsers_payfect() {
    use payfect_client::types as t;
    let table: &[ParserCase] = &[
        (
            "Checkout",
            parse_as::<t::Checkout>,
            &[
                "payfect-client/tests/fixtures/checkout_response.json",
                "payfect-client/tests/fixtures/checkout_response_2023_draft.json",
                "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
                "payfect-client/tests/fixtures/heldout_checkout_nulls.json",
                "payfect-client/tests/fixtures/heldout_checkout_complete.json",
            ],
        ),
        ("Product", parse_as::<t::Product>, &[]),
        ("Price", parse_as::<t::Price>, &[]),
        ("PaymentLink", parse_as::<t::PaymentLink>, &[]),
        (
            "ErrorBody",
            parse_as::<t::ErrorBody>,
            &[
                "payfect-client/tests/fixtures/error_400_fields.json",
                "payfect-client/tests/fixtures/error_401.json",
                "payfect-client/tests/fixtures/error_404.json",
            ],
        ),
        (
            "CheckoutCallback",
            parse_as::<t::CheckoutCallback>,
            &[
                "payfect-client/tests/fixtures/checkout_callback.json",
                "payfect-client/tests/fixtures/heldout_callback_unknowns.json",
            ],
        ),
    ];
    let total = fuzz_parsers("payfect", table, 512);
    println!("payfect parsers: {} types, {total} cases", table.len());
}
