//! Payfect: the 24 h expiry, settle outcomes, and a lost create reply that is not retried.

use super::*;

#[tokio::test]
async fn sessions_expire_after_24_hours() {
    let (sandbox, client) = start().await;
    let created = client
        .create_checkout()
        .body(usdt_checkout(&reference("EXP"), "5", 1))
        .send()
        .await
        .unwrap();
    sandbox.advance_clock(Duration::from_secs(23 * 3600));
    let open = client
        .retrieve_checkout()
        .id(&created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(open.status, CheckoutStatus::Open);
    sandbox.advance_clock(Duration::from_secs(3600));
    let expired = client
        .retrieve_checkout()
        .id(&created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status, CheckoutStatus::Expired);
    assert!(!expired.is_payable_at(sandbox.now()));
    let err = sandbox
        .settle(Api::Payfect, &created.id, Outcome::Complete)
        .unwrap_err();
    assert!(matches!(err, SettleError::InvalidState(_)), "{err:?}");
}

#[tokio::test]
async fn settle_outcomes() {
    let (sandbox, client) = start().await;
    let a = client
        .create_checkout()
        .body(usdt_checkout(&reference("CANCEL"), "1", 1))
        .send()
        .await
        .unwrap();
    let cancelled = sandbox
        .settle(Api::Payfect, &a.id, Outcome::Cancel)
        .unwrap();
    assert_eq!(cancelled["status"], "expired");
    assert!(matches!(
        sandbox.settle(Api::Payfect, &a.id, Outcome::Fail),
        Err(SettleError::InvalidState(_))
    ));
    let b = client
        .create_checkout()
        .body(usdt_checkout(&reference("FAIL"), "1", 1))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        sandbox.settle(Api::Payfect, &b.id, Outcome::Fail),
        Err(SettleError::Unsupported(_))
    ));
    assert!(matches!(
        sandbox.settle(Api::Payfect, "nope", Outcome::Complete),
        Err(SettleError::NotFound(_))
    ));
}

/// Payfect has no idempotency key and no way to look a checkout up by reference, so the client
/// never resends a create. After a lost reply the honest recovery is: make a new checkout and
/// show only its URL. The orphan is never shown, so never paid, and lapses after 24 h; the
/// callback names the checkout that was paid.
#[tokio::test]
async fn a_lost_create_reply_is_not_retried_and_the_orphan_lapses() {
    let (sandbox, client) = start().await;
    let (url, calls, _task) = receiver().await;
    let order = reference("LOST");
    let mut request = usdt_checkout(&order, "12.30", 1);
    request.callback_url = Some(url);

    sandbox.faults().add(
        Fault::new(CHECKOUTS, FaultKind::DropConnection)
            .method(http::Method::POST)
            .times(1),
    );
    let err = client
        .create_checkout()
        .body(request.clone())
        .send()
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(
        sandbox.payfect().checkouts_with_reference(&order).len(),
        1,
        "sent once"
    );

    let second = client.create_checkout().body(request).send().await.unwrap();
    assert_eq!(sandbox.payfect().checkouts_with_reference(&order).len(), 2);
    sandbox
        .settle(Api::Payfect, &second.id, Outcome::Complete)
        .unwrap();
    let (_, body) = wait_for_callback(&calls).await;
    let paid: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(paid["id"], second.id.as_str());
    assert_eq!(paid["client_reference_id"], order.as_str());

    sandbox.advance_clock(Duration::from_secs(24 * 3600 + 1));
    let again = client
        .retrieve_checkout()
        .id(&second.id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status, CheckoutStatus::Complete, "paid stays paid");
    let all = sandbox.payfect().checkouts_with_reference(&order);
    assert_eq!(all.len(), 2);
    for c in &all {
        let expected = if c["id"] == second.id.as_str() {
            "complete"
        } else {
            "expired"
        };
        assert_eq!(c["status"], expected, "the orphan lapsed unpaid: {c}");
    }
    // Exactly one callback: one payment for the order.
    assert_eq!(calls.lock().unwrap().len(), 1);
}
