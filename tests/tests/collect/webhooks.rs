//! Collect: webhooks verify and are confirmed with the API.

use super::*;

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
