//! XPay platform client: list streams walk pages, stop on an empty page, end with the error.

use super::*;

fn customers_page(seen: &Seen, total: usize, served: usize) -> Response {
    let page: usize = seen
        .query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let limit: usize = seen
        .query
        .get("limit")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let start = (page - 1) * limit;
    let data: Vec<Value> = (start..served.min(start + limit))
        .map(|i| json!({"id": format!("cus_{i}"), "type": "registered"}))
        .collect();
    json_reply(200, json!({"data": data, "totalCount": total}))
}

#[tokio::test]
async fn streams_walk_pages_until_total_count() {
    let stub = Stub::start(|s, _| customers_page(s, 5, 5)).await;
    let client = stub.client();
    let ids: Vec<String> = client
        .list_customers()
        .limit(2)
        .search("cairo")
        .stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(ids, ["cus_0", "cus_1", "cus_2", "cus_3", "cus_4"]);
    let seen = stub.seen();
    let pages: Vec<&str> = seen.iter().map(|s| s.query["page"].as_str()).collect();
    assert_eq!(pages, ["1", "2", "3"], "no request past totalCount");
    assert!(
        seen.iter()
            .all(|s| s.query["limit"] == "2" && s.query["search"] == "cairo")
    );
}

#[tokio::test]
async fn streams_stop_on_an_empty_page() {
    // Claims 10 but has 3: page 2 is empty.
    let stub = Stub::start(|s, _| customers_page(s, 10, 3)).await;
    let items: Vec<_> = stub
        .client()
        .list_customers()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .expect("stops");
    assert_eq!(items.len(), 3);
    assert_eq!(stub.seen().len(), 2);
}

#[tokio::test]
async fn streams_end_with_the_error() {
    let stub = Stub::start(|s, _| {
        if s.query.get("page").map(String::as_str) == Some("2") {
            json_reply(401, json!({"error": {"type": "authentication_error", "code": "api_key_invalid", "message": "bad key"}}))
        } else {
            json_reply(200, json!({"data": [{"id": "re_1"}, {"id": "re_2"}], "totalCount": 6}))
        }
    })
    .await;
    let results: Vec<Result<types::Refund, Error>> =
        futures::StreamExt::collect(stub.client().list_refunds().limit(2).stream()).await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().expect_err("page 2 failed");
    assert_eq!(err.error_code(), Some(&types::ErrorCode::ApiKeyInvalid));
}

#[tokio::test]
async fn every_list_operation_has_a_stream() {
    let stub = Stub::start(|s, _| match s.path.as_str() {
        "/xpay/products" => json_reply(200, json!({"data": [{"id": "prod_1"}], "totalCount": 1, "page": 1, "limit": 20, "totalPages": 1})),
        _ => json_reply(200, json!({"data": [{"id": "x_1"}], "totalCount": 1})),
    })
    .await;
    let client = stub.client();
    assert_eq!(
        client
            .list_products()
            .active(true)
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_payment_links()
            .amount("gt:100")
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_refunds()
            .charge_id("ch_1")
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    assert_eq!(
        client
            .list_customers()
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .expect("ok")
            .len(),
        1
    );
    let seen = stub.seen();
    assert_eq!(
        seen[0].query.get("active").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        seen[1].query.get("amount").map(String::as_str),
        Some("gt%3A100")
    );
    assert_eq!(
        seen[2].query.get("chargeId").map(String::as_str),
        Some("ch_1")
    );
}
