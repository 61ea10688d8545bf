//! XStak: settle outcomes and the webhooks they send.

use super::*;

#[tokio::test]
async fn settle_outcomes_and_their_webhooks() {
    let (sandbox, client) = start().await;
    let secret = sandbox
        .creds()
        .xstak_webhook_hmac_secret
        .expose_secret()
        .to_owned();
    let (url, calls) = receiver(&secret).await;
    sandbox.set_webhook_receiver(Some(Api::Xstak), url);
    let create = || async {
        client
            .create_checkout_link()
            .body(seed_request())
            .send()
            .await
            .data()
            .expect("link")
    };
    let failed = create().await;
    let value = sandbox
        .settle(Api::Xstak, &failed.id, Outcome::Fail)
        .expect("fails");
    assert_eq!(value["pi_status"], "failed");
    assert_eq!(value["last_payment_response"]["error"], 1);
    let n = notification(&secret, &next_webhook(&calls, 0).await);
    assert_eq!(n.status, Some(types::PaymentIntentStatus::Failed));

    let canceled = create().await;
    sandbox
        .settle(Api::Xstak, &canceled.id, Outcome::Cancel)
        .expect("cancels");
    let n = notification(&secret, &next_webhook(&calls, 1).await);
    assert_eq!(n.status, Some(types::PaymentIntentStatus::Canceled));

    assert!(matches!(
        sandbox.settle(Api::Xstak, &failed.id, Outcome::Complete),
        Err(SettleError::InvalidState(_))
    ));
    assert!(matches!(
        sandbox.settle(Api::Xstak, "xpay_pi_nope", Outcome::Complete),
        Err(SettleError::NotFound(_))
    ));
    // The body a merchant gets is exactly what JavaScript would send.
    let (_, body) = next_webhook(&calls, 0).await;
    assert!(paygate_runtime::js::is_canonical(&body));
}
