//! XPay platform: customers created exactly once with `Idempotency-Key`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xpay_platform_creates_exactly_once() {
    use xpay_client::platform::{Client, types};
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(fast_policy())
        .build()
        .expect("valid configuration");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let email = |i: usize| format!("eo-{}-{i:04}@example.com", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/xpay/customers");
    let results = run_all(|i| {
        let client = client.clone();
        let email = email(i);
        async move {
            let body = types::CreateCustomerRequest::builder()
                .email(Some(email))
                .name(Some(format!("Exactly Once {i}")));
            client
                .create_customer()
                .body(body)
                .send()
                .await
                .map(progenitor_client::ResponseValue::into_inner)
        }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    // The server's view, through its list endpoint.
    let listed: Vec<types::CustomerListItem> = client
        .list_customers()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .expect("list customers");
    let mut by_email: HashMap<String, Vec<String>> = HashMap::new();
    for c in &listed {
        if let Some(Some(e)) = &c.email {
            by_email.entry(e.clone()).or_default().push(c.id.clone());
        }
    }

    let mut errors = BTreeMap::new();
    let mut returned = 0;
    for (i, result) in &results {
        let on_server = by_email.get(&email(*i)).cloned().unwrap_or_default();
        assert_eq!(
            on_server.len(),
            1,
            "create {i}: {on_server:?} on the server"
        );
        match result {
            Ok(customer) => {
                returned += 1;
                assert_eq!(
                    customer.id, on_server[0],
                    "create {i} returned another customer"
                );
            }
            Err(e) => *errors.entry(error_kind(e)).or_insert(0) += 1,
        }
    }
    let report = Report {
        api: "xpay platform (POST /customers, Idempotency-Key)",
        logical: LOGICAL_CREATES,
        attempts: attempts("xpay", "create_customer"),
        on_server: (0..LOGICAL_CREATES)
            .map(|i| by_email.get(&email(i)).map_or(0, Vec::len))
            .sum(),
        duplicates: by_email
            .values()
            .map(|ids| ids.len().saturating_sub(1))
            .sum(),
        faults,
        returned,
        errors,
    };
    report.print();
    assert!(
        report.errors.is_empty(),
        "every create must return its customer"
    );
    assert_eq!(report.returned, LOGICAL_CREATES);
    assert_eq!(report.duplicates, 0);
    assert_faults_fired(&report);
    sandbox.shutdown().await;
}
