//! Payfect: every operation against the sandbox, and the seed request.

use super::*;

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    let (sandbox, client) = start().await;

    let product = client
        .create_product()
        .body(CreateProductRequest {
            name: "儲值金".into(),
            description: Some("馬上儲值".into()),
            images: vec!["https://img.example/p.png".into()],
        })
        .send()
        .await
        .unwrap();
    let price = client
        .create_price()
        .body(CreatePriceRequest {
            product: Some(product.id.clone()),
            product_data: None,
            currency: "usdt".into(),
            unit_amount: dec("1000.125"),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(price.product, product.id);
    assert_eq!(price.unit_amount.to_string(), "1000.125");
    // The Python example's inline-product form.
    let inline_price = client
        .create_price()
        .body(CreatePriceRequest {
            product: None,
            product_data: Some(payfect_client::types::ProductData {
                name: "Product A".into(),
                description: None,
                images: Vec::new(),
            }),
            currency: "usdt".into(),
            unit_amount: dec("100.5"),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(inline_price.unit_amount.to_string(), "100.50");

    // One saved price and one inline price in the same checkout.
    let order = reference("MIX");
    let mut request = usdt_checkout(&order, "20.5", 3);
    request.invoice_items.push(InvoiceItemParams::saved_price(
        &price.id,
        NonZeroU64::new(2).unwrap(),
    ));
    let checkout = client.create_checkout().body(request).send().await.unwrap();
    assert_eq!(checkout.status, CheckoutStatus::Open);
    assert_eq!(
        checkout.client_reference_id.value().map(String::as_str),
        Some(order.as_str())
    );
    assert_eq!(checkout.invoice_items.len(), 2);
    assert_eq!(checkout.invoice_items[0].amount.to_string(), "61.50");
    assert_eq!(checkout.invoice_items[1].price, price.id);
    assert_eq!(checkout.invoice_items[1].amount.to_string(), "2000.25");
    assert_eq!(checkout.amount_total, dec("2061.75"));
    assert_eq!(checkout.amount_total.to_string(), "2061.75");
    assert!(
        checkout
            .url
            .ends_with(&format!("/_sandbox/pay/payfect/{}", checkout.id))
    );
    assert_eq!(checkout.created_at.format(), TimestampFormat::UnixSeconds);
    let expires = checkout.expires_at.value().unwrap();
    assert_eq!(expires.format(), TimestampFormat::UnixMillis);
    let lifetime = expires.as_datetime() - checkout.created_at.as_datetime();
    assert!(
        lifetime <= TimeDelta::hours(24)
            && lifetime > TimeDelta::hours(24) - TimeDelta::milliseconds(1),
        "{lifetime}"
    );

    let fetched = client
        .retrieve_checkout()
        .id(&checkout.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched, *checkout);

    let link = client
        .create_payment_link()
        .body(CreatePaymentLinkRequest {
            name_collection: Some(true),
            email_collection: Some(true),
            phone_number_collection: None,
            shipping_address_collection: vec!["TW".into()],
            invoice_items: vec![SavedPriceInvoiceItem {
                price: price.id.clone(),
                quantity: NonZeroU64::MIN,
            }],
        })
        .send()
        .await
        .unwrap();
    assert!(link.url.contains("/payment-links/"));
    assert_eq!(link.name_collection, Some(true));

    // Every operation of the spec was exercised above.
    let used = [
        "create_product",
        "create_price",
        "create_checkout",
        "retrieve_checkout",
        "create_payment_link",
    ];
    for (op, _, _) in OPERATIONS {
        assert!(used.contains(op), "{op} not exercised");
    }
    drop(sandbox);
}

#[tokio::test]
async fn the_seed_request_creates_a_checkout() {
    let (_sandbox, client) = start().await;
    let text = include_str!("../../../payfect-client/tests/fixtures/create_checkout_request.json");
    let request: CreateCheckoutRequest = serde_json::from_str(text).unwrap();
    let checkout = client.create_checkout().body(request).send().await.unwrap();
    assert_eq!(checkout.currency, "usdt");
    assert_eq!(
        checkout.client_reference_id.value().map(String::as_str),
        Some("5ae50223-e455-4a72-a48d-fe7d85800e64")
    );
    assert_eq!(checkout.amount_total.to_string(), "20.50");
    assert_eq!(
        checkout.success_url.value().map(String::as_str),
        Some("https://example.com/success")
    );
    let options = checkout.payment_method_options.value().unwrap();
    assert_eq!(
        options.crypto.value().unwrap()[0].networks[0].value,
        Network::Tron
    );
}
