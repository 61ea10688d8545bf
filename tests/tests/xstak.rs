//! XPay by XStak end to end: the client against the sandbox over loopback.
//!
//! Every operation; the seed request; the intent status machine (automatic and manual
//! capture, void, refunds up to the captured amount); webhooks verified with the client's
//! verifier; the provider's signature rule (a body altered after signing is refused, a body
//! only re-formatted is not); auth and validation failures in XStak's envelope; hostile
//! replies; idempotent replay; retries.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use paygate_runtime::{JsonDecimal, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use xpay_client::xstak::webhook::{EventObject, Verifier as WebhookVerifier};
use xpay_client::xstak::{Client, Credentials, EnvelopeExt, Error, OPERATIONS, types};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal literal")
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(50))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn credentials(sandbox: &Sandbox) -> Credentials {
    let c = sandbox.creds();
    Credentials::new(
        c.xstak_api_key.expose_secret(),
        c.xstak_account_id.as_str(),
        c.xstak_api_hmac_secret.expose_secret(),
    )
}

fn client_at(sandbox: &Sandbox, base_url: &str) -> Client {
    Client::staging(credentials(sandbox))
        .base_url(base_url)
        .retry(policy())
        .build()
        .expect("valid XStak settings")
}

async fn start() -> (Sandbox, Client) {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    let client = client_at(&sandbox, sandbox.base_url(Api::Xstak));
    (sandbox, client)
}

fn seed_request() -> types::CheckoutRequest {
    let path = format!(
        "{}/../xpay-client/tests/fixtures/xstak/checkout_request.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).expect("seed fixture")).expect("seed parses")
}

fn intent_request(amount: &str, capture: types::CaptureMethod) -> types::PaymentIntentRequest {
    types::PaymentIntentRequest::builder()
        .amount(JsonDecimal(dec(amount)))
        .currency("PKR")
        .payment_method_types(types::PaymentMethodType::Card)
        .customer(
            types::Customer::builder()
                .name("Ayesha")
                .email(Some("ayesha@example.pk".to_owned()))
                .phone(Some("03001234567".to_owned())),
        )
        .capture_method(capture)
        .try_into()
        .expect("complete request")
}

type Calls = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A merchant webhook endpoint: verifies with the client's verifier, answers 401 otherwise.
async fn receiver(secret: &str) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!(
        "http://{}/xpay/webhook",
        listener.local_addr().expect("addr")
    );
    let recorded = calls.clone();
    let verifier = WebhookVerifier::new(secret.to_owned()).expect("a secret");
    let app = axum::Router::new().route(
        "/xpay/webhook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let recorded = recorded.clone();
            let verifier = verifier.clone();
            async move {
                let status = match verifier.construct_event(&body, &headers) {
                    Ok(_) => StatusCode::OK,
                    Err(_) => StatusCode::UNAUTHORIZED,
                };
                recorded.lock().expect("lock").push((headers, body));
                status
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

async fn next_webhook(calls: &Calls, seen: usize) -> (HeaderMap, Bytes) {
    for _ in 0..1000 {
        if let Some(call) = calls.lock().expect("lock").get(seen).cloned() {
            return call;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("webhook #{} never arrived", seen + 1);
}

fn notification(
    secret: &str,
    (headers, body): &(HeaderMap, Bytes),
) -> types::PaymentIntentNotification {
    let verifier = WebhookVerifier::new(secret.to_owned()).expect("a secret");
    match verifier.construct_event(body, headers).map(|e| e.object) {
        Ok(EventObject::PaymentIntentNotification(n)) => *n,
        other => panic!("expected a verified PAYMENT_INTENT_NOTIFICATION, got {other:?}"),
    }
}

fn api_reason(err: &Error) -> Option<&str> {
    err.api_error().and_then(|b| b.reason())
}

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

/// Forwards to the sandbox, passing every request body through `alter` first: a
/// man-in-the-middle between a correctly signing client and the provider.
async fn tampering_proxy(target: String, alter: fn(&[u8]) -> Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    paygate_runtime::tls::install_default_provider();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (http, target) = (http.clone(), target.clone());
            async move {
                let mut forward = http.request(method, format!("{target}{uri}"));
                for (name, value) in &headers {
                    if name != "host" && name != "content-length" {
                        forward = forward.header(name, value);
                    }
                }
                let reply = forward
                    .body(alter(&body))
                    .send()
                    .await
                    .expect("sandbox answers");
                let status = reply.status();
                let bytes = reply.bytes().await.expect("reply body");
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(bytes))
                    .expect("response")
                    .into_response()
            }
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn the_sandbox_rejects_a_body_altered_after_signing() {
    let (sandbox, _client) = start().await;
    let upstream = format!("http://{}", sandbox.addr());

    // 5 rupees signed, 50 delivered.
    let proxy = tampering_proxy(upstream.clone(), |body| {
        String::from_utf8_lossy(body)
            .replacen(r#""amount":5,"#, r#""amount":50,"#, 1)
            .into_bytes()
    })
    .await;
    let err = client_at(&sandbox, &format!("{proxy}/xstak"))
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect_err("tampered body refused");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
    assert_eq!(api_reason(&err), Some("Invalid signature."));

    // Re-formatting alone changes nothing XStak checks: it re-serializes before the HMAC.
    // (The seed has no braces or `","` inside its strings, so this only touches whitespace.)
    let proxy = tampering_proxy(upstream, |body| {
        String::from_utf8_lossy(body)
            .replace(r#"",""#, "\",\n  \"")
            .replace('{', "{ ")
            .into_bytes()
    })
    .await;
    let intent = client_at(&sandbox, &format!("{proxy}/xstak"))
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("whitespace-only changes pass");
    assert_eq!(intent.amount, Some(JsonDecimal(dec("5"))));
}

#[tokio::test]
async fn auth_failures_are_typed_with_xstaks_message() {
    let (sandbox, _client) = start().await;
    let base = sandbox.base_url(Api::Xstak).to_owned();
    let creds = sandbox.creds().clone();
    let with = |key: &str, account: &str, hmac: &str| {
        Client::staging(Credentials::new(
            key.to_owned(),
            account.to_owned(),
            hmac.to_owned(),
        ))
        .base_url(&base)
        .retry(RetryPolicy::none())
        .build()
        .expect("valid XStak settings")
    };
    let key = creds.xstak_api_key.expose_secret().to_owned();
    let hmac = creds.xstak_api_hmac_secret.expose_secret().to_owned();
    for (client, reason) in [
        (
            with("sk_wrong", &creds.xstak_account_id, &hmac),
            "Invalid credentials.",
        ),
        (with(&key, "wrong-account", &hmac), "Invalid credentials."),
        (
            with(&creds.xstak_public_key, &creds.xstak_account_id, &hmac),
            "The publishable key cannot be used for server calls; use the secret key.",
        ),
        (
            with(&key, &creds.xstak_account_id, "wrong-hmac"),
            "Invalid signature.",
        ),
    ] {
        let err = client
            .create_checkout_link()
            .body(seed_request())
            .send()
            .await
            .data()
            .expect_err("refused");
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(api_reason(&err), Some(reason));
    }
    // A GET needs no signature, so the wrong HMAC secret does not matter there…
    let err = with(&key, &creds.xstak_account_id, "wrong-hmac")
        .retrieve_payment_intent()
        .pi_id("xpay_pi_missing")
        .send()
        .await
        .data()
        .expect_err("unknown id");
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(api_reason(&err), Some("Payment intent not found."));
    // … but a signed call without any signature is refused.
    paygate_runtime::tls::install_default_provider();
    let reply = reqwest::Client::new()
        .post(format!("{base}/public/v1/payment/checkout"))
        .header("x-api-key", key)
        .header("x-account-id", creds.xstak_account_id.as_str())
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&seed_request()).expect("serializes"))
        .send()
        .await
        .expect("answer");
    assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    let body: Value = reply.json().await.expect("JSON");
    assert_eq!(
        body,
        json!({"success": false, "responseStatus": "UNAUTHORIZED", "message": "x-signature header is required."})
    );
}

#[tokio::test]
async fn validation_failures_name_the_problem() {
    let (_sandbox, client) = start().await;
    type Change = Box<dyn Fn(&mut types::CheckoutRequest)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|r| r.amount = JsonDecimal(dec("0"))),
            "amount: value is less than the minimum",
        ),
        (
            Box::new(|r| r.amount = JsonDecimal(dec("-5"))),
            "amount: value is less than the minimum",
        ),
        (
            Box::new(|r| r.currency = "pkr".into()),
            "currency: value does not match",
        ),
        (
            Box::new(|r| r.customer.name = " ".into()),
            "customer.name: value does not match",
        ),
        (
            Box::new(|r| {
                r.customer.email = None;
                r.customer.phone = Some(String::new());
            }),
            "customer.phone: value does not match",
        ),
        (
            Box::new(|r| r.success_url = "webhook.site/x".into()),
            "success_url: value does not match",
        ),
        (
            Box::new(|r| {
                r.payment_methods
                    .push(types::PaymentMethod::from("bitcoin"))
            }),
            // The spec's enum, checked before the handler runs.
            "payment_methods[2]",
        ),
    ];
    for (change, reason) in cases {
        let mut request = seed_request();
        change(&mut request);
        let err = client
            .create_checkout_link()
            .body(request)
            .send()
            .await
            .data()
            .expect_err("invalid");
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err:?}");
        assert!(
            api_reason(&err).is_some_and(|m| m.contains(reason)),
            "{err}"
        );
    }
    // Phone alone is enough.
    let mut request = seed_request();
    request.customer.email = None;
    client
        .create_checkout_link()
        .body(request)
        .send()
        .await
        .data()
        .expect("phone only");
}

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

#[tokio::test]
async fn hostile_replies_keep_their_status() {
    let (sandbox, client) = start().await;
    let client = client.with_retry(RetryPolicy::none());
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/details/*",
            FaultKind::Html { status: 502 },
        )
        .times(1),
    );
    let err = client
        .retrieve_payment_intent()
        .pi_id("xpay_pi_x")
        .send()
        .await
        .data()
        .expect_err("HTML");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));

    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/checkout",
            FaultKind::TruncatedJson,
        )
        .method(Method::POST)
        .times(1),
    );
    let err = client
        .create_checkout_link()
        .body(seed_request())
        .send()
        .await
        .data()
        .expect_err("truncated");
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn reads_are_retried_and_writes_replay_by_idempotency_key() {
    let (sandbox, client) = start().await;
    let link = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("link");
    // Same key, same body: the first reply again, no second intent.
    let again = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(seed_request())
        .send()
        .await
        .data()
        .expect("replayed");
    assert_eq!(again.id, link.id);
    // Same key, different body: refused.
    let mut other = seed_request();
    other.amount = JsonDecimal(dec("6"));
    let err = client
        .create_checkout_link()
        .x_idempotency_key("order-77")
        .body(other)
        .send()
        .await
        .data()
        .expect_err("key reuse");
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));

    // A flaky read is retried.
    sandbox.faults().add(
        Fault::new(
            "/xstak/public/v1/payment/intent/details/*",
            FaultKind::Status { status: 503 },
        )
        .times(1),
    );
    let fetched = client
        .retrieve_payment_intent()
        .pi_id(&link.id)
        .send()
        .await
        .data()
        .expect("retried");
    assert_eq!(fetched.id, link.id);
}
