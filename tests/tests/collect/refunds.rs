//! Collect: refund rules, and a refund after a lost reply.

use super::*;

#[tokio::test]
async fn refund_rules() {
    let (sandbox, client) = start().await;
    let created = client
        .create_collection(&NewCollection::new(dec("100"), order("REF"), "refundable"))
        .await
        .unwrap();
    let id = created.collection_id().to_string();
    let err = client.refund(&id, &NewRefund::full()).await.unwrap_err();
    assert!(err.is_code(&ErrorCode::InvalidStatus), "{err:?}");

    sandbox
        .settle(Api::Collect, &id, Outcome::Complete)
        .unwrap();
    // At most the net amount (100 − 3 fee).
    let err = client
        .refund(&id, &NewRefund::partial(dec("97.01")))
        .await
        .unwrap_err();
    assert!(err.is_code(&ErrorCode::ValidationError), "{err:?}");
    let refund = client.refund(&id, &NewRefund::full()).await.unwrap();
    assert_eq!(refund.amount.value(), dec("97"));
    assert_eq!(
        client.get_collection(&id).await.unwrap().status,
        CollectionStatus::Refunded
    );
    // One refund per collection.
    let err = client
        .refund(&id, &NewRefund::partial(dec("1")))
        .await
        .unwrap_err();
    assert!(err.is_code(&ErrorCode::AlreadyRefunded), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));

    // A failed collection cannot be refunded either.
    let failed = client
        .create_collection(&NewCollection::new(dec("2"), order("FAIL"), "failing"))
        .await
        .unwrap();
    sandbox
        .settle(Api::Collect, failed.collection_id(), Outcome::Fail)
        .unwrap();
    assert!(
        client
            .refund(failed.collection_id(), &NewRefund::full())
            .await
            .unwrap_err()
            .is_code(&ErrorCode::InvalidStatus)
    );
}

#[tokio::test]
async fn refund_after_a_lost_reply_returns_the_refund_made() {
    let (sandbox, client) = start().await;
    let created = client
        .create_collection(&NewCollection::new(dec("50"), order("LOST"), "lost reply"))
        .await
        .unwrap();
    let id = created.collection_id().to_string();
    sandbox
        .settle(Api::Collect, &id, Outcome::Complete)
        .unwrap();
    let fault = sandbox.faults().add(
        Fault::new(
            format!("{COLLECTIONS}/{id}/refund"),
            FaultKind::DropConnection,
        )
        .method(http::Method::POST)
        .times(1),
    );
    let refund = client
        .refund(&id, &NewRefund::partial(dec("20")))
        .await
        .unwrap();
    sandbox.faults().remove(fault);
    assert_eq!(refund.amount.value(), dec("20"));
    let all: Vec<_> = client
        .refunds(RefundFilter::default().collection_id(&id))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "one refund despite the retry");
}
