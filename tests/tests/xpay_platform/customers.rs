//! Customers: create, search, page through, and their stats.

use super::*;

#[tokio::test]
async fn customers_create_search_and_page() {
    let (_sandbox, client, _) = start().await;
    for i in 0..7 {
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                name: Some(format!("Customer {i}")),
                email: Some(format!("c{i}@example.com")),
                phone: Some(format!("+2010000000{i:02}")),
                address: Some(types::Address {
                    country: Some("EG".into()),
                    ..Default::default()
                }),
                metadata: [("crm".to_string(), format!("{i}"))].into_iter().collect(),
            })
            .send()
            .await
            .unwrap();
    }
    let all: Vec<_> = client
        .list_customers()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(
        all.iter()
            .map(|c| c.id.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        7
    );
    assert!(
        all.iter()
            .all(|c| c.country.value().map(String::as_str) == Some("EG"))
    );

    let page = client
        .list_customers()
        .limit(3)
        .page(3)
        .send()
        .await
        .unwrap();
    assert_eq!((page.data.len(), page.total_count), (1, 7));

    let found = client
        .list_customers()
        .search("c2@example.com,Customer 5")
        .send()
        .await
        .unwrap();
    let names: BTreeSet<_> = found
        .data
        .iter()
        .map(|c| c.name.clone().flatten().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Customer 2".to_string(), "Customer 5".to_string()])
    );
    let guests = client
        .list_customers()
        .type_(types::CustomerType::Guest)
        .send()
        .await
        .unwrap();
    assert_eq!(guests.total_count, 0);

    let one = client.get_customer().id(&all[0].id).send().await.unwrap();
    assert_eq!(one.type_, Some(types::CustomerType::Registered));
    assert_eq!(one.metadata.value().unwrap()["crm"], "6");

    let err = fails(
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                name: Some("No contact".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_api(&err, 400, types::ErrorCode::ParameterMissing, Some("email"));
    let err = fails(
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                phone: Some("0100".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_api(&err, 400, types::ErrorCode::ParameterInvalid, Some("phone"));
    let err = fails(client.list_customers().limit(101).send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterOutOfRange,
        Some("limit"),
    );
    let err = fails(client.get_customer_stats().id("cus_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}
