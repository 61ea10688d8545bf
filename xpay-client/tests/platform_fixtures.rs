//! Docs examples and held-out style payloads deserialize into the generated types and
//! serialize back to the same JSON value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use xpay_client::platform::{Nullable, types};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/platform/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `name` as `T` and checks that writing it back gives the same value, `null`s included
/// (a nullable field keeps absent, `null` and a value apart); `ignore` lists keys the types do
/// not model (top-level names or JSON pointers), which are dropped.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, ignore: &[&str]) -> T {
    let text = fixture(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut expected = serde_json::from_str::<Value>(&text).expect("valid JSON");
    for pointer in ignore {
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let removed = expected
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|m| m.remove(key));
        assert!(removed.is_some(), "{name}: nothing at {pointer}");
    }
    let written = serde_json::to_value(&parsed).expect("serializes");
    let mut differ = Vec::new();
    diff(&expected, &written, "", &mut differ);
    assert!(
        differ.is_empty(),
        "{name} does not round-trip at {differ:?}"
    );
    parsed
}

/// JSON pointers where `a` and `b` differ (a key on one side only counts).
fn diff(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(p, q, &format!("{at}/{k}"), out),
                    _ => out.push(format!("{at}/{k}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, &format!("{at}/{i}"), out);
            }
        }
        (x, y) if x == y => {}
        _ => out.push(at.to_string()),
    }
}

#[test]
fn docs_product_example_round_trips() {
    let product: types::Product = round_trip("product_get.json", &[]);
    assert_eq!(product.id, "prod_abc123");
    let price = &product.prices.value().expect("prices")[0];
    assert_eq!(price.type_, Some(types::PriceType::OneTime));
    assert_eq!(price.unit_amount, Some(Some(0)));
    // The docs' placeholder timestamps still parse; they just are not dates.
    assert!(
        product
            .created_at
            .as_ref()
            .expect("createdAt")
            .to_datetime()
            .is_err()
    );
}

#[test]
fn docs_price_example_round_trips() {
    let price: types::Price = round_trip("price_create_response.json", &[]);
    assert_eq!(price.unit_amount, Some(Some(10000)));
    assert_eq!(price.currency.as_deref(), Some("EGP"));
    let created = price
        .created_at
        .as_ref()
        .expect("createdAt")
        .to_datetime()
        .expect("date");
    assert_eq!(created.timestamp(), 1_704_067_200);
}

#[test]
fn docs_balance_transaction_example_round_trips() {
    let txn: types::BalanceTransaction = round_trip("balance_transaction.json", &[]);
    assert_eq!(
        (txn.amount, txn.fee, txn.net),
        (Some(22604), Some(912), Some(21692))
    );
    assert_eq!(txn.status, Some(types::BalanceTransactionStatus::Available));
    assert_eq!(txn.type_, Some(types::BalanceTransactionType::Charge));
    assert_eq!(
        txn.payout_batch.as_ref().and_then(|b| b.status.as_deref()),
        Some("paid")
    );
}

#[test]
fn docs_error_envelope_round_trips() {
    let err: types::ErrorResponse = round_trip("error_parameter_missing.json", &[]);
    assert_eq!(err.error.type_, types::ErrorType::InvalidRequestError);
    assert_eq!(
        err.error.code,
        Some(Some(types::ErrorCode::ParameterMissing))
    );
    assert_eq!(
        err.error.param.value().map(String::as_str),
        Some("lineItems")
    );
    assert_eq!(
        err.request_id.as_deref(),
        Some("req_3STkwmFGhGHoO0IX13BRo5iU")
    );
    assert_eq!(
        err.to_string(),
        "invalid_request_error/parameter_missing: Missing required param: lineItems. (param `lineItems`) (request req_3STkwmFGhGHoO0IX13BRo5iU)"
    );
}

#[test]
fn request_examples_round_trip() {
    let refund: types::CreateRefundRequest = round_trip("refund_create_request.json", &[]);
    assert_eq!(
        refund.reason,
        Some(types::RefundReason::RequestedByCustomer)
    );
    assert_eq!(refund.amount, std::num::NonZeroU64::new(50000));

    let session: types::CreateCheckoutSessionRequest =
        round_trip("checkout_session_create_request.json", &[]);
    assert_eq!(
        session.after_completion.type_,
        types::AfterCompletionType::Redirect
    );
    assert_eq!(session.line_items.len(), 2);
    assert_eq!(
        session.line_items[0]
            .price_data
            .as_ref()
            .map(|p| p.unit_amount),
        Some(149900)
    );
    assert_eq!(
        session
            .fee_config
            .as_ref()
            .and_then(|f| f.vat_collection_rate),
        Some(1400)
    );
}

#[test]
fn event_envelope_round_trips() {
    let event: types::Event = round_trip("event_checkout_session_completed.json", &[]);
    assert_eq!(event.type_, types::EventType::CheckoutSessionCompleted);
    assert_eq!(event.data.object["status"], "complete");
}

#[test]
fn full_session_with_presentment_and_extras_round_trips() {
    let session: types::CheckoutSession =
        round_trip("heldout_checkout_session_full.json", &["somethingNew"]);
    let presentment = session.presentment_details.as_ref().expect("presentment");
    assert_eq!(
        presentment.exchange_rate.map(|r| r.to_string()).as_deref(),
        Some("168.2")
    );
    assert_eq!(presentment.currency.as_deref(), Some("KWD"));
    assert_eq!(session.submit_type, Some(types::ReportedSubmitType::Pay));
    assert_eq!(
        session.payment_method_types.value().map(|t| t[2].clone()),
        Some(types::PaymentMethodType::Unknown("apple_pay".into()))
    );
    assert_eq!(
        session.metadata.value().map(|m| m["attempt"].clone()),
        Some(2.into())
    );
    assert_eq!(
        session
            .payment_intent
            .as_ref()
            .and_then(|p| p.status.clone()),
        Some(types::PaymentIntentStatus::Succeeded)
    );
}

#[test]
fn unknown_enum_values_parse_and_survive() {
    let session: types::CheckoutSession =
        round_trip("heldout_checkout_session_unknown_enums.json", &[]);
    assert_eq!(
        session.status,
        Some(types::CheckoutSessionStatus::Unknown("processing".into()))
    );
    assert_eq!(
        session.payment_status,
        Some(types::CheckoutSessionPaymentStatus::Unknown(
            "partially_paid".into()
        ))
    );
    assert_eq!(
        session.mode,
        Some(types::CheckoutSessionMode::Unknown("subscription".into()))
    );
    assert_eq!(
        session.ui_mode,
        Some(types::UiMode::Unknown("popup".into()))
    );
    assert_eq!(session.locale, Some(types::Locale::Unknown("fr".into())));
    assert!(!session.status.as_ref().is_some_and(|s| s.is_known()));
}

#[test]
fn nulls_and_unknown_fields_are_accepted() {
    let customer: types::Customer = round_trip("heldout_customer.json", &["extraField"]);
    assert_eq!(
        customer.type_,
        Some(types::CustomerType::Unknown("business".into()))
    );
    assert_eq!(customer.name, Some(None));
    assert_eq!(customer.metadata, Some(None));

    let discount: types::Discount = round_trip("heldout_discount.json", &[]);
    assert_eq!(
        discount
            .coupon
            .as_ref()
            .and_then(|c| c.discount_type.clone()),
        Some(types::CouponDiscountType::Unknown("fixed".into()))
    );
}

#[test]
fn lists_parse() {
    let customers: types::CustomerList = round_trip("heldout_customer_list.json", &[]);
    assert_eq!(customers.total_count, 2);
    let valu = customers.data[1]
        .latest_payment_method
        .as_ref()
        .and_then(|m| m.valu.as_ref());
    // valU figures are decimal strings (docs.xpay.app/api-reference/objects/charge).
    assert_eq!(
        valu.and_then(|v| v.financed_amount).map(|d| d.to_string()),
        Some("1500.00".to_string())
    );

    let links: types::PaymentLinkList = round_trip("heldout_payment_link_list.json", &[]);
    let fields = links.data[0].custom_fields.value().expect("custom fields");
    assert_eq!(
        fields[1].type_,
        Some(types::CustomFieldType::Unknown("textarea".into()))
    );
    assert_eq!(links.data[0].computed_amount, Some(299800));

    let products: types::ProductList = round_trip("heldout_product_list.json", &[]);
    assert_eq!((products.page, products.total_pages), (Some(3), Some(3)));
    let prices = products.data[0].prices.value().expect("prices");
    assert_eq!(prices[0].type_, Some(types::PriceType::Recurring));
    assert_eq!(
        prices[1].type_,
        Some(types::PriceType::Unknown("PAY_WHAT_YOU_WANT".into()))
    );
}

#[test]
fn read_only_objects_parse() {
    let refund: types::Refund = round_trip("heldout_refund.json", &["ledger"]);
    assert_eq!(
        refund.status,
        Some(types::RefundStatus::Unknown("REVERSED_BY_BANK".into()))
    );
    assert_eq!(
        refund.balance_transaction.as_ref().and_then(|t| t.amount),
        Some(-50000)
    );

    let charge: types::Charge = round_trip(
        "heldout_charge.json",
        // A nullable decimal needs an `allOf` wrapper progenitor reads as f64; the null reads as absent.
        &["/balanceTransaction/exchangeRate"],
    );
    assert_eq!(charge.status, Some(types::ChargeStatus::Succeeded));
    assert_eq!(
        charge
            .payment_method_details
            .as_ref()
            .and_then(|d| d.card.as_ref())
            .and_then(|c| c.last4.as_deref()),
        Some("0005")
    );

    let intent: types::PaymentIntent = round_trip("heldout_payment_intent.json", &[]);
    assert_eq!(
        intent
            .last_payment_error
            .value()
            .and_then(|e| e.decline_code.as_deref()),
        Some("insufficient_funds")
    );

    let coupon: types::Coupon = round_trip("heldout_coupon.json", &[]);
    assert_eq!(
        coupon.percent_off.map(|p| p.to_string()).as_deref(),
        Some("12.5")
    );
    assert_eq!(coupon.duration, Some(types::CouponDuration::Repeating));
}

#[test]
fn error_envelopes_with_nulls_and_unknown_types_parse() {
    let err: types::ErrorResponse = round_trip("heldout_error_nulls.json", &[]);
    assert_eq!(err.error.type_, types::ErrorType::ApiError);
    assert_eq!(err.error.code, Some(None));

    let err: types::ErrorResponse = round_trip("heldout_error_unknown_type.json", &[]);
    assert_eq!(
        err.error.type_,
        types::ErrorType::Unknown("idempotency_error".into())
    );
    assert_eq!(
        err.error.code,
        Some(Some(types::ErrorCode::Unknown(
            "idempotency_key_reused".into()
        )))
    );
}

#[test]
fn unknown_event_types_parse() {
    let event: types::Event = round_trip("heldout_event_unknown_type.json", &["request"]);
    assert_eq!(event.type_, types::EventType::Unknown("payout.paid".into()));
}

#[test]
fn clearable_timestamp_sends_null_or_value() {
    use xpay_client::platform::ClearableTimestamp;
    let clear = types::UpdatePaymentLinkRequest::builder()
        .expires_at(ClearableTimestamp::Clear)
        .custom_fields(Vec::new());
    let clear: types::UpdatePaymentLinkRequest = clear.try_into().expect("valid");
    assert_eq!(
        serde_json::to_value(&clear).expect("json"),
        serde_json::json!({"expiresAt": null, "customFields": []})
    );
    let untouched: types::UpdatePaymentLinkRequest = types::UpdatePaymentLinkRequest::builder()
        .try_into()
        .expect("valid");
    assert_eq!(
        serde_json::to_value(&untouched).expect("json"),
        serde_json::json!({})
    );
    let at = chrono::DateTime::from_timestamp(1_704_067_200, 0).expect("valid");
    let set: types::UpdatePaymentLinkRequest = types::UpdatePaymentLinkRequest::builder()
        .expires_at(ClearableTimestamp::from(at))
        .try_into()
        .expect("valid");
    assert_eq!(
        serde_json::to_value(&set).expect("json"),
        serde_json::json!({"expiresAt": "2024-01-01T00:00:00.000Z"})
    );
}
