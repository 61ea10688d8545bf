//! Collect (FYATU v3) end to end: the client against the sandbox over loopback.
//!
//! Token expiry and refresh, single flight under 1,000 concurrent calls (token requests
//! counted on the server), re-authentication after a rejected token, exactly-once creates under
//! injected faults, the 409 resolution, validation, paging, refunds, expiry and webhooks.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use collect_client::callback::{CallbackRedirect, CallbackStatus};
use collect_client::types::{CollectionStatus, ErrorCode, RefundReason, RefundStatus};
use collect_client::webhook::{EventObject, Verifier as WebhookVerifier};
use collect_client::{
    CollectClient, CollectionFilter, CreatedCollection, Error, ErrorExt, NewCollection, NewRefund,
    RefundFilter, ResponseExt,
};
use futures::TryStreamExt;
use paygate_runtime::{ManualClock, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;

const COLLECTIONS: &str = "/collect/api/v3/collections";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Fast retries, so fault tests don't wait on production backoffs.
fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn client_for(sandbox: &Sandbox, clock: Option<&ManualClock>) -> CollectClient {
    let creds = sandbox.creds();
    let mut builder = CollectClient::builder(
        creds.collect_app_id.clone(),
        creds.collect_secret_key.expose_secret(),
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(policy());
    if let Some(clock) = clock {
        builder = builder.clock(Arc::new(clock.clone()));
    }
    builder.build().unwrap()
}

async fn start() -> (Sandbox, CollectClient) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client_for(&sandbox, None);
    (sandbox, client)
}

fn order(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4().simple())
}

fn tokens(sandbox: &Sandbox) -> (u64, u64) {
    (
        sandbox.collect().token_requests(),
        sandbox.collect().refresh_requests(),
    )
}

/// Moves the client's clock and the sandbox's together.
fn advance(sandbox: &Sandbox, clock: &ManualClock, by: Duration) {
    sandbox.advance_clock(by);
    clock.advance(chrono::TimeDelta::from_std(by).unwrap());
}

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

#[tokio::test]
async fn token_is_cached_refreshed_before_expiry_and_reissued_after() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = ManualClock::new(Utc::now());
    let client = client_for(&sandbox, Some(&clock));

    for _ in 0..5 {
        client.list_refund_reasons().await.unwrap();
    }
    assert_eq!(tokens(&sandbox), (1, 0), "one token for many calls");

    // 4 minutes left: less than the 5-minute margin, so the next call refreshes first.
    advance(&sandbox, &clock, Duration::from_secs(24 * 3600 - 4 * 60));
    client.list_refund_reasons().await.unwrap();
    assert_eq!(tokens(&sandbox), (1, 1));
    client.list_refund_reasons().await.unwrap();
    assert_eq!(tokens(&sandbox), (1, 1), "the refreshed token is cached");

    // Long past expiry (and FYATU's 5-minute refresh window): a new token, no refresh try.
    advance(&sandbox, &clock, Duration::from_secs(25 * 3600));
    client.list_refund_reasons().await.unwrap();
    assert_eq!(tokens(&sandbox), (2, 1));

    // Refresh refused (the token was revoked): falls back to /auth/token.
    sandbox.collect().revoke_all_tokens();
    advance(&sandbox, &clock, Duration::from_secs(24 * 3600 - 60));
    client.list_refund_reasons().await.unwrap();
    assert_eq!(tokens(&sandbox), (3, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_with_an_expired_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let clock = ManualClock::new(Utc::now());
    let client = client_for(&sandbox, Some(&clock));
    client.authenticate().await.unwrap();
    assert_eq!(tokens(&sandbox), (1, 0));

    advance(&sandbox, &clock, Duration::from_secs(25 * 3600));
    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_refund_reasons().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(tokens(&sandbox), (2, 0), "1,000 calls, one token request");

    // Inside the refresh window: exactly one refresh for all of them.
    advance(&sandbox, &clock, Duration::from_secs(24 * 3600 - 60));
    let results = futures::future::join_all((0..1000).map(|_| client.list_refund_reasons())).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(tokens(&sandbox), (2, 1), "1,000 calls, one refresh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rejected_token_reauthenticates_once_for_all_calls() {
    let (sandbox, client) = start().await;
    client.authenticate().await.unwrap();
    assert_eq!(tokens(&sandbox).0, 1);

    // FYATU rejects the cached token (revoked, or expired by its clock): each call gets
    // 401 AUTH_TOKEN_INVALID, drops the token, and is retried once with a new one.
    sandbox.collect().revoke_all_tokens();
    let results = futures::future::join_all((0..200).map(|_| client.list_refund_reasons())).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(
        tokens(&sandbox).0,
        2,
        "one re-authentication for 200 rejected calls"
    );

    // The provider's clock ran past expiry while ours did not: same recovery.
    sandbox.advance_clock(Duration::from_secs(25 * 3600));
    client.list_refund_reasons().await.unwrap();
    assert_eq!(tokens(&sandbox).0, 3);
}

#[tokio::test]
async fn bad_credentials_are_a_typed_error_and_one_request_per_wave() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = CollectClient::builder(
        sandbox.creds().collect_app_id.clone(),
        "sk_wrong_secret_key_000000",
    )
    .base_url(sandbox.base_url(Api::Collect))
    .retry(policy())
    .build()
    .unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.is_code(&ErrorCode::AuthInvalidCredentials), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("sk_wrong_secret_key"));

    let before = tokens(&sandbox).0;
    let results = futures::future::join_all((0..50).map(|_| client.get_collection("SCI1"))).await;
    assert!(results.iter().all(Result::is_err));
    assert_eq!(
        tokens(&sandbox).0 - before,
        1,
        "calls waiting on a failed renewal share its error"
    );
}

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

/// A loopback receiver that answers 200 to every webhook.
async fn receiver() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/fyatu", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/fyatu", axum::routing::post(|| async { "ok" }));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn webhooks_verify_and_are_confirmed_with_the_api() {
    let (sandbox, client) = start().await;
    let (url, _task) = receiver().await;
    let verifier = WebhookVerifier::new(sandbox.creds().collect_webhook_secret.expose_secret())
        .expect("a secret");
    let order_id = order("HOOK");
    let created = client
        .create_collection(&NewCollection::new(dec("25"), &order_id, "hooked").webhook_url(&url))
        .await
        .unwrap();
    let id = created.collection_id().to_string();
    sandbox
        .settle(Api::Collect, &id, Outcome::Complete)
        .unwrap();
    let deliveries = sandbox
        .webhooks()
        .wait_for(Duration::from_secs(10), |d| {
            d.iter()
                .filter(|d| d.api == Api::Collect && d.succeeded())
                .count()
                >= 2
        })
        .await
        .expect("two webhooks delivered");

    let events: Vec<_> = deliveries
        .iter()
        .filter(|d| d.api == Api::Collect && d.succeeded())
        .map(|d| {
            verifier
                .construct_event(d.body.as_bytes(), &Default::default())
                .expect("sandbox webhooks verify")
        })
        .collect();
    assert!(matches!(&events[0].object, EventObject::CollectionInitiated(d) if d.reference == id));
    let received = &events[1];
    let EventObject::CollectionReceived(data) = &received.object else {
        panic!("{received:?}")
    };
    assert_eq!(data.external_reference.as_deref(), Some(order_id.as_str()));
    assert_eq!(data.charge.unwrap().value(), dec("0.75"));

    // A forged copy (another secret) is rejected.
    assert!(
        WebhookVerifier::new("whsec_forged")
            .and_then(|v| v.construct_event(deliveries[0].body.as_bytes(), &Default::default()))
            .is_err()
    );

    // Confirm before fulfilling: the API, not the webhook, is the authority.
    let confirmed = client.confirm_webhook(received).await.unwrap();
    assert!(confirmed.is_paid(dec("25")));

    let redirect = CallbackRedirect::parse(&format!(
        "https://shop.example/return?batch={id}&status=COMPLETED"
    ))
    .unwrap();
    assert_eq!(redirect.status, CallbackStatus::Completed);
    assert!(
        client
            .confirm_callback(&redirect)
            .await
            .unwrap()
            .is_paid(dec("25"))
    );
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
