//! The two XPay APIs: the platform's checkout session and XStak's checkout link.

use super::*;

pub(crate) async fn xpay_platform(t: &mut Tour) -> Result<(), BoxError> {
    use xpay_client::platform::{Client, types};
    const API: &str = "xpay";
    let real = env("XPAY_SECRET_KEY");
    let client = match &real {
        Some(key) => Client::builder(key.as_str())
            .base_url(
                env("XPAY_BASE_URL")
                    .unwrap_or_else(|| xpay_client::platform::DEFAULT_BASE_URL.into()),
            )
            .build()?,
        None => Client::builder(t.sandbox.creds().xpay_platform_secret_key.clone())
            .base_url(t.sandbox.base_url(Api::XpayPlatform))
            .build()?,
    };
    let session = client
        .create_checkout_session()
        .body(
            types::CreateCheckoutSessionRequest::builder()
                .after_completion(types::AfterCompletion::redirect(
                    "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
                ))
                .currency("EGP")
                .line_items(vec![types::LineItemInput::inline(
                    "Wireless headphones",
                    xpay_client::platform::money::to_minor_units(
                        Decimal::from_str("1499.00")?,
                        "EGP",
                    )?,
                    "EGP",
                    std::num::NonZeroU64::MIN,
                )]),
        )
        .send()
        .await?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}",
            session.id,
            word(session.status.as_ref()),
            xpay_money(session.amount_total, session.currency.as_deref())
        ),
    );
    if real.is_some() {
        step(API, "checkout", "pay at", word(session.url.as_deref()));
        return Ok(());
    }
    t.sandbox
        .settle(Api::XpayPlatform, &session.id, Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(
        &mut t.rx,
        Api::XpayPlatform,
        &["checkout.session.completed"],
    )
    .await?;
    step(API, "webhook", "verified", event);
    let paid = client.get_checkout_session().id(&session.id).send().await?;
    step(
        API,
        "checkout",
        word(paid.status.as_ref()),
        format!(
            "{}  {}",
            word(paid.payment_status.as_ref()),
            xpay_money(paid.amount_total, paid.currency.as_deref())
        ),
    );
    let intent = paid
        .payment_intent_id
        .clone()
        .flatten()
        .ok_or("a paid session names its payment intent")?;
    let refund = client
        .create_refund()
        .body(types::CreateRefundRequest::builder().payment_intent_id(Some(intent)))
        .send()
        .await?;
    step(
        API,
        "refund",
        word(refund.status.as_ref()),
        format!(
            "{}  {}",
            refund.id,
            xpay_money(refund.amount, refund.currency.as_deref())
        ),
    );
    Ok(())
}

pub(crate) async fn xstak(t: &mut Tour) -> Result<(), BoxError> {
    use xpay_client::xstak::{Client, Credentials, EnvelopeExt, types};
    const API: &str = "xstak";
    let real = match (
        env("XSTAK_SECRET_KEY"),
        env("XSTAK_ACCOUNT_ID"),
        env("XSTAK_API_HMAC_SECRET"),
    ) {
        (Some(k), Some(a), Some(h)) => Some(Credentials::new(k, a, h)),
        _ => None,
    };
    let live = real.is_some();
    let client = match real {
        Some(credentials) => {
            let b = Client::staging(credentials);
            match env("XSTAK_BASE_URL") {
                Some(url) => b.base_url(url),
                None => b,
            }
            .build()
            .expect("valid XStak settings")
        }
        None => {
            let c = t.sandbox.creds();
            Client::staging(Credentials::new(
                c.xstak_api_key.expose_secret(),
                c.xstak_account_id.as_str(),
                c.xstak_api_hmac_secret.expose_secret(),
            ))
            .base_url(t.sandbox.base_url(Api::Xstak))
            .build()
            .expect("valid XStak settings")
        }
    };
    let order = format!("tour-{}", uuid::Uuid::new_v4().simple());
    let mut metadata = serde_json::Map::new();
    metadata.insert("order_reference".into(), order.clone().into());
    let intent = client
        .create_checkout_link()
        .x_idempotency_key(order)
        .body(
            types::CheckoutRequest::builder()
                .amount(Decimal::from_str("1500.50")?)
                .currency("PKR")
                .customer(
                    types::Customer::builder()
                        .name("Ayesha Khan")
                        .email(Some("ayesha@example.pk".to_owned()))
                        .phone(Some("03001234567".to_owned())),
                )
                .metadata(Some(types::Metadata(metadata)))
                .success_url("https://shop.example.pk/checkout/success")
                .failure_url("https://shop.example.pk/checkout/failure")
                .payment_methods(vec![types::PaymentMethod::Card]),
        )
        .send()
        .await
        .data()?;
    step(
        API,
        "checkout",
        "created",
        format!(
            "{}  {}  {}  signed",
            intent.id,
            word(intent.pi_status.as_ref()),
            xstak_money(intent.amount, intent.currency.as_deref())
        ),
    );
    if live {
        step(
            API,
            "checkout",
            "pay at",
            word(intent.checkout_page_url.as_deref()),
        );
        return Ok(());
    }
    t.sandbox
        .settle(Api::Xstak, &intent.id, Outcome::Complete)?;
    step(API, "payment", "completed", "in the sandbox");
    let event = webhook(&mut t.rx, Api::Xstak, &["PAYMENT_INTENT_NOTIFICATION"]).await?;
    step(API, "webhook", "verified", event);
    let done = client
        .retrieve_payment_intent()
        .pi_id(&intent.id)
        .send()
        .await
        .data()?;
    step(
        API,
        "payment",
        word(done.pi_status.as_ref()),
        format!(
            "{}  {}",
            done.id,
            xstak_money(done.amount, done.currency.as_deref())
        ),
    );
    let refund = client
        .create_refund()
        .body(types::RefundRequest {
            payment_intent_id: intent.id.clone(),
            refunded_amount: Decimal::from_str("500")?.into(),
            reason: Some("tour".into()),
        })
        .send()
        .await
        .data()?;
    step(
        API,
        "refund",
        word(refund.status.as_deref()),
        format!(
            "{}  {}",
            word(refund.id.as_deref()),
            xstak_money(refund.refunded_amount, Some("PKR"))
        ),
    );
    Ok(())
}
