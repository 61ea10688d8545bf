//! The seed's examples and held-out payloads through the generated types.

mod common;

use chrono::{DateTime, Utc};
use common::{assert_round_trip, fixture, fixture_json};
use payfect_client::Nullable;
use payfect_client::timestamp::TimestampFormat;
use payfect_client::types::{
    CallbackStatus, Checkout, CheckoutCallback, CheckoutStatus, CreateCheckoutRequest,
    InvoiceItemParams, Network, PaymentMethodData, PaymentMethodDataType, PaymentMethodType,
    PriceData, ProductData,
};
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339 literal")
        .to_utc()
}

#[test]
fn seed_request_round_trips_and_matches_a_request_built_in_rust() {
    let text = fixture("create_checkout_request.json");
    let parsed: CreateCheckoutRequest =
        assert_round_trip("create_checkout_request.json", &text, &[]);

    let built = CreateCheckoutRequest {
        client_reference_id: Some("5ae50223-e455-4a72-a48d-fe7d85800e64".into()),
        currency: "usdt".into(),
        invoice_items: vec![InvoiceItemParams::inline(
            PriceData {
                currency: "usdt".into(),
                product_data: ProductData {
                    name: "Standard Plan".into(),
                    description: Some("A standard plan".into()),
                    images: vec!["https://google.com.tw/images/123".into()],
                },
                unit_amount: Decimal::new(205, 1),
            },
            std::num::NonZeroU64::MIN,
        )],
        success_url: Some("https://example.com/success".into()),
        cancel_url: Some("https://example.com/cancel".into()),
        callback_url: Some("https://example.com/callback".into()),
        payment_method_data: Some(PaymentMethodData::crypto("usdt", Network::Tron)),
        payment_method_types: Vec::new(),
    };
    assert_eq!(parsed, built);
    assert_eq!(
        serde_json::to_value(&built).unwrap(),
        fixture_json("create_checkout_request.json")
    );
    // The request keeps Payfect's mixed key styles: snake_case, camelCase inside
    // payment_method_data.
    let wire = serde_json::to_string(&built).unwrap();
    assert!(wire.contains(r#""unit_amount":"20.5""#), "{wire}");
    assert!(wire.contains(r#""paymentMethodDetail":{"#), "{wire}");
    assert!(
        wire.contains(r#""type":"cryptopaymentmethoddetail""#),
        "{wire}"
    );
}

#[test]
fn seed_curl_request_round_trips_with_fiat_currencies() {
    let text = fixture("create_checkout_request_curl.json");
    let parsed: CreateCheckoutRequest =
        assert_round_trip("create_checkout_request_curl.json", &text, &[]);
    assert_eq!(parsed.currency, "CNY");
    let InvoiceItemParams::InlinePriceInvoiceItem(item) = &parsed.invoice_items[0] else {
        panic!("the curl example prices inline");
    };
    assert_eq!(item.price_data.unit_amount, dec("20"));
    assert_eq!(item.price_data.unit_amount.to_string(), "20");
    let pmd = parsed.payment_method_data.expect("present");
    assert_eq!(pmd.type_, PaymentMethodDataType::Cryptopaymentmethoddetail);
    assert_eq!(pmd.payment_method_detail.currency, "TWD");
}

#[test]
fn sdk_request_with_a_saved_price_round_trips() {
    let text = fixture("create_checkout_request_saved_price.json");
    let parsed: CreateCheckoutRequest =
        assert_round_trip("create_checkout_request_saved_price.json", &text, &[]);
    assert_eq!(
        parsed.invoice_items,
        vec![InvoiceItemParams::saved_price(
            "3bababfe-5ba8-4afb-84ca-d62c6933704b",
            std::num::NonZeroU64::new(2).unwrap()
        )]
    );
    assert_eq!(
        parsed.payment_method_types,
        vec![PaymentMethodType::Crypto, PaymentMethodType::Card]
    );
}

#[test]
fn an_invoice_item_is_one_form_or_the_other() {
    let inline: InvoiceItemParams = serde_json::from_str(
        r#"{"price_data":{"currency":"usdt","product_data":{"name":"A"},"unit_amount":"1.10"},"quantity":3}"#,
    )
    .unwrap();
    assert!(
        matches!(inline, InvoiceItemParams::InlinePriceInvoiceItem(ref i) if i.quantity.get() == 3 && i.price_data.unit_amount.to_string() == "1.10")
    );
    let saved: InvoiceItemParams = serde_json::from_str(r#"{"price":"p_1","quantity":1}"#).unwrap();
    assert_eq!(
        saved,
        InvoiceItemParams::saved_price("p_1", std::num::NonZeroU64::MIN)
    );
    assert!(serde_json::from_str::<InvoiceItemParams>(r#"{"quantity":1}"#).is_err());
}

#[test]
fn seed_response_round_trips() {
    let text = fixture("checkout_response.json");
    let c: Checkout = assert_round_trip("checkout_response.json", &text, &[]);
    assert_eq!(c.id, "ed8d24aa-a860-426b-8e56-87cb9f55a081");
    assert_eq!(c.merchant.name, "頑碼資訊有限公司");
    assert_eq!(c.status, CheckoutStatus::Open);
    assert_eq!(c.amount_total, dec("20.00"));
    assert_eq!(c.amount_total.to_string(), "20.00");
    assert_eq!(c.invoice_items[0].amount.to_string(), "20.00");
    assert_eq!(c.created_at.format(), TimestampFormat::UnixSeconds);
    assert_eq!(
        c.created_at.as_datetime(),
        utc("2023-07-28T08:14:32.288761Z")
    );
    assert_eq!(
        c.updated_at.as_datetime(),
        utc("2023-07-28T08:14:33.498443Z")
    );
    let expires = c.expires_at.value().expect("present");
    assert_eq!(expires.format(), TimestampFormat::UnixMillis);
    assert_eq!(expires.as_datetime(), utc("2023-12-30T12:26:06Z"));
    assert!(c.client_reference_id.is_null());
    assert_eq!(c.shipping_address_collection, Some(None));
    assert_eq!(c.metadata, Some(None));
    let options = c.payment_method_options.value().expect("present");
    let crypto = options.crypto.value().expect("crypto options");
    assert_eq!(crypto[0].currency.value, "usdt");
    assert_eq!(crypto[0].networks[0].value, Network::Tron);
    assert!(options.card.is_null());
    assert!(!c.is_paid());
    assert!(c.is_payable_at(utc("2023-12-30T12:26:05Z")));
    assert!(!c.is_payable_at(utc("2023-12-30T12:26:06Z")));
}

#[test]
fn the_2023_draft_response_with_iso_expiry_and_price_data_round_trips() {
    let text = fixture("checkout_response_2023_draft.json");
    let c: Checkout = assert_round_trip("checkout_response_2023_draft.json", &text, &[]);
    let expires = c.expires_at.value().expect("present");
    assert_eq!(expires.format(), TimestampFormat::Iso8601);
    assert_eq!(expires.as_datetime(), utc("2023-07-29T08:14:32.288761Z"));
    // The draft example's session lived exactly 24 h.
    assert_eq!(
        expires.as_datetime() - c.created_at.as_datetime(),
        chrono::TimeDelta::hours(24)
    );
    let price = c.invoice_items[0].price_data.value().expect("expanded");
    assert_eq!(price.unit_amount.to_string(), "20.00");
    let product = price.product_data.value().expect("expanded");
    assert!(product.description.is_null());
    assert!(product.images.is_empty());
}

#[test]
fn held_out_response_with_unknown_values_and_extra_fields_parses() {
    let text = fixture("heldout_checkout_unknowns.json");
    let c: Checkout = assert_round_trip(
        "heldout_checkout_unknowns.json",
        &text,
        &["/customerEmail", "/amountSubtotal", "/merchant/country"],
    );
    assert_eq!(c.status, CheckoutStatus::Unknown("processing".into()));
    assert_eq!(c.status.as_str(), "processing");
    assert_eq!(
        c.payment_method_types,
        vec![
            PaymentMethodType::Crypto,
            PaymentMethodType::Unknown("bank_transfer".into())
        ]
    );
    let networks = &c
        .payment_method_options
        .value()
        .unwrap()
        .crypto
        .value()
        .unwrap()[0]
        .networks;
    assert_eq!(networks[0].value, Network::Unknown("ethereum".into()));
    assert_eq!(networks[1].value, Network::Tron);
    // Decimals stay exact, scale included.
    assert_eq!(c.invoice_items[0].amount.to_string(), "0.000000010");
    assert_eq!(c.invoice_items[1].amount.to_string(), "999999999999.99");
    assert_eq!(c.invoice_items[2].amount.to_string(), "20.5");
    assert_eq!(c.amount_total.to_string(), "1000000000020.490000010");
    let sum: Decimal = c
        .invoice_items
        .iter()
        .map(|i| i.amount * Decimal::from(i.quantity))
        .sum();
    assert_eq!(sum, dec("1000000000020.49000003"));
    // Timestamps in every variant.
    assert_eq!(c.created_at.as_datetime(), utc("2023-07-28T08:14:32Z"));
    assert_eq!(c.updated_at.as_datetime(), utc("2023-07-28T08:14:33.5Z"));
    let expires = c.expires_at.value().unwrap();
    assert_eq!(expires.format(), TimestampFormat::Iso8601);
    assert_eq!(expires.as_datetime(), utc("2023-07-29T08:14:32.288761Z"));
    assert_eq!(expires.as_str(), "2023-07-29T16:14:32.288761+08:00");
    assert!(c.shipping_address_collection.is_some());
    assert!(
        c.payment_method_options
            .value()
            .unwrap()
            .card
            .value()
            .is_some()
    );
}

#[test]
fn held_out_response_with_every_nullable_field_null_round_trips() {
    let text = fixture("heldout_checkout_nulls.json");
    // Every null comes back, `priceData` included: a nullable field keeps absent and `null`
    // apart even where the docs leave it optional.
    let c: Checkout = assert_round_trip("heldout_checkout_nulls.json", &text, &[]);
    assert_eq!(c.status, CheckoutStatus::Expired);
    assert!(c.expires_at.is_null());
    assert!(c.payment_intent.is_null());
    assert!(c.success_url.is_null());
    assert!(c.payment_method_options.is_null());
    assert!(c.payment_method_types.is_empty());
    assert_eq!(c.amount_total.to_string(), "0.00");
    assert_eq!(
        c.created_at.as_datetime(),
        utc("2023-07-28T08:14:32.000001Z")
    );
}

#[test]
fn held_out_complete_response_round_trips() {
    let text = fixture("heldout_checkout_complete.json");
    let c: Checkout = assert_round_trip("heldout_checkout_complete.json", &text, &[]);
    assert!(c.is_paid());
    assert_eq!(c.created_at.as_str(), "1703852766.123");
    assert_eq!(c.created_at.as_datetime(), utc("2023-12-29T12:26:06.123Z"));
    assert_eq!(c.updated_at.as_datetime(), utc("2023-12-29T12:26:40.1Z"));
    assert_eq!(
        c.expires_at.value().unwrap().as_datetime(),
        utc("2023-12-30T12:26:06.001Z")
    );
    assert_eq!(c.metadata, Some(Some(serde_json::Map::new())));
}

#[test]
fn callback_payload_round_trips() {
    let text = fixture("checkout_callback.json");
    let cb: CheckoutCallback = assert_round_trip("checkout_callback.json", &text, &[]);
    assert_eq!(cb.status, CallbackStatus::Succeeded);
    assert_eq!(cb.amount.to_string(), "20.00");
    assert_eq!(
        cb.payment_method.payment_method_detail.network,
        Network::Tron
    );
    assert_eq!(
        cb.client_reference_id.value().map(String::as_str),
        Some("5ae50223-e455-4a72-a48d-fe7d85800e64")
    );

    let text = fixture("heldout_callback_unknowns.json");
    let cb: CheckoutCallback = assert_round_trip(
        "heldout_callback_unknowns.json",
        &text,
        &["/tx_hash", "/payment_method/type"],
    );
    assert_eq!(cb.status, CallbackStatus::Unknown("refunded".into()));
    assert!(cb.client_reference_id.is_null());
    assert_eq!(cb.amount.to_string(), "1000000000020.490000010");
}

#[test]
fn malformed_responses_fail_with_a_clear_message() {
    let mut c = fixture_json("checkout_response.json");
    c["createdAt"] = "yesterday".into();
    let err = serde_json::from_value::<Checkout>(c)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid Payfect timestamp \"yesterday\""),
        "{err}"
    );

    let mut c = fixture_json("checkout_response.json");
    c["amountTotal"] = "twenty".into();
    assert!(serde_json::from_value::<Checkout>(c).is_err());

    let mut c = fixture_json("checkout_response.json");
    c.as_object_mut().unwrap().remove("url");
    let err = serde_json::from_value::<Checkout>(c)
        .unwrap_err()
        .to_string();
    assert!(err.contains("url"), "{err}");
}
