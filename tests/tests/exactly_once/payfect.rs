//! Payfect: checkouts with no idempotency key, never duplicated, unknown outcomes reported.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payfect_never_duplicates_and_reports_unknown_outcomes() {
    use payfect_client::types;
    use secrecy::ExposeSecret;
    attempt_counts();
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = payfect_client::Client::builder(sandbox.creds().payfect_api_key.expose_secret())
        .base_url(sandbox.base_url(Api::Payfect))
        .retry(fast_policy())
        .build()
        .expect("valid configuration");
    let template: Value = serde_json::from_str(include_str!(
        "../../../payfect-client/tests/fixtures/create_checkout_request.json"
    ))
    .expect("fixture is JSON");
    let run = uuid::Uuid::new_v4().simple().to_string();
    let reference = |i: usize| format!("eo-{}-{i:04}", &run[..8]);

    let plan = inject_faults(sandbox.faults(), "/payfect/api/v1/checkouts/");
    let results = run_all(|i| {
        let client = client.clone();
        let mut body = template.clone();
        body["client_reference_id"] = json!(reference(i));
        async move {
            let body: types::CreateCheckoutRequest =
                serde_json::from_value(body).expect("a valid checkout request");
            client
                .create_checkout()
                .body(body)
                .send()
                .await
                .map(progenitor_client::ResponseValue::into_inner)
        }
    })
    .await;
    let faults = plan.fired(sandbox.faults());
    sandbox.faults().clear();

    let mut errors = BTreeMap::new();
    let (mut returned, mut on_server, mut duplicates, mut orphans) = (0, 0, 0, 0);
    for (i, result) in &results {
        let stored = sandbox.payfect().checkouts_with_reference(&reference(*i));
        on_server += stored.len();
        duplicates += stored.len().saturating_sub(1);
        assert!(stored.len() <= 1, "create {i}: {} checkouts", stored.len());
        match result {
            Ok(checkout) => {
                returned += 1;
                assert_eq!(stored.len(), 1, "create {i}");
                assert_eq!(stored[0]["id"], json!(checkout.id), "create {i}");
            }
            Err(e) => {
                *errors.entry(error_kind(e)).or_insert(0) += 1;
                if e.outcome_unknown() {
                    // Dropped or too slow: maybe processed (an orphan the caller must
                    // reconcile by client_reference_id), never re-sent.
                    assert!(e.to_string().contains("outcome unknown"), "{e}");
                    orphans += stored.len();
                } else {
                    // The only other fault is the 502 in front of the handler: not retried,
                    // because a 502 can come from a proxy after the provider acted.
                    assert_eq!(e.status().map(|s| s.as_u16()), Some(502), "create {i}: {e}");
                    assert!(stored.is_empty(), "create {i}: a 502 before the handler");
                }
            }
        }
    }
    let report = Report {
        api: "payfect (POST /checkouts/, no idempotency key)",
        logical: LOGICAL_CREATES,
        attempts: attempts("payfect", "create_checkout"),
        on_server,
        duplicates,
        faults,
        returned,
        errors,
    };
    report.print();
    println!(
        "payfect: {orphans} checkouts exist on the server whose create returned `outcome \
         unknown` (to reconcile by client_reference_id); no create was sent twice\n"
    );
    assert_eq!(report.duplicates, 0, "a create was repeated");
    let fired = |label: &str| {
        report
            .faults
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0, |(_, n)| *n as usize)
    };
    // Not retried: each dropped connection and each 502 is one failed create; every
    // after-commit drop left exactly one checkout behind.
    assert_eq!(
        report.errors.get("api 502").copied().unwrap_or(0)
            + report.errors.get("undecodable 502").copied().unwrap_or(0)
            + report.errors.get("unexpected 502").copied().unwrap_or(0),
        fired("502"),
        "{:?}",
        report.errors
    );
    assert!(orphans >= fired("drop after commit") + fired("slow, after commit"));
    // 429s were retried (the provider did not process them), so attempts exceed creates.
    assert!(fired("429 + Retry-After: 1") > 0);
    assert!(report.attempts > LOGICAL_CREATES as u64);
    assert_eq!(
        report.returned + report.errors.values().sum::<usize>(),
        LOGICAL_CREATES
    );
    sandbox.shutdown().await;
}
