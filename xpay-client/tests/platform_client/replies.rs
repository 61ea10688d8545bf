//! XPay platform client: API errors, request ids, HTML and truncated bodies, 201 and 204 replies.

use super::*;

#[tokio::test]
async fn api_errors_are_typed() {
    let stub = Stub::start(|_, _| {
        json_reply(
            400,
            json!({"error": {"type": "invalid_request_error", "code": "parameter_missing",
                    "message": "Missing required param: afterCompletion.", "param": "afterCompletion",
                    "doc_url": "https://docs.xpay.app/integrate/errors/api-error-codes#parameter_missing"},
                   "request_id": "req_abc"}),
        )
    })
    .await;
    let raw = stub
        .client()
        .create_checkout_session()
        .body(create_body())
        .send()
        .await
        .expect_err("400");
    // The same accessors work before and after conversion into `Error`.
    assert_eq!(raw.error_code(), Some(&types::ErrorCode::ParameterMissing));
    assert_eq!(raw.request_id(), Some("req_abc"));
    let err = Error::from(raw);
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.error_type(),
        Some(&types::ErrorType::InvalidRequestError)
    );
    assert_eq!(err.error_code(), Some(&types::ErrorCode::ParameterMissing));
    assert_eq!(
        err.message().as_deref(),
        Some("Missing required param: afterCompletion.")
    );
    assert_eq!(err.param(), Some("afterCompletion"));
    assert_eq!(err.request_id(), Some("req_abc"));
    assert_eq!(stub.seen().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn request_id_falls_back_to_the_header_and_unknown_codes_stay_open() {
    let stub = Stub::start(|_, _| {
        let mut r = json_reply(
            409,
            json!({"error": {"type": "invalid_request_error", "code": "session_locked", "message": "locked"}}),
        );
        r.headers_mut().insert("request-id", "req_from_header".parse().expect("ascii"));
        r
    })
    .await;
    let err = Error::from(
        stub.client()
            .expire_checkout_session()
            .id("cs_1")
            .send()
            .await
            .expect_err("409"),
    );
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(
        err.error_code(),
        Some(&types::ErrorCode::Unknown("session_locked".into()))
    );
    assert_eq!(err.request_id(), Some("req_from_header"));
}

#[tokio::test]
async fn html_and_truncated_bodies_keep_status_and_snippet() {
    let stub = Stub::start(|s, _| match s.path.as_str() {
        "/xpay/refunds/re_html" => {
            raw_reply(502, "text/html", "<html><body>Bad Gateway</body></html>")
        }
        "/xpay/refunds/re_cut" => {
            raw_reply(200, "application/json", r#"{"id":"re_cut","amount":12"#)
        }
        _ => raw_reply(200, "application/json", ""),
    })
    .await;
    let client = stub.client().with_retry(RetryPolicy::none());

    let err = Error::from(
        client
            .get_refund()
            .id("re_html")
            .send()
            .await
            .expect_err("html"),
    );
    match &err {
        paygate_runtime::Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(snippet.contains("<html>"), "{snippet}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(err.api_body().is_none());

    let err = Error::from(
        client
            .get_refund()
            .id("re_cut")
            .send()
            .await
            .expect_err("cut"),
    );
    match &err {
        paygate_runtime::Error::Decode {
            status,
            snippet,
            reason,
        } => {
            assert_eq!(*status, StatusCode::OK);
            assert!(snippet.starts_with(r#"{"id":"re_cut""#), "{snippet}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    let err = Error::from(
        client
            .get_refund()
            .id("re_empty")
            .send()
            .await
            .expect_err("empty"),
    );
    assert!(
        matches!(err, paygate_runtime::Error::Decode { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn created_and_no_content_replies_count_as_success() {
    let stub = Stub::start(|s, _| match s.method {
        Method::POST => json_reply(
            201,
            json!({"id": "cus_test_9", "object": "customer", "email": "a@b.co"}),
        ),
        Method::DELETE => StatusCode::NO_CONTENT.into_response(),
        _ => json_reply(
            404,
            json!({"error": {"type": "invalid_request_error", "message": "nope"}}),
        ),
    })
    .await;
    let client = stub.client();
    let customer = client
        .create_customer()
        .body(types::CreateCustomerRequest {
            email: Some("a@b.co".into()),
            ..Default::default()
        })
        .send()
        .await
        .expect("201 is success");
    assert_eq!(customer.id, "cus_test_9");
    // Decoded as the documented success, with the status that came over the wire.
    assert_eq!(customer.status(), StatusCode::CREATED);
    client
        .delete_price()
        .id("price_1")
        .send()
        .await
        .expect("204 is success");
    client
        .delete_product()
        .id("prod_1")
        .send()
        .await
        .expect("204 is success");
}
