//! Collect: local and remote validation, and a reply that breaks the amount arithmetic.

use super::*;

#[tokio::test]
async fn validation_local_and_remote() {
    let (sandbox, client) = start().await;
    // Locally: nothing is sent.
    let before = tokens(&sandbox).0;
    for (new, field) in [
        (NewCollection::new(dec("0.99"), order("V"), "x"), "amount"),
        (NewCollection::new(dec("5"), "", "x"), "orderId"),
        (
            NewCollection::new(dec("5"), "o".repeat(101), "x"),
            "orderId",
        ),
        (
            NewCollection::new(dec("5"), order("V"), "d".repeat(101)),
            "description",
        ),
    ] {
        match client.create_collection(&new).await {
            Err(Error::InvalidRequest(m)) => assert!(m.starts_with(field), "{m}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(tokens(&sandbox).0, before, "no request at all");

    // The sandbox enforces the same rules for callers of the raw client.
    let body = collect_client::types::CreateCollectionRequest {
        amount: paygate_runtime::JsonDecimal(dec("0.5")),
        currency: None,
        order_id: "raw-order".try_into().unwrap(),
        description: "raw".try_into().unwrap(),
        callback_url: None,
        webhook_url: None,
        metadata: None,
    };
    let err = client
        .raw()
        .create_collection()
        .body(body)
        .send()
        .await
        .data()
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(err.is_code(&ErrorCode::ValidationError), "{err:?}");

    let err = client
        .get_collection("SCI_DOES_NOT_EXIST")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(err.is_code(&ErrorCode::ResourceNotFound));
}

/// A provider that breaks `netAmount = amount − fee`: the client refuses the reply.
#[tokio::test]
async fn inconsistent_amounts_are_an_error() {
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/auth/token",
            post(|| async {
                axum::Json(serde_json::json!({"success": true, "status": 200, "data": {
                    "accessToken": "t.t.t", "expiresIn": 86400}}))
            }),
        )
        .route(
            "/collections",
            post(|| async {
                (
                    axum::http::StatusCode::CREATED,
                    axum::Json(serde_json::json!({"success": true, "status": 201, "data": {
                        "collectionId": "SCIBROKEN", "amount": 25, "fee": 0.75, "netAmount": 25,
                        "status": "PENDING"}})),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = CollectClient::builder("A1B2C3D4E5F6G7H8", "your_secret_key_here")
        .base_url(base)
        .build()
        .unwrap();
    let err = client
        .create_collection(&NewCollection::new(dec("25"), "INV-1", "x"))
        .await
        .unwrap_err();
    match err {
        Error::Decode { status, reason, .. } => {
            assert_eq!(status.as_u16(), 201);
            assert!(
                reason.contains("netAmount") && reason.contains("SCIBROKEN"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}
