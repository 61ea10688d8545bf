//! One test per finding of `findings-2026-11.md` applied to the specs, each built from the
//! documented example where one exists (`tests/fixtures/spec_findings/`, sources in its README).

use rust_decimal::Decimal;
use serde_json::Value;
use std::path::PathBuf;
use std::str::FromStr;
use xpay_client::platform::types as xp;
use xpay_client::xstak::types as xs;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/spec_findings")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spec(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name);
    serde_json::to_value(paygate_codegen::load(&path).unwrap()).unwrap()
}

/// Parses `name` as `T`, checks it writes back to the same JSON value, and returns it.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) -> T {
    let text = fixture(name);
    let parsed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), expected, "{name}");
    parsed
}

fn path_of(ops: &[(&str, &str, &str)], id: &str) -> String {
    ops.iter()
        .find(|(op, _, _)| *op == id)
        .map(|(_, m, p)| format!("{} {p}", m.to_uppercase()))
        .unwrap_or_else(|| panic!("no operation {id}"))
}

// ---------------------------------------------------------------- XPay platform

#[test]
fn xpay_valu_loan_figures_are_decimal_strings() {
    let charge: xp::Charge = round_trip("xpay_charge_valu.json");
    let valu = charge
        .payment_method_details
        .and_then(|d| d.valu)
        .expect("valu details");
    assert_eq!(valu.emi, Some(Decimal::from_str("1041.67").unwrap()));
    // The scale survives: `"0.00"` is written back as `"0.00"`, not `"0"`.
    assert_eq!(valu.down_payment.unwrap().to_string(), "0.00");
    assert_eq!(valu.financed_amount.unwrap().to_string(), "12500.00");
    // An integer, as the old spec had it, is still read (rust_decimal accepts numbers) but the
    // documented form is the string.
    assert!(serde_json::from_str::<xp::ValuDetails>(r#"{"emi": "1041.67"}"#).is_ok());
}

#[test]
fn xpay_refund_status_reads_both_casings_as_one_value() {
    let upper: xp::Refund = round_trip("xpay_refund_uppercase.json");
    let lower: xp::RefundStatus = serde_json::from_str(r#""succeeded""#).unwrap();
    let status = upper.status.expect("status");
    assert_eq!(status, lower);
    assert_eq!(status, xp::RefundStatus::SUCCEEDED);
    assert!(matches!(status, xp::RefundStatus::Succeeded(_)));
    assert!(status.is_known());
    assert_eq!(status.canonical(), "succeeded");
    // Written back as received, both ways.
    assert_eq!(serde_json::to_string(&status).unwrap(), r#""SUCCEEDED""#);
    assert_eq!(serde_json::to_string(&lower).unwrap(), r#""succeeded""#);
    for (a, b) in [
        ("PENDING", "pending"),
        ("REQUIRES_ACTION", "requires_action"),
        ("FAILED", "failed"),
        ("CANCELED", "canceled"),
    ] {
        assert_eq!(xp::RefundStatus::from(a), xp::RefundStatus::from(b));
        assert_eq!(xp::RefundStatus::from(a).as_str(), a);
    }
    // Other casings are not guessed: they stay unknown, verbatim.
    assert_eq!(
        xp::RefundStatus::from("Succeeded"),
        xp::RefundStatus::Unknown("Succeeded".into())
    );
    // Equal values hash alike, so a set holds one of them.
    let set: std::collections::HashSet<_> = [status, lower].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn xpay_last_payment_error_has_every_documented_field() {
    let intent: xp::PaymentIntent = round_trip("xpay_payment_intent_last_payment_error.json");
    let e = intent
        .last_payment_error
        .flatten()
        .expect("lastPaymentError");
    assert_eq!(e.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(e.network_decline_code.as_deref(), Some("51"));
    assert_eq!(e.advice_code.as_deref(), Some("try_again_later"));
    assert_eq!(e.charge_id.as_deref(), Some("ch_test_declined01"));
    assert_eq!(e.payment_method_type, Some(xp::PaymentMethodType::Card));
    let card = e.payment_method.and_then(|m| m.card).expect("card");
    assert_eq!(card.last4.as_deref(), Some("0002"));
    assert_eq!(e.processor_message.as_deref(), Some("Insufficient funds"));
}

#[test]
fn xpay_charge_failed_is_a_known_event() {
    let event: xp::Event = round_trip("xpay_event_charge_failed.json");
    assert_eq!(event.type_, xp::EventType::ChargeFailed);
    assert!(event.type_.is_known());
}

#[test]
fn xpay_live_mode_is_a_documented_optional_query_parameter() {
    let spec = spec("xpay.yaml");
    let p = &spec["components"]["parameters"]["LiveMode"];
    assert_eq!(p["name"], "liveMode");
    assert_eq!(p["in"], "query");
    assert_ne!(p["required"], true, "optional: absent or false");
    assert_eq!(p["schema"]["type"], "boolean");
}

#[test]
fn xpay_line_items_carry_a_price_with_its_product() {
    let session: xp::CheckoutSession = round_trip("xpay_checkout_session_nulls.json");
    let items = session.line_items.clone().flatten().expect("lineItems");
    let item = &items[0];
    assert_eq!(item.id.as_deref(), Some("li_test_01"));
    assert_eq!(item.amount_total, Some(149900));
    let product = item.price.as_ref().and_then(|p| p.product.as_ref());
    assert_eq!(product.and_then(|p| p.name.as_deref()), Some("Annual plan"));
}

#[test]
fn xpay_session_nulls_survive_a_round_trip() {
    let session: xp::CheckoutSession = round_trip("xpay_checkout_session_nulls.json");
    assert_eq!(session.customer_id, Some(None));
    assert_eq!(session.payment_intent_id, Some(None));
    let written = serde_json::to_value(&session).unwrap();
    assert_eq!(written["customerId"], Value::Null);
    assert_eq!(written["paymentIntentId"], Value::Null);
    assert_eq!(session.is_expired, Some(false));
    assert_eq!(session.livemode, Some(false));
}

#[test]
fn xpay_session_customer_may_be_an_id_or_an_object() {
    let session: xp::CheckoutSession = round_trip("xpay_checkout_session_customer_id.json");
    assert_eq!(
        session.customer,
        Some(xp::SessionCustomerOrId::String("cus_test_9x8y".into()))
    );
    let object: xp::SessionCustomerOrId =
        serde_json::from_str(r#"{"id": "cus_test_9x8y", "type": "guest"}"#).unwrap();
    match object {
        xp::SessionCustomerOrId::SessionCustomer(c) => {
            assert_eq!(c.id.as_deref(), Some("cus_test_9x8y"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn xpay_api_error_and_checkout_session_expired_are_known() {
    let e: xp::ErrorResponse = round_trip("xpay_error_session_expired.json");
    assert_eq!(e.error.type_, xp::ErrorType::ApiError);
    assert_eq!(
        e.error.code,
        Some(Some(xp::ErrorCode::CheckoutSessionExpired))
    );
}

// ---------------------------------------------------------------- XPay by XStak

#[test]
fn xstak_documented_error_body_parses() {
    let e: xs::ErrorResponse = round_trip("xstak_error_invalid_credentials.json");
    assert_eq!(e.error, Some(Value::Bool(true)));
    assert_eq!(e.message.as_deref(), Some("Invalid credentials."));
    assert_eq!(e.success, None);
}

#[test]
fn xstak_wallet_setup_operations_exist() {
    let ops = xpay_client::xstak::OPERATIONS;
    assert_eq!(
        path_of(ops, "setup_bnpl_wallet"),
        "POST /public/v1/bnpl/wallet/setup"
    );
    assert_eq!(
        path_of(ops, "setup_subscription_wallet"),
        "POST /public/v1/subscription/wallet/setup"
    );
    let reply: xs::WalletSetupResponse = round_trip("xstak_subscription_wallet_setup.json");
    let url = reply
        .data
        .and_then(|d| d.redirect_url)
        .expect("redirect_url");
    assert!(url.starts_with("https://xpay-checkout-stage.xstak.com/"));
}

#[test]
fn xstak_operations_declare_their_security() {
    let spec = spec("xpay-xstak.yaml");
    let mut schemes = spec["security"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect::<Vec<_>>();
    schemes.sort();
    assert_eq!(schemes, ["AccountId", "ApiKey", "Signature"]);
    // The unsigned GET overrides it without the signature.
    let get = &spec["paths"]["/public/v1/payment/intent/details/{pi_id}"]["get"];
    assert!(get["security"][0].get("Signature").is_none());
    assert!(get["security"][0].get("ApiKey").is_some());
}

// ---------------------------------------------------------------- FYATU collections

#[test]
fn collect_webhook_secret_can_be_regenerated() {
    assert_eq!(
        path_of(collect_client::OPERATIONS, "regenerate_webhook_secret"),
        "POST /webhooks/secret/regenerate"
    );
    let reply: collect_client::types::WebhookSecretEnvelope =
        round_trip("collect_webhook_secret_regenerate.json");
    let secret = &reply.data.webhook_secret;
    assert_eq!(
        secret.expose_secret(),
        "whsec_3f9a1c0d7e5b4a2f8c6d1e0b9a7f5c3d"
    );
    // The secret never shows in Debug output.
    assert!(!format!("{reply:?}").contains("whsec_3f9a"));
}

#[test]
fn collect_refund_completed_payload_parses() {
    let text = fixture("collect_refund_completed.json");
    let event: Value = serde_json::from_str(&text).unwrap();
    let data: collect_client::types::RefundCompletedData =
        serde_json::from_value(event["data"].clone()).unwrap();
    assert_eq!(data.refund_id, "REF8A1B2C3D4E");
    assert_eq!(
        data.status,
        Some(collect_client::types::RefundStatus::Completed)
    );
    assert_eq!(serde_json::to_value(&data).unwrap(), event["data"]);
}

#[test]
fn collect_expired_stays_readable_and_marked() {
    let reply: collect_client::types::CollectionEnvelope =
        round_trip("collect_collection_expired.json");
    assert_eq!(
        reply.data.status,
        collect_client::types::CollectionStatus::Expired
    );
    let spec = spec("collect.yaml");
    let status = &spec["components"]["schemas"]["CollectionStatus"];
    assert_eq!(status["x-unconfirmed"], true);
    assert!(
        status["description"]
            .as_str()
            .unwrap()
            .contains("probably not a status")
    );
}

// ---------------------------------------------------------------- Payfect

#[test]
fn payfect_catalog_paths_follow_the_sdk() {
    let ops = payfect_client::OPERATIONS;
    assert_eq!(path_of(ops, "create_checkout"), "POST /v1/checkouts/");
    assert_eq!(path_of(ops, "retrieve_checkout"), "GET /v1/checkouts/{id}/");
    assert_eq!(path_of(ops, "create_product"), "POST /products/");
    assert_eq!(path_of(ops, "create_price"), "POST /prices/");
    assert_eq!(path_of(ops, "create_payment_link"), "POST /payment-links/");
    let spec = spec("payfect.yaml");
    assert_eq!(spec["servers"][0]["url"], "https://api.payfect.finance/api");
    for path in ["/products/", "/prices/", "/payment-links/"] {
        let op = spec["paths"][path]["post"].as_object().unwrap();
        assert_eq!(op["x-unconfirmed"], true, "{path}");
        assert!(
            op["description"].as_str().unwrap().contains("SDK"),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------- secrets

#[test]
fn the_api_summaries_list_every_sensitive_key() {
    for (spec, keys) in [
        ("xpay.yaml", &["CheckoutSession.clientSecret"][..]),
        (
            "xpay-xstak.yaml",
            &[
                "PaymentIntent.pi_client_secret",
                "PaymentIntent.encryptionKey",
                "query parameter pi_client_secret",
            ][..],
        ),
        (
            "collect.yaml",
            &[
                "TokenRequest.secretKey",
                "Token.accessToken",
                "WebhookSecret.webhookSecret",
            ][..],
        ),
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../specs")
            .join(spec);
        let summary = paygate_codegen::summary(&path).unwrap();
        let section = summary
            .split("## Sensitive (x-sensitive: true)")
            .nth(1)
            .unwrap_or_else(|| panic!("{spec}: no sensitive section"));
        for key in keys {
            assert!(
                section.lines().any(|l| l == *key),
                "{spec}: {key} not listed"
            );
        }
    }
}
