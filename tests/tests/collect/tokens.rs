//! Collect: the access token, cached, refreshed, single-flight, re-issued, and bad credentials.

use super::*;

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
