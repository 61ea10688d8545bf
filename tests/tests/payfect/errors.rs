//! Payfect: auth, validation and server errors, and hostile replies, keep their status.

use super::*;

#[tokio::test]
async fn auth_errors_are_typed() {
    let (sandbox, client) = start().await;

    let wrong = client_for(&sandbox, "SbxPfct1.wrongwrongwrongwrongwrongwrongwr");
    let err = wrong
        .create_checkout()
        .body(usdt_checkout("r", "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401), "{err:?}");
    assert_eq!(
        err.api_error().and_then(|b| b.detail()),
        Some("Invalid API key.")
    );
    assert!(!format!("{err} {err:?}").contains("wrongwrong"));

    // Without the header at all (not possible through the client).
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/v1/checkouts/x/",
            sandbox.base_url(Api::Payfect)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 401);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "Authentication credentials were not provided."
    );

    sandbox.payfect().set_merchant_active(false);
    let err = client.retrieve_checkout().id("x").send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403), "{err:?}");
    assert_eq!(
        err.api_error().and_then(|b| b.detail()),
        Some("You do not have permission to perform this action.")
    );
    sandbox.payfect().set_merchant_active(true);

    let err = client
        .retrieve_checkout()
        .id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.api_error().and_then(|b| b.detail()), Some("Not found."));
}

#[tokio::test]
async fn validation_errors_name_the_fields() {
    let (_sandbox, client) = start().await;
    let field_errors = |err: &payfect_client::Error| -> Vec<String> {
        let mut fields: Vec<String> = err
            .api_error()
            .expect("a DRF error body")
            .field_errors()
            .iter()
            .map(ToString::to_string)
            .collect();
        // Field errors come in the provider's order, which carries no meaning.
        fields.sort();
        fields
    };
    // Rules the spec states are checked against it before the handler runs, all at once, each
    // under its field's path.
    let mut request = usdt_checkout("r", "1", 1);
    request.success_url = Some("not a url".into());
    request.currency = String::new();
    request.payment_method_data = Some(PaymentMethodData::crypto(
        "usdt",
        Network::Unknown("ethereum".into()),
    ));
    let err = client
        .create_checkout()
        .body(request)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err:?}");
    let fields = field_errors(&err);
    let paths: Vec<&str> = fields
        .iter()
        .map(|f| f.split(':').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "currency",
            "payment_method_data.paymentMethodDetail.network",
            "success_url"
        ],
        "{fields:?}"
    );
    assert!(
        fields
            .iter()
            .all(|f| !f.contains("ethereum") && !f.contains("not a url"))
    );

    let err = client
        .create_checkout()
        .body(CreateCheckoutRequest {
            invoice_items: Vec::new(),
            ..usdt_checkout("r", "1", 1)
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&err),
        ["invoice_items: This field is required."]
    );

    // A rule no schema can state (the price must exist) comes from the handler, DRF style.
    let mut request = usdt_checkout("r", "1", 1);
    request.invoice_items.push(InvoiceItemParams::saved_price(
        "no-such-price",
        NonZeroU64::MIN,
    ));
    let err = client
        .create_checkout()
        .body(request)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        field_errors(&err),
        ["invoice_items[1].price: Invalid pk \"no-such-price\" - object does not exist."]
    );
}

#[tokio::test]
async fn server_errors_and_hostile_replies_keep_their_status() {
    let (sandbox, client) = start().await;
    let post = http::Method::POST;
    let client = client.with_retry(RetryPolicy::none());

    let id = sandbox.faults().add(
        Fault::new(CHECKOUTS, FaultKind::Status { status: 500 })
            .method(post.clone())
            .times(1),
    );
    let err = client
        .create_checkout()
        .body(usdt_checkout(&reference("500"), "1", 1))
        .send()
        .await
        .unwrap_err();
    sandbox.faults().remove(id);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
    assert!(
        matches!(err, Error::Decode { .. }),
        "plain-text 500: {err:?}"
    );

    sandbox.faults().add(
        Fault::new(CHECKOUTS, FaultKind::Html { status: 502 })
            .method(post.clone())
            .times(1),
    );
    let err = client
        .create_checkout()
        .body(usdt_checkout(&reference("502"), "1", 1))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Decode { status, reason, .. } => {
            assert_eq!(status.as_u16(), 502);
            assert!(reason.starts_with("not JSON"), "{reason}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    sandbox.faults().add(
        Fault::new(CHECKOUTS, FaultKind::TruncatedJson)
            .method(post.clone())
            .times(1),
    );
    let order = reference("TRUNC");
    let err = client
        .create_checkout()
        .body(usdt_checkout(&order, "1", 1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200), "{err:?}");
    // The checkout was made; only the reply was damaged.
    assert_eq!(sandbox.payfect().checkouts_with_reference(&order).len(), 1);
}
