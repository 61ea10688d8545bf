//! The catalog: products and prices, and payment links built from them.

use super::*;

#[tokio::test]
async fn catalog_products_and_prices() {
    let (_sandbox, client, _) = start().await;
    let (course, default_price) = product(&client, "Course", "USD", 5_000).await;
    let (_, _) = product(&client, "Mug", "EGP", 25_000).await;
    assert_eq!(course.prices.value().unwrap().len(), 1);

    let monthly = client
        .create_price()
        .product_id(&course.id)
        .body(
            types::CreatePriceRequest::builder()
                .currency("USD")
                .type_(types::PriceType::Recurring)
                .unit_amount(1_000)
                .recurring(types::Recurring {
                    interval: Some(types::RecurringInterval::Month),
                    interval_count: Some(1),
                }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(monthly.product_id.as_deref(), Some(course.id.as_str()));
    let custom = client
        .create_price()
        .product_id(&course.id)
        .body(
            types::CreatePriceRequest::builder()
                .currency("KWD")
                .type_(types::PriceType::Custom)
                .custom_unit_amount(types::CustomUnitAmount {
                    minimum: Some(1_000),
                    maximum: Some(50_000),
                    preset: Some(5_000),
                }),
        )
        .send()
        .await
        .unwrap();

    let renamed = client
        .update_price()
        .id(&custom.id)
        .body(types::UpdatePriceRequest {
            name: Some("Pay what you want".into()),
            stock: Some(10),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_deref(), renamed.stock),
        (Some("Pay what you want"), Some(Some(10)))
    );

    let updated = client
        .update_product()
        .id(&course.id)
        .body(types::UpdateProductRequest {
            default_price: Some(monthly.id.clone()),
            image: Some("https://cdn.example/course.png".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.default_price_id.value().map(String::as_str),
        Some(monthly.id.as_str())
    );
    assert_eq!(updated.prices.value().unwrap().len(), 3);

    // Deleting the default price clears the product's reference.
    client.delete_price().id(&monthly.id).send().await.unwrap();
    let after = client.get_product().id(&course.id).send().await.unwrap();
    assert_eq!(after.default_price_id, None);
    assert_eq!(after.prices.value().unwrap().len(), 2);
    let err = fails(
        client
            .update_price()
            .id(&monthly.id)
            .body(types::UpdatePriceRequest::default())
            .send(),
    )
    .await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));

    let upload = client
        .create_product_upload_url()
        .body(types::CreateUploadUrlRequest {
            file_name: Some("course.png".into()),
            content_type: Some("image/png".into()),
        })
        .send()
        .await
        .unwrap();
    assert!(
        upload
            .upload_url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    let err = fails(
        client
            .create_product_upload_url()
            .body(types::CreateUploadUrlRequest {
                file_name: None,
                content_type: Some("text/plain".into()),
            })
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("contentType"),
    );

    let listed = client
        .list_products()
        .metadata(r#"{"category":"course"}"#)
        .search("mug,course")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (listed.total_count, listed.total_pages, listed.data.len()),
        (2, Some(2), 1)
    );
    let all: Vec<_> = client
        .list_products()
        .active(true)
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let err = fails(client.list_products().metadata("{not json").send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("metadata"),
    );

    let stats = client
        .get_product_stats()
        .id(&course.id)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.prices.value().unwrap().len(), 2);
    assert!(
        stats
            .prices
            .value()
            .unwrap()
            .iter()
            .all(|p| p.checkout_sessions == Some(0))
    );

    let err = fails(
        client
            .create_price()
            .product_id("prod_missing")
            .body(one_time("EGP", 1))
            .send(),
    )
    .await;
    assert_api(
        &err,
        404,
        types::ErrorCode::ResourceMissing,
        Some("productId"),
    );
    let err = fails(
        client
            .create_price()
            .product_id(&course.id)
            // Not three letters: the spec's pattern refuses it.
            .body(one_time("US", 1))
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("currency"),
    );

    // An unused product goes, with its prices.
    client.delete_product().id(&course.id).send().await.unwrap();
    let err = fails(client.get_product().id(&course.id).send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
    let err = fails(
        client
            .update_price()
            .id(&default_price)
            .body(types::UpdatePriceRequest::default())
            .send(),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn payment_links_filter_and_replace() {
    let (_sandbox, client, _) = start().await;
    let (_, book) = product(&client, "Novel", "EGP", 20_000).await;
    let (_, pen) = product(&client, "Fountain pen", "EGP", 5_000).await;
    let (_, dollars) = product(&client, "Ebook", "USD", 900).await;

    let field = types::CustomField {
        key: Some("gift_note".into()),
        label: Some(json!("Gift note")),
        type_: Some(types::CustomFieldType::Text),
        optional: Some(true),
        options: None,
    };
    let link = client
        .create_payment_link()
        .body(
            types::CreatePaymentLinkRequest::builder()
                .line_items(vec![line(&book, 1), line(&pen, 2)])
                .custom_fields(vec![field])
                .expires_at(types::Timestamp::from(
                    chrono::Utc::now() + chrono::TimeDelta::days(30),
                )),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(link.computed_amount, Some(30_000));
    assert!(link.url.as_deref().unwrap().ends_with(&link.id));
    assert!(link.expires_at.is_some());

    let err = fails(
        client
            .create_payment_link()
            .body(
                types::CreatePaymentLinkRequest::builder()
                    .line_items(vec![line(&book, 1), line(&dollars, 1)]),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("lineItems[1].currency"),
    );

    let replaced = client
        .update_payment_link()
        .id(&link.id)
        .body(
            types::UpdatePaymentLinkRequest::builder()
                .line_items(vec![line(&pen, 1)])
                .custom_fields(Vec::new())
                .expires_at(ClearableTimestamp::Clear),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.computed_amount, Some(5_000));
    assert_eq!(replaced.line_items.value().unwrap().len(), 1);
    assert_eq!(
        replaced.custom_fields.value().map(Vec::as_slice),
        Some(&[][..])
    );
    assert_eq!(replaced.expires_at, Some(None), "cleared: null");
    let fetched = client.get_payment_link().id(&link.id).send().await.unwrap();
    assert_eq!(fetched.into_inner(), replaced.into_inner());

    let second = client
        .create_payment_link()
        .body(
            types::CreatePaymentLinkRequest::builder()
                .line_items(vec![line(&dollars, 3)])
                .active(false),
        )
        .send()
        .await
        .unwrap();
    let ids =
        |list: types::PaymentLinkList| list.data.into_iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!(
        ids(client
            .list_payment_links()
            .active(false)
            .send()
            .await
            .unwrap()
            .into_inner()),
        [second.id.as_str()]
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .amount("bt:4000,6000")
            .send()
            .await
            .unwrap()
            .into_inner()),
        [link.id.as_str()]
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .amount("gt:5000")
            .send()
            .await
            .unwrap()
            .into_inner()),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .search("ebook")
            .send()
            .await
            .unwrap()
            .into_inner()),
        [second.id.as_str()]
    );
    assert_eq!(
        client
            .list_payment_links()
            .date("last:7,days")
            .send()
            .await
            .unwrap()
            .total_count,
        2
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        client
            .list_payment_links()
            .date(format!("before:{today}"))
            .send()
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(
        client
            .list_payment_links()
            .date(format!("between:2020-01-01,{tomorrow}"))
            .timezone("+02:00")
            .send()
            .await
            .unwrap()
            .total_count,
        2
    );
    let streamed: Vec<_> = client
        .list_payment_links()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 2);

    let err = fails(client.list_payment_links().amount("about:5").send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("amount"),
    );
    let err = fails(client.list_payment_links().date("someday").send()).await;
    assert_api(&err, 400, types::ErrorCode::ParameterInvalid, Some("date"));
    let err = fails(client.get_payment_link().id("plink_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}
