//! XPay platform end to end: the client against the sandbox over loopback.
//!
//! Every operation of `specs/xpay.yaml`, paging streams, the documented validation and state
//! errors, auth failures, idempotent replay and retries under injected faults, and webhooks
//! verified with the client's own verifier on the bytes a receiver got.

use std::collections::BTreeSet;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use futures::TryStreamExt;
use paygate_runtime::{ManualClock, RetryPolicy};
use paygate_sandbox::{Api, Fault, FaultKind, Outcome, Sandbox, SettleError};
use secrecy::ExposeSecret;
use serde_json::json;
use xpay_client::platform::webhook::{Event as WebhookEvent, EventObject, Verifier};
use xpay_client::platform::{
    ApiErrorExt, ClearableTimestamp, Client, Error, Nullable, OPERATIONS, types,
};

// ------------------------------------------------------------------ harness

/// Receives webhooks as a merchant endpoint would: raw body bytes and headers.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

impl Receiver {
    async fn start(sandbox: &Sandbox) -> Receiver {
        let receiver = Receiver::default();
        let got = receiver.got.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let got = got.clone();
            async move {
                got.lock().unwrap().push((headers, body));
                StatusCode::OK
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/xpay", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        sandbox.set_webhook_receiver(Some(Api::XpayPlatform), url);
        receiver
    }

    /// Waits for `n` deliveries, then verifies and parses each with the client's verifier.
    async fn events(&self, sandbox: &Sandbox, n: usize) -> Vec<WebhookEvent> {
        sandbox
            .webhooks()
            .wait_for(Duration::from_secs(10), |d| {
                d.iter()
                    .filter(|d| d.api == Api::XpayPlatform && d.succeeded())
                    .count()
                    >= n
            })
            .await
            .expect("webhooks delivered");
        // The sandbox signs on its own clock, which some tests move by a day; verify against
        // that clock with a window spanning the jump (the 300 s default is unit-tested).
        let clock = Arc::new(ManualClock::new(sandbox.now()));
        let verifier = Verifier::new(sandbox.creds().xpay_platform_webhook_secret.clone())
            .expect("a secret")
            .clock(clock)
            .tolerance(Duration::from_secs(2 * 86_400));
        let got = self.got.lock().unwrap().clone();
        assert_eq!(got.len(), n, "exactly {n} webhooks");
        got.iter()
            .map(|(headers, body)| {
                verifier
                    .construct_event(body, headers)
                    .unwrap_or_else(|e| panic!("webhook rejected: {e}"))
            })
            .collect()
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(20))
        .per_attempt_timeout(Duration::from_secs(5))
}

fn client_for(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(policy())
        .build()
        .unwrap()
}

async fn start() -> (Sandbox, Client, Receiver) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = client_for(&sandbox);
    let receiver = Receiver::start(&sandbox).await;
    (sandbox, client, receiver)
}

fn redirect() -> types::AfterCompletion {
    types::AfterCompletion {
        type_: types::AfterCompletionType::Redirect,
        redirect: Some(types::AfterCompletionRedirect {
            url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}".into(),
        }),
        hosted_confirmation: None,
    }
}

fn line(price: &str, quantity: u64) -> types::LineItemInput {
    types::LineItemInput::price(
        price,
        NonZeroU64::new(quantity).expect("a positive quantity"),
    )
}

fn inline(currency: &str, unit_amount: i64, name: &str) -> types::LineItemInput {
    types::LineItemInput {
        price: None,
        price_data: Some(types::PriceDataInput {
            currency: currency.into(),
            unit_amount,
            product_data: types::ProductDataInput {
                name: name.into(),
                description: None,
            },
        }),
        quantity: NonZeroU64::MIN,
        adjustable_quantity: None,
    }
}

fn one_time(currency: &str, amount: i64) -> types::CreatePriceRequest {
    types::CreatePriceRequest::builder()
        .currency(currency)
        .unit_amount(amount)
        .type_(types::PriceType::OneTime)
        .try_into()
        .unwrap()
}

/// A product with a default one-time price.
async fn product(
    client: &Client,
    name: &str,
    currency: &str,
    amount: i64,
) -> (types::Product, String) {
    let product = client
        .create_product()
        .body(
            types::CreateProductRequest::builder()
                .name(name)
                .description(format!("{name} (sandbox)"))
                .unit_label("seat".to_string())
                .metadata(
                    [("category".to_string(), "course".to_string())]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                )
                .default_price_data(one_time(currency, amount)),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let price = product
        .default_price_id
        .clone()
        .flatten()
        .expect("default price set");
    (product, price)
}

async fn session(client: &Client, items: Vec<types::LineItemInput>) -> types::CheckoutSession {
    client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(redirect())
                .line_items(items)
                .customer_details(types::CustomerDetailsInput {
                    name: Some("Mona Hassan".into()),
                    email: Some("mona@example.com".into()),
                    phone: Some("+201234567890".into()),
                })
                .metadata(
                    [("order_id".to_string(), "1042".to_string())]
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>(),
                ),
        )
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// The typed error of a failed call.
async fn fails<T>(call: impl std::future::Future<Output = Result<T, Error>>) -> Error
where
    T: std::fmt::Debug,
{
    call.await.expect_err("the call should fail")
}

fn assert_api(err: &Error, status: u16, code: types::ErrorCode, param: Option<&str>) {
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
    assert_eq!(err.error_code(), Some(&code), "{err}");
    assert_eq!(err.param(), param, "{err}");
    assert!(
        err.request_id().is_some_and(|r| r.starts_with("req_")),
        "{err}"
    );
}

// ------------------------------------------------------------------ tests

/// Product and price, session, retrieve, update, complete, webhook, refunds.
#[tokio::test]
async fn hosted_checkout_from_catalog_to_refund() {
    let (sandbox, client, receiver) = start().await;
    let (course, price) = product(&client, "Rust course", "EGP", 149_900).await;
    let session = session(&client, vec![line(&price, 2)]).await;
    assert_eq!(session.status, Some(types::CheckoutSessionStatus::Open));
    assert_eq!(
        session.payment_status,
        Some(types::CheckoutSessionPaymentStatus::Unpaid)
    );
    assert_eq!(session.amount_total, Some(299_800));
    assert_eq!(session.currency.as_deref(), Some("EGP"));
    assert_eq!(session.submit_type, Some(types::ReportedSubmitType::Pay));
    assert!(session.url.as_deref().unwrap().ends_with(&session.id));
    let created = session.created_at.as_ref().unwrap().to_datetime().unwrap();
    let expires = session.expires_at.as_ref().unwrap().to_datetime().unwrap();
    assert_eq!(expires - created, chrono::TimeDelta::hours(24));

    let fetched = client
        .get_checkout_session()
        .id(&session.id)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.client_secret, session.client_secret);

    let updated = client
        .update_checkout_session()
        .id(&session.id)
        .body(types::UpdateCheckoutSessionRequest {
            metadata: Some(Some(
                [("order_id".to_string(), "1043".to_string())]
                    .into_iter()
                    .collect(),
            )),
            line_items: Some(Some(vec![line(&price, 1)])),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.amount_total, Some(149_900));
    assert_eq!(updated.metadata.value().unwrap()["order_id"], "1043");

    let paid = sandbox
        .settle(Api::XpayPlatform, &session.id, Outcome::Complete)
        .unwrap();
    assert_eq!(paid["status"], "complete");
    let [event] = receiver.events(&sandbox, 1).await.try_into().unwrap();
    assert_eq!(event.type_, types::EventType::CheckoutSessionCompleted);
    let EventObject::CheckoutSessionCompleted(done) = event.object else {
        panic!("{:?}", event.object)
    };
    assert_eq!(done.id, session.id);
    assert_eq!(
        done.payment_status,
        Some(types::CheckoutSessionPaymentStatus::Paid)
    );
    let intent = done
        .payment_intent_id
        .clone()
        .flatten()
        .expect("payment intent");

    // The session is locked now.
    let err = fails(
        client
            .update_checkout_session()
            .id(&session.id)
            .body(types::UpdateCheckoutSessionRequest::default())
            .send(),
    )
    .await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let err = fails(client.expire_checkout_session().id(&session.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    assert_eq!(
        sandbox
            .settle(Api::XpayPlatform, &session.id, Outcome::Complete)
            .unwrap_err(),
        SettleError::InvalidState(format!("session {} is complete", session.id))
    );

    // Partial refund by payment intent, the rest by charge.
    let first = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(intent.clone()),
            charge_id: None,
            amount: NonZeroU64::new(50_000),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: Some("one seat back".into()),
            metadata: [("order_id".to_string(), "1043".to_string())]
                .into_iter()
                .collect(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(first.status, Some(types::RefundStatus::SUCCEEDED));
    assert_eq!(
        first.balance_transaction.as_ref().and_then(|t| t.amount),
        Some(-50_000)
    );
    let charge = first.charge_id.clone().unwrap();

    let too_much = fails(
        client
            .create_refund()
            .body(types::CreateRefundRequest {
                charge_id: Some(charge.clone()),
                amount: NonZeroU64::new(100_000),
                ..refund_none()
            })
            .send(),
    )
    .await;
    assert_api(
        &too_much,
        400,
        types::ErrorCode::ParameterOutOfRange,
        Some("amount"),
    );

    let rest = client
        .create_refund()
        .body(types::CreateRefundRequest {
            charge_id: Some(charge.clone()),
            ..refund_none()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(rest.amount, Some(99_900));
    let again = fails(
        client
            .create_refund()
            .body(types::CreateRefundRequest {
                charge_id: Some(charge.clone()),
                ..refund_none()
            })
            .send(),
    )
    .await;
    assert_api(&again, 409, types::ErrorCode::ResourceInvalidState, None);

    let got = client.get_refund().id(&first.id).send().await.unwrap();
    assert_eq!(got.into_inner(), first.into_inner());
    let by_charge: Vec<_> = client
        .list_refunds()
        .charge_id(&charge)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        by_charge.iter().map(|r| r.amount.unwrap()).sum::<i64>(),
        149_900
    );

    // refund.created + charge.refunded per refund (each pair is delivered concurrently).
    let events = receiver.events(&sandbox, 5).await;
    let mut kinds: Vec<&str> = events.iter().map(|e| e.type_.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "charge.refunded",
            "charge.refunded",
            "checkout.session.completed",
            "refund.created",
            "refund.created"
        ]
    );
    let refunded: Vec<(Option<i64>, Option<bool>)> = events
        .iter()
        .filter_map(|e| match &e.object {
            EventObject::ChargeRefunded(c) => Some((c.amount_refunded, c.refunded)),
            _ => None,
        })
        .collect();
    assert!(
        refunded.contains(&(Some(50_000), Some(false))),
        "{refunded:?}"
    );
    assert!(
        refunded.contains(&(Some(149_900), Some(true))),
        "{refunded:?}"
    );
    let ids: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 5, "event ids are unique");

    // A used price and its product cannot be deleted.
    let err = fails(client.delete_price().id(&price).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let err = fails(client.delete_product().id(&course.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);
    let stats = client
        .get_product_stats()
        .id(&course.id)
        .send()
        .await
        .unwrap();
    let usage = &stats.prices.value().unwrap()[0];
    assert_eq!(
        (usage.checkout_sessions, usage.line_items),
        (Some(1), Some(1))
    );

    // The paying customer was created as a guest and shows up in stats.
    let customer = done.customer_id.clone().flatten().unwrap();
    let stats = client
        .get_customer_stats()
        .id(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.successful_transactions, Some(1));
    assert_eq!(stats.total_spent, Some(0), "everything was refunded");
    let guest = client.get_customer().id(&customer).send().await.unwrap();
    assert_eq!(guest.type_, Some(types::CustomerType::Guest));
    assert_eq!(
        guest.email.value().map(String::as_str),
        Some("mona@example.com")
    );
}

fn refund_none() -> types::CreateRefundRequest {
    types::CreateRefundRequest {
        payment_intent_id: None,
        charge_id: None,
        amount: None,
        reason: None,
        description: None,
        metadata: Default::default(),
    }
}

#[tokio::test]
async fn sessions_expire_by_request_and_by_time() {
    let (sandbox, client, receiver) = start().await;
    let s1 = session(&client, vec![inline("KWD", 1_140, "Gift card")]).await;
    assert_eq!(s1.currency.as_deref(), Some("KWD"));
    let expired = client
        .expire_checkout_session()
        .id(&s1.id)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status, Some(types::CheckoutSessionStatus::Expired));
    let err = fails(client.expire_checkout_session().id(&s1.id).send()).await;
    assert_api(&err, 409, types::ErrorCode::ResourceInvalidState, None);

    let s2 = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    sandbox.advance_clock(Duration::from_secs(24 * 3600 + 1));
    let late = client
        .get_checkout_session()
        .id(&s2.id)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status, Some(types::CheckoutSessionStatus::Expired));
    assert_eq!(late.is_expired, Some(true));
    assert!(
        sandbox
            .settle(Api::XpayPlatform, &s2.id, Outcome::Complete)
            .is_err()
    );

    let events = receiver.events(&sandbox, 2).await;
    assert!(
        events
            .iter()
            .all(|e| e.type_ == types::EventType::CheckoutSessionExpired)
    );
    let ids: BTreeSet<String> = events
        .iter()
        .map(|e| match &e.object {
            EventObject::CheckoutSessionExpired(s) => s.id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, BTreeSet::from([s1.id.clone(), s2.id.clone()]));

    // Cancel settles by expiring; a failed payment leaves the session open, with no webhook.
    let s3 = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    let failed = sandbox
        .settle(Api::XpayPlatform, &s3.id, Outcome::Fail)
        .unwrap();
    assert_eq!(failed["status"], "open");
    assert_eq!(
        failed["paymentIntent"]["lastPaymentError"]["code"],
        "card_declined"
    );
    let cancelled = sandbox
        .settle(Api::XpayPlatform, &s3.id, Outcome::Cancel)
        .unwrap();
    assert_eq!(cancelled["status"], "expired");
    assert_eq!(
        receiver.events(&sandbox, 3).await[2].type_,
        types::EventType::CheckoutSessionExpired
    );
    assert_eq!(
        sandbox.settle(Api::XpayPlatform, "cs_test_nope", Outcome::Complete),
        Err(SettleError::NotFound("cs_test_nope".into()))
    );
}

#[tokio::test]
async fn session_validation_follows_the_docs() {
    let (sandbox, client, _) = start().await;
    let (_, price) = product(&client, "Book", "EGP", 20_000).await;

    // afterCompletion is the one required field.
    let err = fails(
        client
            .create_checkout_session()
            .body(types::CreateCheckoutSessionRequest::builder().line_items(vec![line(&price, 1)]))
            .send(),
    )
    .await;
    assert!(
        matches!(err, Error::InvalidRequest(_)),
        "the client refuses to send it: {err:?}"
    );
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .post(format!("{}/checkout/sessions", client.base_url()))
        .bearer_auth(sandbox.creds().xpay_platform_secret_key.expose_secret())
        .json(&json!({"lineItems": [{"price": price, "quantity": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: types::ErrorResponse = raw.json().await.unwrap();
    assert_eq!(
        body.error.code,
        Some(Some(types::ErrorCode::ParameterMissing))
    );
    assert_eq!(
        body.error.param.value().map(String::as_str),
        Some("afterCompletion")
    );

    let create = |items: Vec<types::LineItemInput>| {
        client.create_checkout_session().body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(redirect())
                .line_items(items),
        )
    };
    let both = types::LineItemInput {
        price_data: inline("EGP", 1, "x").price_data,
        ..line(&price, 1)
    };
    assert_api(
        &fails(create(vec![both]).send()).await,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("lineItems[0].price"),
    );
    let neither = types::LineItemInput {
        price: None,
        ..line(&price, 1)
    };
    assert_api(
        &fails(create(vec![neither]).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("lineItems[0].price"),
    );
    // A zero quantity can't be built (`NonZeroU64`); the sandbox refuses one sent raw by the
    // spec's `minimum: 1` (tested in the sandbox's conformance tests).
    assert_api(
        &fails(create(vec![line("price_test_missing", 1)]).send()).await,
        400,
        types::ErrorCode::ResourceMissing,
        Some("lineItems[0].price"),
    );
    assert_api(
        &fails(create(vec![]).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("lineItems"),
    );
    assert_api(
        &fails(create(vec![line(&price, 1), inline("USD", 500, "mixed")]).send()).await,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("lineItems[1].currency"),
    );

    let customer = client
        .create_customer()
        .body(types::CreateCustomerRequest {
            email: Some("a@b.co".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(redirect())
                    .line_items(vec![line(&price, 1)])
                    .customer_id(customer.id.clone())
                    .customer_details(types::CustomerDetailsInput {
                        email: Some("c@d.co".into()),
                        ..Default::default()
                    }),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("customerDetails"),
    );

    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(redirect())
                    .line_items(vec![line(&price, 1)])
                    .ui_mode(types::UiMode::Embedded)
                    .cancel_url("https://shop.example/cart".to_string()),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("cancelUrl"),
    );

    let http_redirect = types::AfterCompletion {
        redirect: Some(types::AfterCompletionRedirect {
            url: "http://shop.example/ok".into(),
        }),
        ..redirect()
    };
    let err = fails(
        client
            .create_checkout_session()
            .body(
                types::CreateCheckoutSessionRequest::builder()
                    .after_completion(http_redirect)
                    .line_items(vec![line(&price, 1)]),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("afterCompletion.redirect.url"),
    );

    // Immutable fields cannot be patched (sent raw: the typed update has no such fields).
    let open = session(&client, vec![line(&price, 1)]).await;
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .patch(format!(
            "{}/checkout/sessions/{}",
            client.base_url(),
            open.id
        ))
        .bearer_auth(sandbox.creds().xpay_platform_secret_key.expose_secret())
        .json(&json!({"currency": "USD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: types::ErrorResponse = raw.json().await.unwrap();
    assert_eq!(
        body.error.param.value().map(String::as_str),
        Some("currency")
    );

    let err = fails(client.get_checkout_session().id("cs_test_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}

#[tokio::test]
async fn customers_create_search_and_page() {
    let (_sandbox, client, _) = start().await;
    for i in 0..7 {
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                name: Some(format!("Customer {i}")),
                email: Some(format!("c{i}@example.com")),
                phone: Some(format!("+2010000000{i:02}")),
                address: Some(types::Address {
                    country: Some("EG".into()),
                    ..Default::default()
                }),
                metadata: [("crm".to_string(), format!("{i}"))].into_iter().collect(),
            })
            .send()
            .await
            .unwrap();
    }
    let all: Vec<_> = client
        .list_customers()
        .limit(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(
        all.iter()
            .map(|c| c.id.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        7
    );
    assert!(
        all.iter()
            .all(|c| c.country.value().map(String::as_str) == Some("EG"))
    );

    let page = client
        .list_customers()
        .limit(3)
        .page(3)
        .send()
        .await
        .unwrap();
    assert_eq!((page.data.len(), page.total_count), (1, 7));

    let found = client
        .list_customers()
        .search("c2@example.com,Customer 5")
        .send()
        .await
        .unwrap();
    let names: BTreeSet<_> = found
        .data
        .iter()
        .map(|c| c.name.clone().flatten().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["Customer 2".to_string(), "Customer 5".to_string()])
    );
    let guests = client
        .list_customers()
        .type_(types::CustomerType::Guest)
        .send()
        .await
        .unwrap();
    assert_eq!(guests.total_count, 0);

    let one = client.get_customer().id(&all[0].id).send().await.unwrap();
    assert_eq!(one.type_, Some(types::CustomerType::Registered));
    assert_eq!(one.metadata.value().unwrap()["crm"], "6");

    let err = fails(
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                name: Some("No contact".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_api(&err, 400, types::ErrorCode::ParameterMissing, Some("email"));
    let err = fails(
        client
            .create_customer()
            .body(types::CreateCustomerRequest {
                phone: Some("0100".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_api(&err, 400, types::ErrorCode::ParameterInvalid, Some("phone"));
    let err = fails(client.list_customers().limit(101).send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterOutOfRange,
        Some("limit"),
    );
    let err = fails(client.get_customer_stats().id("cus_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}

#[tokio::test]
async fn catalog_products_and_prices() {
    let (_sandbox, client, _) = start().await;
    let (course, default_price) = product(&client, "Course", "USD", 5_000).await;
    let (_, _) = product(&client, "Mug", "EGP", 25_000).await;
    assert_eq!(course.prices.value().unwrap().len(), 1);

    let monthly = client
        .create_price()
        .product_id(&course.id)
        .body(
            types::CreatePriceRequest::builder()
                .currency("USD")
                .type_(types::PriceType::Recurring)
                .unit_amount(1_000)
                .recurring(types::Recurring {
                    interval: Some(types::RecurringInterval::Month),
                    interval_count: Some(1),
                }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(monthly.product_id.as_deref(), Some(course.id.as_str()));
    let custom = client
        .create_price()
        .product_id(&course.id)
        .body(
            types::CreatePriceRequest::builder()
                .currency("KWD")
                .type_(types::PriceType::Custom)
                .custom_unit_amount(types::CustomUnitAmount {
                    minimum: Some(1_000),
                    maximum: Some(50_000),
                    preset: Some(5_000),
                }),
        )
        .send()
        .await
        .unwrap();

    let renamed = client
        .update_price()
        .id(&custom.id)
        .body(types::UpdatePriceRequest {
            name: Some("Pay what you want".into()),
            stock: Some(10),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_deref(), renamed.stock),
        (Some("Pay what you want"), Some(Some(10)))
    );

    let updated = client
        .update_product()
        .id(&course.id)
        .body(types::UpdateProductRequest {
            default_price: Some(monthly.id.clone()),
            image: Some("https://cdn.example/course.png".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.default_price_id.value().map(String::as_str),
        Some(monthly.id.as_str())
    );
    assert_eq!(updated.prices.value().unwrap().len(), 3);

    // Deleting the default price clears the product's reference.
    client.delete_price().id(&monthly.id).send().await.unwrap();
    let after = client.get_product().id(&course.id).send().await.unwrap();
    assert_eq!(after.default_price_id, None);
    assert_eq!(after.prices.value().unwrap().len(), 2);
    let err = fails(
        client
            .update_price()
            .id(&monthly.id)
            .body(types::UpdatePriceRequest::default())
            .send(),
    )
    .await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));

    let upload = client
        .create_product_upload_url()
        .body(types::CreateUploadUrlRequest {
            file_name: Some("course.png".into()),
            content_type: Some("image/png".into()),
        })
        .send()
        .await
        .unwrap();
    assert!(
        upload
            .upload_url
            .as_deref()
            .unwrap()
            .starts_with("https://")
    );
    let err = fails(
        client
            .create_product_upload_url()
            .body(types::CreateUploadUrlRequest {
                file_name: None,
                content_type: Some("text/plain".into()),
            })
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("contentType"),
    );

    let listed = client
        .list_products()
        .metadata(r#"{"category":"course"}"#)
        .search("mug,course")
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (listed.total_count, listed.total_pages, listed.data.len()),
        (2, Some(2), 1)
    );
    let all: Vec<_> = client
        .list_products()
        .active(true)
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let err = fails(client.list_products().metadata("{not json").send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("metadata"),
    );

    let stats = client
        .get_product_stats()
        .id(&course.id)
        .send()
        .await
        .unwrap();
    assert_eq!(stats.prices.value().unwrap().len(), 2);
    assert!(
        stats
            .prices
            .value()
            .unwrap()
            .iter()
            .all(|p| p.checkout_sessions == Some(0))
    );

    let err = fails(
        client
            .create_price()
            .product_id("prod_missing")
            .body(one_time("EGP", 1))
            .send(),
    )
    .await;
    assert_api(
        &err,
        404,
        types::ErrorCode::ResourceMissing,
        Some("productId"),
    );
    let err = fails(
        client
            .create_price()
            .product_id(&course.id)
            // Not three letters: the spec's pattern refuses it.
            .body(one_time("US", 1))
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("currency"),
    );

    // An unused product goes, with its prices.
    client.delete_product().id(&course.id).send().await.unwrap();
    let err = fails(client.get_product().id(&course.id).send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
    let err = fails(
        client
            .update_price()
            .id(&default_price)
            .body(types::UpdatePriceRequest::default())
            .send(),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
}

#[tokio::test]
async fn payment_links_filter_and_replace() {
    let (_sandbox, client, _) = start().await;
    let (_, book) = product(&client, "Novel", "EGP", 20_000).await;
    let (_, pen) = product(&client, "Fountain pen", "EGP", 5_000).await;
    let (_, dollars) = product(&client, "Ebook", "USD", 900).await;

    let field = types::CustomField {
        key: Some("gift_note".into()),
        label: Some(json!("Gift note")),
        type_: Some(types::CustomFieldType::Text),
        optional: Some(true),
        options: None,
    };
    let link = client
        .create_payment_link()
        .body(
            types::CreatePaymentLinkRequest::builder()
                .line_items(vec![line(&book, 1), line(&pen, 2)])
                .custom_fields(vec![field])
                .expires_at(types::Timestamp::from(
                    chrono::Utc::now() + chrono::TimeDelta::days(30),
                )),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(link.computed_amount, Some(30_000));
    assert!(link.url.as_deref().unwrap().ends_with(&link.id));
    assert!(link.expires_at.is_some());

    let err = fails(
        client
            .create_payment_link()
            .body(
                types::CreatePaymentLinkRequest::builder()
                    .line_items(vec![line(&book, 1), line(&dollars, 1)]),
            )
            .send(),
    )
    .await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("lineItems[1].currency"),
    );

    let replaced = client
        .update_payment_link()
        .id(&link.id)
        .body(
            types::UpdatePaymentLinkRequest::builder()
                .line_items(vec![line(&pen, 1)])
                .custom_fields(Vec::new())
                .expires_at(ClearableTimestamp::Clear),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.computed_amount, Some(5_000));
    assert_eq!(replaced.line_items.value().unwrap().len(), 1);
    assert_eq!(
        replaced.custom_fields.value().map(Vec::as_slice),
        Some(&[][..])
    );
    assert_eq!(replaced.expires_at, Some(None), "cleared: null");
    let fetched = client.get_payment_link().id(&link.id).send().await.unwrap();
    assert_eq!(fetched.into_inner(), replaced.into_inner());

    let second = client
        .create_payment_link()
        .body(
            types::CreatePaymentLinkRequest::builder()
                .line_items(vec![line(&dollars, 3)])
                .active(false),
        )
        .send()
        .await
        .unwrap();
    let ids =
        |list: types::PaymentLinkList| list.data.into_iter().map(|l| l.id).collect::<Vec<_>>();
    assert_eq!(
        ids(client
            .list_payment_links()
            .active(false)
            .send()
            .await
            .unwrap()
            .into_inner()),
        [second.id.as_str()]
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .amount("bt:4000,6000")
            .send()
            .await
            .unwrap()
            .into_inner()),
        [link.id.as_str()]
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .amount("gt:5000")
            .send()
            .await
            .unwrap()
            .into_inner()),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(client
            .list_payment_links()
            .search("ebook")
            .send()
            .await
            .unwrap()
            .into_inner()),
        [second.id.as_str()]
    );
    assert_eq!(
        client
            .list_payment_links()
            .date("last:7,days")
            .send()
            .await
            .unwrap()
            .total_count,
        2
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        client
            .list_payment_links()
            .date(format!("before:{today}"))
            .send()
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(
        client
            .list_payment_links()
            .date(format!("between:2020-01-01,{tomorrow}"))
            .timezone("+02:00")
            .send()
            .await
            .unwrap()
            .total_count,
        2
    );
    let streamed: Vec<_> = client
        .list_payment_links()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 2);

    let err = fails(client.list_payment_links().amount("about:5").send()).await;
    assert_api(
        &err,
        400,
        types::ErrorCode::ParameterInvalid,
        Some("amount"),
    );
    let err = fails(client.list_payment_links().date("someday").send()).await;
    assert_api(&err, 400, types::ErrorCode::ParameterInvalid, Some("date"));
    let err = fails(client.get_payment_link().id("plink_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
}

#[tokio::test]
async fn refund_targets_are_exclusive() {
    let (sandbox, client, _) = start().await;
    let s = session(&client, vec![inline("EGP", 10_000, "Mug")]).await;
    sandbox
        .settle(Api::XpayPlatform, &s.id, Outcome::Complete)
        .unwrap();
    let pi = client
        .get_checkout_session()
        .id(&s.id)
        .send()
        .await
        .unwrap()
        .payment_intent_id
        .clone()
        .flatten()
        .unwrap();
    let both = types::CreateRefundRequest {
        payment_intent_id: Some(pi.clone()),
        charge_id: Some("ch_x".into()),
        ..refund_none()
    };
    assert_api(
        &fails(client.create_refund().body(both).send()).await,
        400,
        types::ErrorCode::ParametersExclusive,
        Some("paymentIntentId"),
    );
    assert_api(
        &fails(client.create_refund().body(refund_none()).send()).await,
        400,
        types::ErrorCode::ParameterMissing,
        Some("paymentIntentId"),
    );
    let unknown = types::CreateRefundRequest {
        payment_intent_id: Some("pi_test_missing".into()),
        ..refund_none()
    };
    // An id in the body that names nothing: 400 `resource_missing` (a path id gets 404).
    assert_api(
        &fails(client.create_refund().body(unknown).send()).await,
        400,
        types::ErrorCode::ResourceMissing,
        Some("paymentIntentId"),
    );
    // A zero amount can't be built: the spec's `minimum: 1` makes it a `NonZeroU64`.
    let full = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(pi.clone()),
            ..refund_none()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(full.amount, Some(10_000));
    let err = fails(client.get_refund().id("re_missing").send()).await;
    assert_api(&err, 404, types::ErrorCode::ResourceMissing, Some("id"));
    let listed = client
        .list_refunds()
        .payment_intent_id(&pi)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1);
}

#[tokio::test]
async fn wrong_or_missing_keys_are_rejected() {
    let sandbox = Sandbox::start().await.unwrap();
    for key in [
        "sk_test_wrong_key",
        "sk_live_sandbox_P4yg4teXp4ySbxK3y0000001",
    ] {
        let client = Client::builder(key)
            .base_url(sandbox.base_url(Api::XpayPlatform))
            .build()
            .unwrap();
        let err = fails(client.list_refunds().send()).await;
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(
            err.error_type(),
            Some(&types::ErrorType::AuthenticationError)
        );
        assert_eq!(err.error_code(), Some(&types::ErrorCode::ApiKeyInvalid));
        assert!(!err.to_string().contains(key));
    }
    paygate_runtime::tls::install_default_provider();
    let raw = reqwest::Client::new()
        .get(format!("{}/refunds", sandbox.base_url(Api::XpayPlatform)))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 401);
}

#[tokio::test]
async fn idempotent_replay_and_retries_under_faults() {
    let (sandbox, client, _) = start().await;
    let body = || types::CreateCustomerRequest {
        email: Some("same@example.com".into()),
        ..Default::default()
    };
    let a = client
        .create_customer()
        .idempotency_key("cust-1")
        .body(body())
        .send()
        .await
        .unwrap();
    let b = client
        .create_customer()
        .idempotency_key("cust-1")
        .body(body())
        .send()
        .await
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(
        b.headers().get("idempotent-replayed").map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    let err = fails(
        client
            .create_customer()
            .idempotency_key("cust-1")
            .body(types::CreateCustomerRequest {
                email: Some("other@example.com".into()),
                ..Default::default()
            })
            .send(),
    )
    .await;
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(
        err.error_type(),
        Some(&types::ErrorType::InvalidRequestError)
    );

    // The connection drops after the session was created: the retry carries the same
    // generated key and gets the stored session back instead of a second one.
    sandbox.faults().add(
        Fault::new("/xpay/checkout/sessions", FaultKind::DropConnection)
            .method(Method::POST)
            .times(1),
    );
    let s = session(&client, vec![inline("EGP", 1_000, "Sticker")]).await;
    let again = client
        .get_checkout_session()
        .id(&s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(again.id, s.id);
    let posts: Vec<_> = sandbox.faults().list();
    assert!(posts.is_empty(), "the fault fired once and is gone");

    // 503 then success; 429 with Retry-After then success.
    sandbox
        .faults()
        .add(Fault::new("/xpay/customers", FaultKind::Status { status: 503 }).times(1));
    sandbox.faults().add(
        Fault::new(
            "/xpay/refunds",
            FaultKind::RateLimit {
                retry_after_secs: 0,
            },
        )
        .times(1),
    );
    client.list_customers().send().await.unwrap();
    client.list_refunds().send().await.unwrap();

    // Hostile replies keep their status and a snippet.
    let once = client.with_retry(RetryPolicy::none());
    sandbox
        .faults()
        .add(Fault::new("/xpay/products/{id}", FaultKind::Html { status: 502 }).times(1));
    let err = fails(once.get_product().id("prod_x").send()).await;
    match &err {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, StatusCode::BAD_GATEWAY);
            assert!(snippet.to_lowercase().contains("<html"), "{snippet}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    sandbox.faults().add(
        Fault::new("/xpay/customers", FaultKind::TruncatedJson)
            .method(Method::GET)
            .times(1),
    );
    let err = fails(once.list_customers().send()).await;
    assert!(
        matches!(
            err,
            Error::Decode {
                status: StatusCode::OK,
                ..
            }
        ),
        "{err:?}"
    );
}

/// Every operation of the spec is exercised by this file.
#[test]
fn every_operation_is_covered() {
    let source = include_str!("xpay_platform.rs");
    let missing: Vec<&str> = OPERATIONS
        .iter()
        .map(|(id, _, _)| *id)
        .filter(|id| !source.contains(&format!(".{id}()")))
        .collect();
    assert!(missing.is_empty(), "operations without a test: {missing:?}");
    assert_eq!(OPERATIONS.len(), 25);
}
