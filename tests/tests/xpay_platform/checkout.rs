//! Hosted checkout from catalog to refund, and which refund targets are accepted.

use super::*;

/// Product and price, session, retrieve, update, complete, webhook, refunds.
#[tokio::test]
async fn hosted_checkout_from_catalog_to_refund() {
    let (sandbox, client, receiver) = start().await;
    let (course, price) = product(&client, "Rust course", "EGP", 149_900).await;
    let session = session(&client, vec![line(&price, 2)]).await;
    assert_eq!(session.status, Some(types::CheckoutSessionStatus::Open));
    assert_eq!(
        session.payment_status,
        Some(types::CheckoutSessionPaymentStatus::Unpaid)
    );
    assert_eq!(session.amount_total, Some(299_800));
    assert_eq!(session.currency.as_deref(), Some("EGP"));
    assert_eq!(session.submit_type, Some(types::ReportedSubmitType::Pay));
    assert!(session.url.as_deref().unwrap().ends_with(&session.id));
    let created = session.created_at.as_ref().unwrap().to_datetime().unwrap();
    let expires = session.expires_at.as_ref().unwrap().to_datetime().unwrap();
    assert_eq!(expires - created, chrono::TimeDelta::hours(24));

    let fetched = client
        .get_checkout_session()
        .id(&session.id)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.client_secret, session.client_secret);

    let updated = client
        .update_checkout_session()
        .id(&session.id)
        .body(types::UpdateCheckoutSessionRequest {
            metadata: Some(Some(
                [("order_id".to_string(), "1043".to_string())]
                    .into_iter()
                    .collect(),
            )),
            line_items: Some(Some(vec![line(&price, 1)])),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.amount_total, Some(149_900));
    assert_eq!(updated.metadata.value().unwrap()["order_id"], "1043");

    let paid = sandbox
        .settle(Api::XpayPlatform, &session.id, Outcome::Complete)
        .unwrap();
    assert_eq!(paid["status"], "complete");
    let [event] = receiver.events(&sandbox, 1).await.try_into().unwrap();
    assert_eq!(event.type_, types::EventType::CheckoutSessionCompleted);
    let EventObject::CheckoutSessionCompleted(done) = event.object else {
        panic!("{:?}", event.object)
    };
    assert_eq!(done.id, session.id);
    assert_eq!(
        done.payment_status,
        Some(types::CheckoutSessionPaymentStatus::Paid)
    );
    let intent = done
        .payment_intent_id
        .clone()
        .flatten()
        .expect("payment intent");

    // The session is locked now.
    let err = fails(
        client
            .update_checkout_session()
            .id(&session.id)
            .body(types::UpdateCheckoutSessionRequest::default())
            .send(),
    )
    .await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let err = fails(client.expire_checkout_session().id(&session.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    assert_eq!(
        sandbox
            .settle(Api::XpayPlatform, &session.id, Outcome::Complete)
            .unwrap_err(),
        SettleError::InvalidState(format!("session {} is complete", session.id))
    );

    // Partial refund by payment intent, the rest by charge.
    let first = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(intent.clone()),
            charge_id: None,
            amount: NonZeroU64::new(50_000),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: Some("one seat back".into()),
            metadata: [("order_id".to_string(), "1043".to_string())]
                .into_iter()
                .collect(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(first.status, Some(types::RefundStatus::SUCCEEDED));
    assert_eq!(
        first.balance_transaction.as_ref().and_then(|t| t.amount),
        Some(-50_000)
    );
    let charge = first.charge_id.clone().unwrap();

    let too_much = fails(
        client
            .create_refund()
            .body(types::CreateRefundRequest {
                charge_id: Some(charge.clone()),
                amount: NonZeroU64::new(100_000),
                ..refund_none()
            })
            .send(),
    )
    .await;
    assert_api(
        &too_much,
        400,
        types::ErrorCode::ParameterOutOfRange,
        Some("amount"),
    );

    let rest = client
        .create_refund()
        .body(types::CreateRefundRequest {
            charge_id: Some(charge.clone()),
            ..refund_none()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(rest.amount, Some(99_900));
    let again = fails(
        client
            .create_refund()
            .body(types::CreateRefundRequest {
                charge_id: Some(charge.clone()),
                ..refund_none()
            })
            .send(),
    )
    .await;
    assert_api(&again, 409, types::ErrorCode::ResourceInvalidState, None);

    let got = client.get_refund().id(&first.id).send().await.unwrap();
    assert_eq!(got.into_inner(), first.into_inner());
    let by_charge: Vec<_> = client
        .list_refunds()
        .charge_id(&charge)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        by_charge.iter().map(|r| r.amount.unwrap()).sum::<i64>(),
        149_900
    );

    // refund.created + charge.refunded per refund (each pair is delivered concurrently).
    let events = receiver.events(&sandbox, 5).await;
    let mut kinds: Vec<&str> = events.iter().map(|e| e.type_.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "charge.refunded",
            "charge.refunded",
            "checkout.session.completed",
            "refund.created",
            "refund.created"
        ]
    );
    let refunded: Vec<(Option<i64>, Option<bool>)> = events
        .iter()
        .filter_map(|e| match &e.object {
            EventObject::ChargeRefunded(c) => Some((c.amount_refunded, c.refunded)),
            _ => None,
        })
        .collect();
    assert!(
        refunded.contains(&(Some(50_000), Some(false))),
        "{refunded:?}"
    );
    assert!(
        refunded.contains(&(Some(149_900), Some(true))),
        "{refunded:?}"
    );
    let ids: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 5, "event ids are unique");

    // A used price and its product cannot be deleted.
    let err = fails(client.delete_price().id(&price).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let err = fails(client.delete_product().id(&course.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let stats = client
        .get_product_stats()
        .id(&course.id)
        .send()
        .await
        .unwrap();
    let usage = &stats.prices.value().unwrap()[0];
    assert_eq!(
        (usage.checkout_sessions, usage.line_items),
        (Some(1), Some(1))
    );

    // The paying customer was created as a guest and shows up in stats.
    let customer = done.customer_id.clone().flatten().unwrap();
    let stats = client
        .get_customer_stats()
        .id(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.successful_transactions, Some(1));
    assert_eq!(stats.total_spent, Some(0), "everything was refunded");
    let guest = client.get_customer().id(&customer).send().await.unwrap();
    assert_eq!(guest.type_, Some(types::CustomerType::Guest));
    assert_eq!(
        guest.email.value().map(String::as_str),
        Some("mona@example.com")
    );
}

#[tokio::test]
async fn refund_targets_are_exclusive() {
    let (sandbox, client, _) = start().await;
    let s = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    sandbox
        .settle(Api::XpayPlatform, &s.id, Outcome::Complete)
        .unwrap();
    let pi = client
        .get_checkout_session()
        .id(&s.id)
        .send()
        .await
        .unwrap()
        .payment_intent_id
        .clone()
        .flatten()
        .unwrap();
    let both = types::CreateRefundRequest {
        payment_intent_id: Some(pi.clone()),
        charge_id: Some("ch_x".into()),
        ..refund_none()
    };
    assert_api(
        &fails(client.create_refund().body(both).send()).await,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("paymentIntentId"),
    );
    assert_api(
        &fails(client.create_refund().body(refund_none()).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("paymentIntentId"),
    );
    let unknown = types::CreateRefundRequest {
        payment_intent_id: Some("pi_test_missing".into()),
        ..refund_none()
    };
    // An id in the body that names nothing: 400 `resource_missing` (a path id gets 404).
    assert_api(
        &fails(client.create_refund().body(unknown).send()).await,
        400,
        types::ErrorCode::ResourceMissing,
        Some("paymentIntentId"),
    );
    // A zero amount can't be built: the spec's `minimum: 1` makes it a `NonZeroU64`.
    let full = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(pi.clone()),
            ..refund_none()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(full.amount, Some(10_000));
    let err = fails(client.get_refund().id("re_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
    let listed = client
        .list_refunds()
        .payment_intent_id(&pi)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);
}
