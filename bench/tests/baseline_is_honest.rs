//! The benches compare the generated clients with hand-written code; these checks keep that
//! comparison honest. They measure no time.

use benchmarks::identity;
use benchmarks::ops::Api;
use benchmarks::setup::Bench;
use benchmarks::webhooks::Deliveries;

#[tokio::test]
async fn client_and_baseline_send_byte_identical_requests() {
    let bench = Bench::start().await;
    let compared = identity::check(&bench)
        .await
        .unwrap_or_else(|problems| panic!("client and baseline differ:\n{problems}"));
    // Every API's create and retrieve were compared, and a create carries its body.
    assert_eq!(compared.len(), 8);
    for c in &compared {
        if c.op == benchmarks::ops::Op::Create {
            assert!(!c.client.body.is_empty(), "{:?} create sent no body", c.api);
        }
    }
}

#[test]
fn the_differences_check_sees_a_changed_body_and_header() {
    let a = benchmarks::server::Captured {
        method: "POST".into(),
        target: "/x".into(),
        headers: vec![
            ("accept".into(), b"application/json".to_vec()),
            (
                "idempotency-key".into(),
                b"6f1c2b9e-8d4a-4f3e-9b2a-1c5d7e9f0a1b".to_vec(),
            ),
        ],
        body: b"{\"a\":1}".to_vec(),
        peer_port: 1,
    };
    assert!(identity::differences("same", &a, &a).is_empty());
    let mut b = a.clone();
    b.headers[1].1 = b"0d3b1f52-8c1e-4d7a-bf0e-2a6c9e4d5f71".to_vec();
    assert!(identity::differences("fresh key", &a, &b).is_empty());
    b.body = b"{\"a\":2}".to_vec();
    b.headers[0].1 = b"*/*".to_vec();
    assert_eq!(identity::differences("changed", &a, &b).len(), 2);
}

#[test]
fn every_webhook_delivery_verifies() {
    let deliveries = Deliveries::new();
    for api in Api::ALL {
        deliveries
            .verify(api)
            .unwrap_or_else(|e| panic!("{} webhook refused: {e}", api.name()));
    }
}
