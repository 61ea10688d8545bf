//! Input checks that run before anything is sent, the callback redirect, money invariants and
//! secret hygiene of the client's own types.

use collect_client::callback::{CallbackError, CallbackRedirect, CallbackStatus};
use collect_client::money::{Checked, check_net_amount};
use collect_client::types::{self, RefundReason};
use collect_client::{CollectClient, ConfigError, Error, NewCollection, NewRefund};
use paygate_runtime::JsonDecimal;
use rust_decimal::Decimal;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn valid() -> NewCollection {
    NewCollection::new(dec("25"), "INV-001", "Premium Subscription")
}

#[test]
fn a_valid_request_matches_the_documented_example() {
    let req = valid()
        .callback_url("https://yoursite.com/payment/complete")
        .webhook_url("https://yoursite.com/webhook/fyatu")
        .to_request()
        .unwrap();
    let json = serde_json::to_value(&req).unwrap();
    assert_eq!(json["amount"], 25);
    assert_eq!(json["currency"], "USD");
    assert_eq!(json["orderId"], "INV-001");
    assert_eq!(json["callbackUrl"], "https://yoursite.com/payment/complete");
}

#[test]
fn each_rule_names_its_field() {
    let cases: Vec<(NewCollection, &str)> = vec![
        (
            NewCollection {
                amount: dec("0.99"),
                ..valid()
            },
            "amount",
        ),
        (
            NewCollection {
                amount: dec("0"),
                ..valid()
            },
            "amount",
        ),
        (
            NewCollection {
                amount: dec("-5"),
                ..valid()
            },
            "amount",
        ),
        (
            NewCollection {
                order_id: String::new(),
                ..valid()
            },
            "orderId",
        ),
        (
            NewCollection {
                order_id: "   ".into(),
                ..valid()
            },
            "orderId",
        ),
        (
            NewCollection {
                order_id: "x".repeat(101),
                ..valid()
            },
            "orderId",
        ),
        (
            NewCollection {
                description: "d".repeat(101),
                ..valid()
            },
            "description",
        ),
        (
            NewCollection {
                description: String::new(),
                ..valid()
            },
            "description",
        ),
        (valid().callback_url("/relative"), "callbackUrl"),
        (valid().webhook_url("ftp://x.example/hook"), "webhookUrl"),
    ];
    for (input, field) in cases {
        let err = input.validate().expect_err(field);
        assert_eq!(err.field, field, "{err}");
        assert!(err.to_string().starts_with(&format!("{field}: ")), "{err}");
    }
}

#[test]
fn limits_are_inclusive_and_count_characters() {
    assert!(
        NewCollection {
            amount: dec("1"),
            ..valid()
        }
        .validate()
        .is_ok()
    );
    assert!(
        NewCollection {
            amount: dec("1.00"),
            ..valid()
        }
        .validate()
        .is_ok()
    );
    // 100 characters, 200 bytes: allowed (the limit is characters).
    assert!(
        NewCollection {
            order_id: "é".repeat(100),
            ..valid()
        }
        .validate()
        .is_ok()
    );
    assert!(
        NewCollection {
            description: "ü".repeat(100),
            ..valid()
        }
        .validate()
        .is_ok()
    );
    assert!(
        NewCollection {
            order_id: "é".repeat(101),
            ..valid()
        }
        .validate()
        .is_err()
    );
}

#[tokio::test]
async fn invalid_input_never_reaches_the_network() {
    // Port 9 (discard) on loopback: a request would fail as Transport, not InvalidRequest.
    let client = CollectClient::builder("A1B2C3D4E5F6G7H8", "your_secret_key_here")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = client
        .create_collection(&NewCollection {
            order_id: "x".repeat(101),
            ..valid()
        })
        .await
        .unwrap_err();
    match err {
        Error::InvalidRequest(m) => assert!(m.starts_with("orderId:"), "{m}"),
        other => panic!("{other:?}"),
    }
    let err = client
        .refund("SCI1", &NewRefund::partial(dec("0")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.starts_with("amount:")),
        "{err:?}"
    );
}

#[test]
fn builder_checks_credentials_and_base_url() {
    let short_app = CollectClient::builder("ABC", "your_secret_key_here")
        .build()
        .unwrap_err();
    assert!(
        matches!(short_app, ConfigError::Invalid { what: "appId", .. }),
        "{short_app:?}"
    );
    let short_key = CollectClient::builder("A1B2C3D4E5F6G7H8", "short")
        .build()
        .unwrap_err();
    assert!(matches!(
        short_key,
        ConfigError::Invalid {
            what: "secretKey",
            ..
        }
    ));
    let bad_url = CollectClient::builder("A1B2C3D4E5F6G7H8", "your_secret_key_here")
        .base_url("api.fyatu.com")
        .build()
        .unwrap_err();
    assert!(matches!(bad_url, ConfigError::BaseUrl { .. }));
    let client = CollectClient::builder("A1B2C3D4E5F6G7H8", "your_secret_key_here")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://api.fyatu.com/api/v3");
    assert!(
        !format!("{client:?}").contains("your_secret_key_here"),
        "secret in Debug"
    );
}

#[test]
fn refund_requests() {
    let full = NewRefund::full()
        .reason(RefundReason::OrderCancelled)
        .to_request()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&full).unwrap(),
        serde_json::json!({"mode": "FULL", "reason": "ORDER_CANCELLED"})
    );
    let partial = NewRefund::partial(dec("10.50")).to_request().unwrap();
    assert_eq!(
        serde_json::to_value(&partial).unwrap(),
        serde_json::json!({"mode": "PARTIAL", "amount": 10.5})
    );
    assert_eq!(
        NewRefund {
            amount: None,
            ..NewRefund::partial(dec("1"))
        }
        .validate()
        .unwrap_err()
        .field,
        "amount"
    );
    assert_eq!(
        NewRefund {
            amount: Some(dec("1")),
            ..NewRefund::full()
        }
        .validate()
        .unwrap_err()
        .field,
        "amount"
    );
    assert_eq!(
        NewRefund::partial(dec("-1")).validate().unwrap_err().field,
        "amount"
    );
}

#[test]
fn net_amount_is_checked_exactly() {
    let j = |s: &str| JsonDecimal(dec(s));
    assert!(check_net_amount("collection", "SCI1", j("25"), j("0.75"), j("24.25")).is_ok());
    assert!(check_net_amount("collection", "SCI1", j("100"), j("1.9"), j("98.1")).is_ok());
    let err = check_net_amount("collection", "SCI1", j("25"), j("0.75"), j("24.24")).unwrap_err();
    assert!(
        err.contains("SCI1") && err.contains("24.24") && err.contains("0.75"),
        "{err}"
    );
    // 0.1 + 0.2 style float trouble cannot happen: decimals are exact.
    assert!(check_net_amount("collection", "SCI2", j("0.3"), j("0.1"), j("0.2")).is_ok());
    let session: types::CheckoutSession = serde_json::from_value(serde_json::json!({
        "collectionId": "SCI3", "amount": 10, "fee": 0.3, "netAmount": 9.69, "status": "PENDING"
    }))
    .unwrap();
    assert!(session.check().is_err());
}

#[test]
fn callback_redirects() {
    let r = CallbackRedirect::parse(
        "https://yoursite.com/payment/complete?batch=SCI679A1B2C3D4E5&status=COMPLETED",
    )
    .unwrap();
    assert_eq!(r.batch, "SCI679A1B2C3D4E5");
    assert_eq!(r.status, CallbackStatus::Completed);
    assert_eq!(
        CallbackRedirect::parse("batch=SCI1&status=CANCELLED")
            .unwrap()
            .status,
        CallbackStatus::Cancelled
    );
    assert_eq!(
        CallbackRedirect::parse("?status=FAILED&batch=SCI1")
            .unwrap()
            .status,
        CallbackStatus::Failed
    );
    assert_eq!(
        CallbackRedirect::parse("/return?batch=SCI1&status=EXPIRED&utm_source=x#top")
            .unwrap()
            .status,
        CallbackStatus::Unknown("EXPIRED".into())
    );
    assert_eq!(
        CallbackRedirect::parse("/return?batch=SCI%201&status=COMPLETED")
            .unwrap()
            .batch,
        "SCI 1"
    );
    assert_eq!(
        CallbackRedirect::parse("https://x.example/?status=COMPLETED"),
        Err(CallbackError::Missing("batch"))
    );
    assert_eq!(
        CallbackRedirect::parse("https://x.example/?batch=&status=COMPLETED"),
        Err(CallbackError::Missing("batch"))
    );
    assert_eq!(
        CallbackRedirect::parse("https://x.example/?batch=SCI1"),
        Err(CallbackError::Missing("status"))
    );
    assert_eq!(
        CallbackRedirect::parse("?batch=SCI1&status=COMPLETED&status=FAILED"),
        Err(CallbackError::Ambiguous("status"))
    );
    assert_eq!(
        CallbackRedirect::parse(""),
        Err(CallbackError::Missing("batch"))
    );
}
