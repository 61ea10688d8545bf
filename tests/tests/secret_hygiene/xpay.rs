//! The XPay platform leg of the tour: what it touches, and the secrets it must keep.

use super::*;

pub(super) async fn xpay_tour(
    sandbox: &Sandbox,
    got: &Received,
    seen: &mut Seen,
    secrets: &mut Vec<String>,
) {
    use xpay_client::platform::webhook::Verifier;
    use xpay_client::platform::{Client, types};
    let creds = sandbox.creds();
    let builder = Client::builder(creds.xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .retry(policy());
    seen.debug("xpay builder", &builder);
    let client = builder.build().expect("valid configuration");
    seen.debug("xpay client", &client);

    // A customer, whose first reply is lost after the commit.
    sandbox.faults().add(once(
        "/xpay/customers",
        Method::POST,
        FaultKind::DropConnection,
    ));
    let request = client.create_customer().body(
        types::CreateCustomerRequest::builder()
            .email(Some("hygiene@example.com".to_string()))
            .name(Some("Hygiene".to_string())),
    );
    seen.debug("xpay request builder", &request);
    let customer = request.send().await;
    seen.result("xpay create_customer", &customer);
    let customer = customer.expect("created after a retry");

    // A product with a price, a session, paid; the webhook verified.
    let product = client
        .create_product()
        .body(
            types::CreateProductRequest::builder()
                .name("Hygiene course")
                .default_price_data(Some(
                    types::CreatePriceRequest::builder()
                        .currency("EGP")
                        .unit_amount(150_000)
                        .type_(types::PriceType::OneTime)
                        .try_into()
                        .expect("a complete price"),
                )),
        )
        .send()
        .await;
    seen.result("xpay create_product", &product);
    let product = product.expect("product");
    let price = product
        .default_price_id
        .clone()
        .flatten()
        .expect("a default price");
    let session = client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(types::AfterCompletion {
                    type_: types::AfterCompletionType::Redirect,
                    redirect: Some(types::AfterCompletionRedirect {
                        url: "https://shop.example/thanks".into(),
                    }),
                    hosted_confirmation: None,
                })
                .line_items(vec![types::LineItemInput {
                    price: Some(price),
                    price_data: None,
                    quantity: std::num::NonZeroU64::MIN,
                    adjustable_quantity: None,
                }])
                .customer_id(Some(customer.id.clone())),
        )
        .send()
        .await;
    seen.result("xpay create_checkout_session", &session);
    let session = session.expect("session");
    let settled = sandbox.settle(Api::XpayPlatform, &session.id, Outcome::Complete);
    seen.returned("xpay settle", &settled);
    let verifier = Verifier::new(creds.xpay_platform_webhook_secret.clone()).expect("a secret");
    seen.debug("xpay verifier", &verifier);
    let (headers, body) = delivered(got, Api::XpayPlatform, 1).await.remove(0);
    let event = verifier.construct_event(&body, &headers);
    seen.result("xpay webhook", &event);
    event.expect("the webhook verifies");
    let forged =
        Verifier::new("whsec_not_the_secret").and_then(|v| v.construct_event(&body, &headers));
    seen.result("xpay forged webhook", &forged);
    assert!(forged.is_err());

    // Read back behind an HTML 502 (retried: a GET is safe), then refund.
    sandbox.faults().add(once(
        &format!("/xpay/checkout/sessions/{}", session.id),
        Method::GET,
        FaultKind::Html { status: 502 },
    ));
    let paid = client.get_checkout_session().id(&session.id).send().await;
    seen.result("xpay get_checkout_session", &paid);
    let intent = paid
        .expect("read back")
        .payment_intent_id
        .clone()
        .flatten()
        .expect("paid through an intent");
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest {
            payment_intent_id: Some(intent),
            charge_id: None,
            amount: std::num::NonZeroU64::new(50_000),
            reason: Some(types::RefundReason::RequestedByCustomer),
            description: None,
            metadata: Default::default(),
        })
        .send()
        .await;
    seen.result("xpay create_refund", &refund);
    refund.expect("refund");

    // Failing calls: an unknown id, an HTML page with retries off, a wrong key.
    let missing = client.get_customer().id("cus_test_missing").send().await;
    seen.result("xpay get_customer (missing)", &missing);
    assert_eq!(
        missing.expect_err("404").status(),
        Some(StatusCode::NOT_FOUND)
    );
    sandbox.faults().add(once(
        "/xpay/customers",
        Method::GET,
        FaultKind::Html { status: 503 },
    ));
    let html = client
        .with_retry(RetryPolicy::none())
        .list_customers()
        .send()
        .await;
    seen.result("xpay list_customers (HTML)", &html);
    assert_eq!(
        html.expect_err("503").status(),
        Some(StatusCode::SERVICE_UNAVAILABLE)
    );
    let wrong_key = "sk_test_wrong_key_for_hygiene_0000001".to_string();
    secrets.push(wrong_key.clone());
    let wrong = Client::builder(wrong_key)
        .base_url(sandbox.base_url(Api::XpayPlatform))
        .build()
        .expect("valid configuration");
    seen.debug("xpay client (wrong key)", &wrong);
    let denied = wrong.list_customers().send().await;
    seen.result("xpay list_customers (wrong key)", &denied);
    assert_eq!(
        denied.expect_err("401").status(),
        Some(StatusCode::UNAUTHORIZED)
    );
}
