//! `Retry-After` is honoured whatever the 429's body.

use super::*;

/// The sandbox's 429 has a plain-text body that no spec describes, so the runtime diverts it
/// as `UnexpectedStatus`/`Decode`; its `Retry-After` must still be waited for. (A lower bound
/// on an enforced wait, not a performance assertion.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_when_the_429_body_is_not_the_documented_one() {
    use secrecy::ExposeSecret;
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let policy = RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_secs(2));
    let payfect = payfect_client::Client::builder(sandbox.creds().payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(policy.clone())
        .build()
        .expect("valid configuration");
    let xpay =
        xpay_client::platform::Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
            .base_url(sandbox.base_url(Api::XpayPlatform))
            .retry(policy)
            .build()
            .expect("valid configuration");
    let limited = |path: &str, method: Method| {
        Fault::new(
            path,
            FaultKind::RateLimit {
                retry_after_secs: 1,
            },
        )
        .method(method)
        .times(1)
    };

    sandbox
        .faults()
        .add(limited("/payfect/api/v1/checkouts/", Method::POST));
    let body: payfect_client::types::CreateCheckoutRequest = serde_json::from_str(include_str!(
        "../../../payfect-client/tests/fixtures/create_checkout_request.json"
    ))
    .expect("fixture parses");
    let started = std::time::Instant::now();
    payfect
        .create_checkout()
        .body(body)
        .send()
        .await
        .expect("created after the 429");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "payfect retried after {waited:?}"
    );

    sandbox
        .faults()
        .add(limited("/xpay/customers", Method::GET));
    let started = std::time::Instant::now();
    xpay.list_customers()
        .send()
        .await
        .expect("listed after the 429");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1),
        "xpay retried after {waited:?}"
    );
    assert_eq!(sandbox.faults().fired_total(), 2);
    sandbox.shutdown().await;
}
