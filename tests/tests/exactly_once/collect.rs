//! Collect: collections created exactly once through `orderId` resolution.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_creates_exactly_once() {
    use collect_client::{CollectClient, NewCollection};
    use rust_decimal::Decimal;
    use secrecy::ExposeSecret;
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let creds = sandbox.creds();
    let client = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(fast_policy())
    .build()
    .expect("valid configuration");
    client.authenticate().await.expect("token");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let order_id = |i: usize| format!("EO-{}-{i:04}", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/collect/api/v3/collections");
    let results = run_all(|i| {
        let client = client.clone();
        let new = NewCollection::new(
            Decimal::new(2500 + i as i64, 2),
            order_id(i),
            "Exactly once",
        );
        async move { client.create_collection(&new).await }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    let mut errors = BTreeMap::new();
    let (mut returned, mut existing, mut on_server, mut duplicates) = (0, 0, 0, 0);
    for (i, result) in &results {
        let count = sandbox.collect().collections_with_order_id(&order_id(*i));
        on_server += count;
        duplicates += count.saturating_sub(1);
        assert_eq!(count, 1, "create {i}: {count} collections on the server");
        match result {
            Ok(created) => {
                returned += 1;
                existing += usize::from(created.is_existing());
                let listed = client
                    .find_collection_by_order_id(&order_id(*i))
                    .await
                    .expect("list collections")
                    .expect("the collection is listed");
                assert_eq!(created.collection_id(), listed.collection_id, "create {i}");
                assert_eq!(created.amount(), Decimal::new(2500 + *i as i64, 2));
            }
            Err(e) => *errors.entry(error_kind(e)).or_insert(0) += 1,
        }
    }
    let report = Report {
        api: "collect (POST /collections, orderId resolution)",
        logical: LOGICAL_CREATES,
        attempts: attempts("collect", "create_collection"),
        on_server,
        duplicates,
        faults,
        returned,
        errors,
    };
    report.print();
    println!("collect: {existing} creates were resolved through orderId after a lost reply\n");
    assert!(
        report.errors.is_empty(),
        "every create must return its collection"
    );
    assert_eq!(report.returned, LOGICAL_CREATES);
    assert_eq!(report.duplicates, 0);
    assert!(existing > 0, "no create needed the orderId resolution");
    assert_faults_fired(&report);
    sandbox.shutdown().await;
}
