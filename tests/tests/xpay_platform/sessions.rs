//! Checkout sessions: expiry by request and by time, and the documented validation errors.

use super::*;

#[tokio::test]
async fn sessions_expire_by_request_and_by_time() {
    let (sandbox, client, receiver) = start().await;
    let s1 = session(&client, vec![inline("KWD", 1_140, "Gift card")]).await;
    assert_eq!(s1.currency.as_deref(), Some("KWD"));
    let expired = client
        .expire_checkout_session()
        .id(&s1.id)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status, Some(types::CheckoutSessionStatus::Expired));
    let err = fails(client.expire_checkout_session().id(&s1.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);

    let s2 = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    sandbox.advance_clock(Duration::from_secs(24 * 3600 + 1));
    let late = client
        .get_checkout_session()
        .id(&s2.id)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status, Some(types::CheckoutSessionStatus::Expired));
    assert_eq!(late.is_expired, Some(true));
    assert!(
        sandbox
            .settle(Api::XpayPlatform, &s2.id, Outcome::Complete)
            .is_err()
    );

    let events = receiver.events(&sandbox, 2).await;
    assert!(
        events
            .iter()
            .all(|e| e.type_ == types::EventType::CheckoutSessionExpired)
    );
    let ids: BTreeSet<String> = events
        .iter()
        .map(|e| match &e.object {
            EventObject::CheckoutSessionExpired(s) => s.id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, BTreeSet::from([s1.id.clone(), s2.id.clone()]));

    // Cancel settles by expiring; a failed payment leaves the session open, with no webhook.
    let s3 = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    let failed = sandbox
        .settle(Api::XpayPlatform, &s3.id, Outcome::Fail)
        .unwrap();
    assert_eq!(failed["status"], "open");
    assert_eq!(
        failed["paymentIntent"]["lastPaymentError"]["code"],
        "card_declined"
    );
    let cancelled = sandbox
        .settle(Api::XpayPlatform, &s3.id, Outcome::Cancel)
        .unwrap();
    assert_eq!(cancelled["status"], "expired");
    assert_eq!(
        receiver.events(&sandbox, 3).await[2].type_,
        types::EventType::CheckoutSessionExpired
    );
    assert_eq!(
        sandbox.settle(Api::XpayPlatform, "cs_test_nope", Outcome::Complete),
        Err(SettleError::NotFound("cs_test_nope".into()))
    );
}

#[tokio::test]
async fn session_validation_follows_the_docs() {
    let (sandbox, client, _) = start().await;
    let (_, price) = product(&client, "Book", "EGP", 20_000).await;

    // afterCompletion is the one required field.
    let err = fails(
        client
            .create_checkout_session()
            .body(types::CreateCheckoutSessionRequest::builder().line_items(vec![line(&price, 1)]))
            .send(),
    )
    .await;
    assert!(
        matches!(err, Error::InvalidRequest(_)),
        "the client refuses to send it: {err:?}"
    );
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .post(format!("{}/checkout/sessions", client.base_url()))
        .bearer_auth(sandbox.creds().xpay_platform_secret_key.expose_secret())
        .json(&json!({"lineItems": [{"price": price, "quantity": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: types::ErrorResponse = raw.json().await.unwrap();
    assert_eq!(
        body.error.code,
        Some(Some(types::ErrorCode::ParameterMissing))
    );
    assert_eq!(
        body.error.param.value().map(String::as_str),
        Some("afterCompletion")
    );

    let create = |items: Vec<types::LineItemInput>| {
        client.create_checkout_session().body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(redirect())
                .line_items(items),
        )
    };
    let both = types::LineItemInput {
        price_data: inline("EGP", 1, "x").price_data,
        ..line(&price, 1)
    };
    assert_api(
        &fails(create(vec![both]).send()).await,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("lineItems[0].price"),
    );
    let neither = types::LineItemInput {
        price: None,
        ..line(&price, 1)
    };
    assert_api(
        &fails(create(vec![neither]).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("lineItems[0].price"),
    );
    // A zero quantity can't be built (`NonZeroU64`); the sandbox refuses one sent raw by the
    // spec's `minimum: 1` (tested in the sandbox's conformance tests).
    assert_api(
        &fails(create(vec![line("price_test_missing", 1)]).send()).await,
        400,
        types::ErrorCode::ResourceMissing,
        Some("lineItems[0].price"),
    );
    assert_api(
        &fails(create(vec![]).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("lineItems"),
    );
    assert_api(
        &fails(create(vec![line(&price, 1), inline("USD", 500, "mixed")]).send()).await,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("lineItems[1].currency"),
    );

    let customer = client
        .create_customer()
        .body(types::CreateCustomerRequest {
            email: Some("a@b.co".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(redirect())
                    .line_items(vec![line(&price, 1)])
                    .customer_id(customer.id.clone())
                    .customer_details(types::CustomerDetailsInput {
                        email: Some("c@d.co".into()),
                        ..Default::default()
                    }),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("customerDetails"),
    );

    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(redirect())
                    .line_items(vec![line(&price, 1)])
                    .ui_mode(types::UiMode::Embedded)
                    .cancel_url("https://shop.example/cart".to_string()),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("cancelUrl"),
    );

    let http_redirect = types::AfterCompletion {
        redirect: Some(types::AfterCompletionRedirect {
            url: "http://shop.example/ok".into(),
        }),
        ..redirect()
    };
    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(http_redirect)
                    .line_items(vec![line(&price, 1)]),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("afterCompletion.redirect.url"),
    );

    // Immutable fields cannot be patched (sent raw: the typed update has no such fields).
    let open = session(&client, vec![line(&price, 1)]).await;
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .patch(format!(
            "{}/checkout/sessions/{}",
            client.base_url(),
            open.id
        ))
        .bearer_auth(sandbox.creds().xpay_platform_secret_key.expose_secret())
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: types::ErrorResponse = raw.json().await.unwrap();
    assert_eq!(
        body.error.param.value().map(String::as_str),
        Some("currency")
    );

    let err = fails(client.get_checkout_session().id("cs_test_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}
