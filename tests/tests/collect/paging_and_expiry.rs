//! Collect: paging walks every page; sessions expire after 60 minutes.

use super::*;

#[tokio::test]
async fn paging_walks_every_page() {
    let (_sandbox, client) = start().await;
    let prefix = order("PAGE");
    for i in 0..45 {
        client
            .create_collection(&NewCollection::new(
                dec("1") + Decimal::from(i),
                format!("{prefix}-{i:02}"),
                "page",
            ))
            .await
            .unwrap();
    }
    let filter = CollectionFilter::default().order_id(&prefix).limit(10);
    let all: Vec<_> = client
        .collections(filter.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 45);
    let distinct: std::collections::HashSet<_> = all.iter().map(|c| &c.collection_id).collect();
    assert_eq!(distinct.len(), 45);
    // Newest first.
    assert_eq!(
        all[0].order_id.clone().flatten().as_deref(),
        Some(format!("{prefix}-44").as_str())
    );

    let last = client.list_collections(&filter, 5).await.unwrap();
    assert_eq!(last.collections.len(), 5);
    assert_eq!(last.pagination.unwrap().total_items, Some(45));
    let beyond = client.list_collections(&filter, 6).await.unwrap();
    assert!(beyond.collections.is_empty());

    let pending: Vec<_> = client
        .collections(filter.clone().status(CollectionStatus::Completed))
        .try_collect()
        .await
        .unwrap();
    assert!(pending.is_empty());
    assert!(matches!(
        client.list_collections(&filter.limit(101), 1).await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn sessions_expire_after_60_minutes() {
    let (sandbox, client) = start().await;
    let created = client
        .create_collection(&NewCollection::new(dec("3"), order("EXP"), "expiring"))
        .await
        .unwrap();
    sandbox.advance_clock(Duration::from_secs(59 * 60));
    assert_eq!(
        client
            .get_collection(created.collection_id())
            .await
            .unwrap()
            .status,
        CollectionStatus::Pending
    );
    sandbox.advance_clock(Duration::from_secs(2 * 60));
    let expired = client
        .get_collection(created.collection_id())
        .await
        .unwrap();
    assert_eq!(expired.status, CollectionStatus::Failed);
    assert!(matches!(
        sandbox.settle(Api::Collect, created.collection_id(), Outcome::Complete),
        Err(SettleError::InvalidState(_))
    ));
}
