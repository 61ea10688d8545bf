//! Webhook delivery: retries, the last retry, receivers, and signatures stamped in real time.

use super::*;

#[tokio::test]
async fn webhooks_retry_non_2xx_and_record_every_attempt() {
    let (receiver, received) = receiver(2).await;
    let ctx = Ctx::new(fast_retries());
    let url = format!("{}/hook", receiver.url());
    let webhook_id = ctx.webhooks().send(
        Webhook::json(
            Api::XpayPlatform,
            "checkout.session.completed",
            Some(url.clone()),
            r#"{"id":"evt_1"}"#,
        )
        .header("x-fixed", "1")
        .sign_each_attempt(|body, at| {
            vec![(
                "x-test-signature".into(),
                format!("{}:{}", at.timestamp(), body.len()),
            )]
        }),
    );

    let deliveries = ctx
        .webhooks()
        .wait_for(WAIT, |d| d.iter().any(|d| d.succeeded()))
        .await
        .expect("delivered after two failures");
    let statuses: Vec<_> = deliveries.iter().map(|d| d.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert_eq!(
        deliveries.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    for delivery in &deliveries {
        assert_eq!(delivery.webhook_id, webhook_id);
        assert_eq!(delivery.url.as_deref(), Some(url.as_str()));
        assert_eq!(delivery.event, "checkout.session.completed");
        assert_eq!(delivery.body, r#"{"id":"evt_1"}"#);
        assert_eq!(delivery.header("content-type"), Some("application/json"));
        assert_eq!(delivery.header("X-Fixed"), Some("1"));
        assert!(
            delivery
                .header("x-test-signature")
                .unwrap()
                .ends_with(":14")
        );
    }
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|(signature, body)| body == r#"{"id":"evt_1"}"# && signature.ends_with(":14"))
    );
}

#[tokio::test]
async fn webhooks_stop_after_the_last_retry() {
    let (receiver, received) = receiver(usize::MAX).await;
    let ctx = Ctx::new(fast_retries());
    ctx.webhooks().send(Webhook::json(
        Api::Collect,
        "collection.received",
        Some(format!("{}/hook", receiver.url())),
        "{}",
    ));
    ctx.webhooks()
        .wait_idle(WAIT)
        .await
        .expect("delivery finishes");
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(
        deliveries.len(),
        4,
        "one try and three retries: {deliveries:?}"
    );
    assert!(
        deliveries
            .iter()
            .all(|d| d.status == Some(500) && d.error.is_some())
    );
    assert_eq!(received.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn webhooks_go_to_the_configured_receiver_or_are_recorded_as_undeliverable() {
    let ctx = Ctx::new(fast_retries());
    ctx.webhooks()
        .send(Webhook::json(Api::Payfect, "callback", None, "{}"));
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].url, None);
    assert!(deliveries[0].error.is_some());

    let (receiver, received) = receiver(0).await;
    ctx.webhooks()
        .set_receiver(Some(Api::Payfect), Some(format!("{}/hook", receiver.url())));
    ctx.webhooks()
        .send(Webhook::json(Api::Payfect, "callback", None, "{\"a\":1}"));
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 1);
    assert!(ctx.webhooks().deliveries()[1].succeeded());

    // Unreachable receivers are retried too, and recorded with no status.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    ctx.webhooks().clear();
    ctx.webhooks().send(Webhook::json(
        Api::Xstak,
        "payment",
        Some(format!("http://{closed}/hook")),
        "{}",
    ));
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(deliveries.len(), 4);
    assert!(
        deliveries
            .iter()
            .all(|d| d.status.is_none() && d.error.is_some())
    );
}

#[tokio::test]
async fn signatures_are_stamped_with_real_time_even_after_the_clock_moved() {
    let (receiver, _received) = receiver(0).await;
    let ctx = Ctx::new(fast_retries());
    ctx.clock().advance(Duration::from_secs(48 * 3600));
    let stamped = Arc::new(std::sync::Mutex::new(None));
    let seen = stamped.clone();
    ctx.webhooks().send(
        Webhook::json(
            Api::XpayPlatform,
            "e",
            Some(format!("{}/hook", receiver.url())),
            "{}",
        )
        .sign_each_attempt(move |_, at| {
            *seen.lock().unwrap() = Some(at);
            Vec::new()
        }),
    );
    ctx.webhooks().wait_idle(WAIT).await.unwrap();
    let at = stamped.lock().unwrap().expect("signed");
    // Receivers compare signature times with their own clock, not the sandbox's.
    assert!(
        ctx.now() - at > chrono::TimeDelta::hours(47),
        "{at} vs {}",
        ctx.now()
    );
    // The record itself is on the sandbox clock, like every resource.
    assert!(ctx.webhooks().deliveries()[0].sent_at > at + chrono::TimeDelta::hours(47));
}
