//! Collect: every operation against the sandbox.

use super::*;

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    let (sandbox, client) = start().await;
    let order_id = order("INV");
    let created = client
        .create_collection(
            &NewCollection::new(dec("25"), &order_id, "Premium Subscription")
                .callback_url("https://shop.example/return")
                .metadata(
                    serde_json::json!({"plan": "premium"})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
        )
        .await
        .unwrap();
    let CreatedCollection::Created(session) = &created else {
        panic!("{created:?}")
    };
    assert!(session.collection_id.starts_with("SCI"));
    assert_eq!(session.status, CollectionStatus::Pending);
    assert_eq!(session.fee.value(), dec("0.75"));
    assert_eq!(session.net_amount.value(), dec("24.25"));
    assert!(
        created
            .checkout_url()
            .unwrap()
            .contains(&session.collection_id)
    );
    let expires = session.expires_at.as_ref().unwrap().to_utc();
    let lifetime = expires - sandbox.now();
    assert!(
        lifetime > chrono::TimeDelta::minutes(59) && lifetime <= chrono::TimeDelta::minutes(60)
    );

    let got = client.get_collection(&session.collection_id).await.unwrap();
    assert_eq!(
        got.order_id.clone().flatten().as_deref(),
        Some(order_id.as_str())
    );
    assert_eq!(got.description.as_deref(), Some("Premium Subscription"));
    assert_eq!(got.metadata.as_ref().unwrap()["plan"], "premium");
    assert!(!got.is_paid(dec("25")));

    let page = client
        .list_collections(&CollectionFilter::default().order_id(&order_id), 1)
        .await
        .unwrap();
    assert_eq!(page.collections.len(), 1);

    sandbox
        .settle(Api::Collect, &session.collection_id, Outcome::Complete)
        .unwrap();
    let paid = client.get_collection(&session.collection_id).await.unwrap();
    assert!(paid.is_paid(dec("25.00")));
    assert!(paid.payer.is_some());

    let refund = client
        .refund(
            &session.collection_id,
            &NewRefund::partial(dec("10")).reason(RefundReason::PricingError),
        )
        .await
        .unwrap();
    assert_eq!(refund.amount.value(), dec("10"));
    assert_eq!(refund.status, Some(RefundStatus::Completed));
    let refunds: Vec<_> = client
        .refunds(RefundFilter::default().collection_id(&session.collection_id))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(refunds, vec![refund.clone()]);
    let after = client.get_collection(&session.collection_id).await.unwrap();
    assert_eq!(after.status, CollectionStatus::PartiallyRefunded);

    let reasons = client.list_refund_reasons().await.unwrap();
    assert_eq!(reasons.len(), 8);

    // The generated client, with the envelope extension, is authenticated too.
    let raw = client
        .raw()
        .get_collection()
        .collection_id(&session.collection_id)
        .send()
        .await
        .data()
        .unwrap();
    assert_eq!(raw, after);

    assert!(client.revoke_token().await.unwrap());
    assert_eq!(client.token_expires_at(), None);
    let before = tokens(&sandbox).0;
    client.get_collection(&session.collection_id).await.unwrap();
    assert_eq!(
        tokens(&sandbox).0,
        before + 1,
        "a revoked token is replaced"
    );
}
