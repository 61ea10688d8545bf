//! XStak: every operation against the sandbox, with its webhooks.

use super::*;

#[tokio::test]
async fn every_operation_against_the_sandbox() {
    let (sandbox, client) = start().await;
    let secret = sandbox
        .creds()
        .xstak_webhook_hmac_secret
        .expose_secret()
        .to_owned();
    let (url, calls) = receiver(&secret).await;
    sandbox.set_webhook_receiver(Some(Api::Xstak), url);
    let mut used = std::collections::BTreeSet::new();

    // The seed's checkout link.
    let link = client
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("checkout link");
    used.insert("create_checkout_link");
    assert!(link.id.starts_with("xpay_pi_") && link.id.len() == "xpay_pi_".len() + 64);
    assert!(
        link.pi_client_secret
            .as_ref()
            .is_some_and(|s| s.expose_secret().starts_with(&format!("{}_cs_", link.id)))
    );
    assert!(
        link.checkout_page_url
            .as_deref()
            .is_some_and(|u| u.starts_with(&format!(
                "http://{}/_sandbox/pay/xstak/{}?source=headless&order_id=checkout-pl-02",
                sandbox.addr(),
                link.id
            ))),
        "{:?}",
        link.checkout_page_url
    );
    assert_eq!(link.amount, Some(JsonDecimal(dec("5"))));
    assert_eq!(
        link.pi_status,
        Some(types::PaymentIntentStatus::RequiresPaymentMethod)
    );
    assert_eq!(
        link.metadata
            .as_ref()
            .and_then(|m| m.get("order_reference")),
        Some(&json!("checkout-pl-02"))
    );
    assert_eq!(link.encryption_key, Some(None));

    let fetched = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data()
        .expect("retrieve");
    used.insert("retrieve_payment_intent");
    assert_eq!(fetched, link);

    // The customer pays: a signed webhook, then the intent reads succeeded.
    sandbox
        .settle(Api::Xstak, &link.id, Outcome::Complete)
        .expect("settles");
    let paid = notification(&secret, &next_webhook(&calls, 0).await);
    assert_eq!(paid.payment_intent_id.as_deref(), Some(link.id.as_str()));
    assert_eq!(paid.status, Some(types::PaymentIntentStatus::Succeeded));
    assert_eq!(paid.amount, Some(JsonDecimal(dec("5"))));
    assert_eq!(paid.refund_id, Some(None));
    let paid_intent = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data()
        .expect("retrieve");
    assert_eq!(
        paid_intent.pi_status,
        Some(types::PaymentIntentStatus::Succeeded)
    );

    // Refunds: partial, over the rest (refused), the rest.
    let refund = |amount: &str| {
        client.create_refund().body(types::RefundRequest {
            payment_intent_id: link.id.clone(),
            refunded_amount: JsonDecimal(dec(amount)),
            reason: Some("customer request".into()),
        })
    };
    let first = refund("2.5").send().await.data().expect("partial refund");
    used.insert("create_refund");
    assert_eq!(first.refunded_amount, Some(JsonDecimal(dec("2.5"))));
    let refunded = notification(&secret, &next_webhook(&calls, 1).await);
    assert_eq!(refunded.refund_id.flatten(), first.id);
    let err = refund("2.51")
        .send()
        .await
        .data()
        .expect_err("over the rest");
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        api_reason(&err).is_some_and(|m| m.contains("exceeds")),
        "{err}"
    );
    refund("2.5").send().await.data().expect("the rest");
    let fetched_refund = client
        .retrieve_refund()
        .refund_id(first.id.clone().expect("refund id"))
        .send()
        .await
        .data()
        .expect("retrieve refund");
    used.insert("retrieve_refund");
    assert_eq!(fetched_refund, first);
    let after = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data()
        .expect("retrieve");
    let summary = after.refund.expect("refund summary");
    assert_eq!(summary.refunded_amount, Some(JsonDecimal(dec("5"))));
    assert!(summary.refund_object_id.is_some());

    // Manual capture: authorize, capture part, refund at most what was captured.
    let held = client
        .create_payment_intent()
        .body(intent_request("1500.75", types::CaptureMethod::Manual))
        .send()
        .await
        .data()
        .expect("intent");
    used.insert("create_payment_intent");
    assert!(held.encryption_key.is_some());
    assert_eq!(held.checkout_page_url, None);
    assert_eq!(held.amount, Some(JsonDecimal(dec("1500.75"))));
    let settled = sandbox
        .settle(Api::Xstak, &held.id, Outcome::Complete)
        .expect("settles");
    assert_eq!(settled["pi_status"], "requires_capture");
    let secret_of = |i: &types::PaymentIntent| {
        i.pi_client_secret
            .as_ref()
            .expect("client secret")
            .expose_secret()
            .to_owned()
    };
    let captured = client
        .capture_payment_intent()
        .pi_client_secret(secret_of(&held))
        .body(types::CaptureRequest {
            amount: Some(JsonDecimal(dec("1000"))),
        })
        .send()
        .await
        .data()
        .expect("capture");
    used.insert("capture_payment_intent");
    assert_eq!(
        captured.pi_status,
        Some(types::PaymentIntentStatus::Succeeded)
    );
    let over = client
        .create_refund()
        .body(types::RefundRequest {
            payment_intent_id: held.id.clone(),
            refunded_amount: JsonDecimal(dec("1000.01")),
            reason: None,
        })
        .send()
        .await
        .data()
        .expect_err("more than captured");
    assert!(
        api_reason(&over).is_some_and(|m| m.contains("1000")),
        "{over}"
    );

    // Void: authorize, release; a capture afterwards is refused.
    let voided = client
        .create_payment_intent()
        .body(intent_request("99.99", types::CaptureMethod::Manual))
        .send()
        .await
        .data()
        .expect("intent");
    sandbox
        .settle(Api::Xstak, &voided.id, Outcome::Complete)
        .expect("settles");
    let released = client
        .void_payment_intent()
        .pi_client_secret(secret_of(&voided))
        .body(types::VoidRequest {})
        .send()
        .await
        .data()
        .expect("void");
    used.insert("void_payment_intent");
    assert_eq!(
        released.pi_status,
        Some(types::PaymentIntentStatus::Canceled)
    );
    let err = client
        .capture_payment_intent()
        .pi_client_secret(secret_of(&voided))
        .body(types::CaptureRequest { amount: None })
        .send()
        .await
        .data()
        .expect_err("capture after void");
    assert!(
        api_reason(&err).is_some_and(|m| m.contains("canceled")),
        "{err}"
    );

    // The two JazzCash wallet setups answer with the page the customer approves on.
    let wallet = || {
        types::WalletSetupRequest::builder()
            .amount(JsonDecimal(dec("100")))
            .currency("PKR")
            .payment_method_types(types::PaymentMethodType::Wallet)
            .customer(
                types::Customer::builder()
                    .name("Ayesha")
                    .email(Some("ayesha@example.pk".to_owned()))
                    .phone(Some("03001234567".to_owned())),
            )
    };
    let bnpl = client
        .setup_bnpl_wallet()
        .body(wallet())
        .send()
        .await
        .data()
        .expect("bnpl wallet setup");
    used.insert("setup_bnpl_wallet");
    let subscription = client
        .setup_subscription_wallet()
        .body(wallet())
        .send()
        .await
        .data()
        .expect("subscription wallet setup");
    used.insert("setup_subscription_wallet");
    for setup in [bnpl, subscription] {
        let url = setup.redirect_url.expect("redirect_url");
        assert!(
            url.starts_with(&format!("http://{}/_sandbox/pay/xstak/", sandbox.addr())),
            "{url}"
        );
    }

    // Every operation of the spec was exercised.
    let all: std::collections::BTreeSet<_> = OPERATIONS.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(used, all);
    // And every webhook the merchant endpoint got verified (it answers 401 otherwise).
    sandbox
        .webhooks()
        .wait_idle(Duration::from_secs(10))
        .await
        .expect("deliveries finish");
    let deliveries = sandbox.deliveries();
    assert!(deliveries.len() >= 4);
    assert!(deliveries.iter().all(|d| d.succeeded()), "{deliveries:?}");
}
