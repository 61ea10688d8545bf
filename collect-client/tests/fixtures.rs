//! The provider's documented examples (and held-out payloads) through the generated types:
//! every doc example parses and re-serializes to the same JSON value.

use collect_client::types::{self, CollectionStatus, Currency, ErrorCode, RefundReason};
use collect_client::{ApiError, money::Checked};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Numbers compared by value (`25.00` is `25`), and — when `drop_nulls` — `null` members
/// treated as absent (optional fields are omitted when `None`).
fn normalize(v: &Value, drop_nulls: bool) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64()),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalize(x, drop_nulls)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !(drop_nulls && v.is_null()))
                .map(|(k, v)| (k.clone(), normalize(v, drop_nulls)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Held-out payloads: every value the types keep comes back unchanged; what they drop is an
/// unknown extra field (listed by the caller) or a `null`.
fn parses_losslessly<T: DeserializeOwned + Serialize>(name: &str, unknown: &[&str]) -> T {
    let text = fixture(name);
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    let back = serde_json::to_value(&typed).unwrap();
    subset(
        &normalize(&back, false),
        &normalize(&original, false),
        unknown,
        name,
    );
    typed
}

fn subset(back: &Value, original: &Value, unknown: &[&str], at: &str) {
    match (back, original) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get(k) {
                    Some(bv) => subset(bv, v, unknown, &format!("{at}.{k}")),
                    None => assert!(
                        v.is_null() || unknown.contains(&k.as_str()),
                        "{at}.{k} was dropped"
                    ),
                }
            }
            assert!(b.keys().all(|k| o.contains_key(k)), "{at}: keys invented");
        }
        (Value::Array(b), Value::Array(o)) => {
            assert_eq!(b.len(), o.len(), "{at}");
            b.iter().zip(o).for_each(|(b, o)| subset(b, o, unknown, at));
        }
        (b, o) => assert_eq!(b, o, "{at}"),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(name: &str, drop_nulls: bool) -> T {
    let text = fixture(name);
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let original: Value = serde_json::from_str(&text).unwrap();
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        normalize(&back, false),
        normalize(&original, drop_nulls),
        "{name} does not round-trip"
    );
    typed
}

#[test]
fn token_request_and_response() {
    let req: types::TokenRequest = round_trip("doc/auth_token.request.json", false);
    assert_eq!(req.app_id.as_str(), "A1B2C3D4E5F6G7H8");
    assert_eq!(
        format!("{req:?}").matches("your_secret_key_here").count(),
        0,
        "secret in Debug"
    );
    let env: types::TokenEnvelope = round_trip("doc/auth_token.response.json", false);
    assert_eq!(env.data.expires_in, 86400);
    assert_eq!(env.data.app_type, Some(types::AppType::Collection));
    assert_eq!(
        env.data.expires_at.as_ref().unwrap().as_str(),
        "2026-01-06T10:30:00+00:00"
    );
    assert!(!format!("{env:?}").contains("eyJ0eXAi"), "token in Debug");
}

#[test]
fn create_collection_request_and_response() {
    let req: types::CreateCollectionRequest =
        round_trip("doc/create_collection.request.json", false);
    assert_eq!(req.amount.value(), 25.into());
    assert_eq!(req.order_id.as_str(), "INV-001");
    let env: types::CheckoutSessionEnvelope =
        round_trip("doc/create_collection.response.json", false);
    let s = &env.data;
    assert_eq!(s.collection_id, "SCI679A1B2C3D4E5");
    assert_eq!(s.fee.to_string(), "0.75");
    assert_eq!(s.net_amount.to_string(), "24.25");
    assert_eq!(s.status, CollectionStatus::Pending);
    assert_eq!(s.currency, Some(Currency::Usd));
    s.check().expect("25 - 0.75 = 24.25");
    // Byte-level: the money and timestamps are written exactly as FYATU wrote them.
    let out = serde_json::to_string(&env).unwrap();
    for needle in [
        "\"fee\":0.75",
        "\"netAmount\":24.25",
        "\"amount\":25,",
        "\"expiresAt\":\"2026-01-08T12:30:00+00:00\"",
    ] {
        assert!(out.contains(needle), "{needle} missing from {out}");
    }
}

#[test]
fn schema_samples_parse_with_unknown_enum_values() {
    let env: types::CollectionEnvelope = round_trip("doc/get_collection.response.json", false);
    assert_eq!(
        env.data.status,
        CollectionStatus::Unknown("<string>".into())
    );
    assert!(
        env.data.check().is_err(),
        "123 - 123 != 123 must be flagged"
    );
    let list: types::CollectionListEnvelope =
        round_trip("doc/list_collections.response.json", false);
    assert_eq!(list.data.pagination.as_ref().unwrap().per_page, Some(123));
    let refunds: types::RefundListEnvelope = round_trip("doc/list_refunds.response.json", false);
    assert_eq!(
        refunds.data.refunds[0].reason,
        Some(RefundReason::Unknown("<string>".into()))
    );
}

#[test]
fn refund_reasons() {
    let env: types::RefundReasonListEnvelope =
        round_trip("doc/refund_reasons.response.json", false);
    let codes: Vec<_> = env.data.reasons.iter().map(|r| r.code.clone()).collect();
    assert_eq!(codes.len(), 8);
    assert!(codes.iter().all(|c| c.is_known()), "{codes:?}");
    assert_eq!(codes[2], RefundReason::CustomerRequest);
}

#[test]
fn held_out_collection_payloads() {
    let env: types::CollectionEnvelope =
        parses_losslessly("heldout/get_collection.completed.json", &["riskScore"]);
    let c = env.data;
    assert_eq!(c.status, CollectionStatus::PartiallyRefunded);
    assert_eq!(c.description.as_deref(), Some("Annual plan — café edition"));
    assert!(c.check().is_ok());
    assert!(!c.is_paid(100.into()), "partially refunded is not paid");
    assert_eq!(
        c.refunds.unwrap().total_refunded.unwrap().to_string(),
        "40.5"
    );

    let env: types::CollectionEnvelope =
        parses_losslessly("heldout/get_collection.unknown_values.json", &["newField"]);
    assert_eq!(env.data.status, CollectionStatus::Unknown("ON_HOLD".into()));
    assert_eq!(env.data.currency, Some(Currency::Unknown("CDF".into())));
    assert_eq!(env.data.order_id, Some(None));
    assert_eq!(env.data.payer, Some(None));

    let list: types::CollectionListEnvelope =
        parses_losslessly("heldout/list_collections.prose_keys.json", &[]);
    assert_eq!(list.data.collections[1].status, CollectionStatus::Expired);
    assert_eq!(list.data.collections[1].amount.to_string(), "1234567.89");
    assert_eq!(list.data.pagination.unwrap().current_page, Some(2));
    list.data
        .collections
        .iter()
        .for_each(|c| c.check().unwrap());
}

#[test]
fn held_out_refund_payloads() {
    let req: types::CreateRefundRequest = round_trip("heldout/create_refund.request.json", false);
    assert_eq!(req.mode, Some(types::RefundMode::Partial));
    let env: types::RefundEnvelope = round_trip("heldout/create_refund.response.json", false);
    assert_eq!(
        env.data.recipient.unwrap().client_id.as_deref(),
        Some("FY1029384756")
    );
}

#[test]
fn error_layouts_yield_the_code() {
    let e: types::ErrorEnvelope = round_trip("heldout/error.duplicate_reference.json", false);
    assert!(ApiError::from(e).is(&ErrorCode::DuplicateReference));
    let e: types::ErrorEnvelope = round_trip("heldout/error.validation_nested.json", false);
    let e = ApiError::from(e);
    assert!(e.is(&ErrorCode::ValidationError));
    assert_eq!(e.fields()[0].field.as_deref(), Some("orderId"));
    assert_eq!(e.request_id(), Some("req_5"));
    let e: types::ErrorEnvelope =
        serde_json::from_str(&fixture("heldout/error.unknown_code.json")).unwrap();
    let e = ApiError::from(e);
    assert_eq!(e.code(), Some(&ErrorCode::Unknown("ACCOUNT_LOCKED".into())));
    assert_eq!(e.to_string(), "ACCOUNT_LOCKED: Account locked for review");
}

#[test]
fn webhook_data_payloads() {
    let body: Value =
        serde_json::from_str(&fixture("doc/webhook_collection_received.json")).unwrap();
    let data: types::CollectionReceivedData = serde_json::from_value(body["data"].clone()).unwrap();
    assert_eq!(
        normalize(&serde_json::to_value(&data).unwrap(), false),
        normalize(&body["data"], false)
    );
    assert_eq!(data.charge.unwrap().to_string(), "1.9");
    data.check().expect("100 - 1.9 = 98.1 exactly");
}
