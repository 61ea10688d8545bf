//! Collect: `orderId` resolution, exactly one collection per order under faults and concurrency.

use super::*;

#[tokio::test]
async fn reused_order_id_resolves_to_the_existing_collection() {
    let (sandbox, client) = start().await;
    let order_id = order("ORD");
    let new = NewCollection::new(dec("40.50"), &order_id, "Annual plan");
    let first = client.create_collection(&new).await.unwrap();
    assert!(!first.is_existing());

    // A retry (or a re-run after a crash) of the same create gets the same collection.
    let again = client.create_collection(&new).await.unwrap();
    assert!(again.is_existing());
    assert_eq!(again.collection_id(), first.collection_id());
    assert_eq!(again.amount(), dec("40.5"));
    assert_eq!(again.checkout_url(), first.checkout_url());

    // Same orderId, different order: a typed 409 that carries the existing collection.
    for (other, field) in [
        (
            NewCollection {
                amount: dec("41"),
                ..new.clone()
            },
            "amount",
        ),
        (
            NewCollection {
                description: "Monthly plan".into(),
                ..new.clone()
            },
            "description",
        ),
    ] {
        let err = client.create_collection(&other).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
        assert!(err.is_code(&ErrorCode::DuplicateReference));
        let conflict = err.order_id_conflict().expect("conflict details");
        assert_eq!(conflict.existing.collection_id, first.collection_id());
        assert_eq!(conflict.mismatched, vec![field]);
    }
    assert_eq!(sandbox.collect().collections_with_order_id(&order_id), 1);

    // FYATU's orderId filter is a partial match: the resolution must pick the exact one.
    let short = order("P");
    client
        .create_collection(&NewCollection::new(dec("5"), &short, "short"))
        .await
        .unwrap();
    let longer = client
        .create_collection(&NewCollection::new(dec("6"), format!("{short}0"), "longer"))
        .await
        .unwrap();
    let resolved = client
        .create_collection(&NewCollection::new(dec("5"), &short, "short"))
        .await
        .unwrap();
    assert!(resolved.is_existing());
    assert_ne!(resolved.collection_id(), longer.collection_id());
    assert_eq!(resolved.order_id(), Some(short.as_str()));
}

#[tokio::test]
async fn fault_injected_creates_leave_exactly_one_collection_per_order_id() {
    let (sandbox, client) = start().await;
    let post = http::Method::POST;
    let cases = [
        ("drop", Fault::new(COLLECTIONS, FaultKind::DropConnection)),
        (
            "truncated",
            Fault::new(COLLECTIONS, FaultKind::TruncatedJson),
        ),
        (
            "html",
            Fault::new(COLLECTIONS, FaultKind::Html { status: 502 }).after_commit(true),
        ),
        (
            "slow",
            Fault::new(COLLECTIONS, FaultKind::Latency { ms: 1500 }).after_commit(true),
        ),
        (
            "503",
            Fault::new(COLLECTIONS, FaultKind::Status { status: 503 }),
        ),
        (
            "429",
            Fault::new(
                COLLECTIONS,
                FaultKind::RateLimit {
                    retry_after_secs: 0,
                },
            ),
        ),
    ];
    let client = client.with_retry(policy().per_attempt_timeout(Duration::from_millis(700)));
    for (name, fault) in cases {
        let order_id = order(name);
        let id = sandbox.faults().add(fault.method(post.clone()).times(2));
        let result = client
            .create_collection(&NewCollection::new(dec("12.34"), &order_id, name))
            .await;
        sandbox.faults().remove(id);
        let created = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(created.order_id(), Some(order_id.as_str()), "{name}");
        assert_eq!(
            sandbox.collect().collections_with_order_id(&order_id),
            1,
            "{name}: exactly one collection"
        );
    }
}

#[tokio::test]
async fn concurrent_creates_of_one_order_make_one_collection() {
    let (sandbox, client) = start().await;
    let order_id = order("RACE");
    let new = NewCollection::new(dec("9.99"), &order_id, "race");
    let results = futures::future::join_all((0..20).map(|_| client.create_collection(&new))).await;
    let ids: std::collections::HashSet<_> = results
        .iter()
        .map(|r| r.as_ref().unwrap().collection_id().to_string())
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(
        results
            .iter()
            .filter(|r| !r.as_ref().unwrap().is_existing())
            .count(),
        1
    );
    assert_eq!(sandbox.collect().collections_with_order_id(&order_id), 1);
}
