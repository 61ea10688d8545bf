//! Each client's typed calls that the stub fuzzes, with the valid bodies that seed them.

use super::*;

pub(crate) mod xp_ops {
    use super::*;
    use xpay_client::platform::{Client, types as t};

    const SESSION: &[&str] = &[
        "xpay-client/tests/fixtures/platform/heldout_checkout_session_full.json",
        "xpay-client/tests/fixtures/platform/error_parameter_missing.json",
    ];
    const CUSTOMER: &[&str] = &[
        "xpay-client/tests/fixtures/platform/heldout_customer.json",
        "xpay-client/tests/fixtures/platform/heldout_error_unknown_type.json",
    ];
    const CUSTOMERS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_customer_list.json"];
    const LINK: &[&str] =
        &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json#/data/0"];
    const LINKS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_payment_link_list.json"];
    const PRODUCT: &[&str] = &["xpay-client/tests/fixtures/platform/product_get.json"];
    const PRODUCTS: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_product_list.json"];
    const PRICE: &[&str] = &["xpay-client/tests/fixtures/platform/price_create_response.json"];
    const REFUND: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_refund.json"];
    const ERROR: &[&str] = &["xpay-client/tests/fixtures/platform/heldout_error_nulls.json"];

    pub(super) fn session_request() -> t::CreateCheckoutSessionRequest {
        static BODY: OnceLock<t::CreateCheckoutSessionRequest> = OnceLock::new();
        BODY.get_or_init(|| {
            fixture_body("xpay-client/tests/fixtures/platform/checkout_session_create_request.json")
        })
        .clone()
    }

    pub(crate) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout_session", SESSION, |c| {
                Box::pin(async move {
                    sent(
                        c.create_checkout_session()
                            .body(session_request())
                            .send()
                            .await,
                    )
                })
            }),
            op("get_checkout_session", SESSION, |c| {
                Box::pin(async move { sent(c.get_checkout_session().id("cs_test_1").send().await) })
            }),
            op("update_checkout_session", SESSION, |c| {
                Box::pin(async move {
                    let body: t::UpdateCheckoutSessionRequest = json_body(json!({}));
                    sent(
                        c.update_checkout_session()
                            .id("cs_test_1")
                            .body(body)
                            .send()
                            .await,
                    )
                })
            }),
            op("expire_checkout_session", SESSION, |c| {
                Box::pin(
                    async move { sent(c.expire_checkout_session().id("cs_test_1").send().await) },
                )
            }),
            op("list_customers", CUSTOMERS, |c| {
                Box::pin(async move { sent(c.list_customers().send().await) })
            }),
            op("create_customer", CUSTOMER, |c| {
                Box::pin(async move {
                    let body = t::CreateCustomerRequest::builder()
                        .email(Some("fuzz@example.com".to_string()));
                    sent(c.create_customer().body(body).send().await)
                })
            }),
            op("get_customer", CUSTOMER, |c| {
                Box::pin(async move { sent(c.get_customer().id("cus_1").send().await) })
            }),
            op("get_customer_stats", ERROR, |c| {
                Box::pin(async move { sent(c.get_customer_stats().id("cus_1").send().await) })
            }),
            op("list_payment_links", LINKS, |c| {
                Box::pin(async move { sent(c.list_payment_links().send().await) })
            }),
            op("create_payment_link", LINK, |c| {
                Box::pin(async move {
                    let body: t::CreatePaymentLinkRequest =
                        json_body(json!({"lineItems": [{"price": "price_test_1", "quantity": 1}]}));
                    sent(c.create_payment_link().body(body).send().await)
                })
            }),
            op("get_payment_link", LINK, |c| {
                Box::pin(async move { sent(c.get_payment_link().id("pl_1").send().await) })
            }),
            op("update_payment_link", LINK, |c| {
                Box::pin(async move {
                    let body: t::UpdatePaymentLinkRequest = json_body(json!({}));
                    sent(c.update_payment_link().id("pl_1").body(body).send().await)
                })
            }),
            op("list_products", PRODUCTS, |c| {
                Box::pin(async move { sent(c.list_products().send().await) })
            }),
            op("create_product", PRODUCT, |c| {
                Box::pin(async move {
                    let body: t::CreateProductRequest = json_body(json!({"name": "Fuzz"}));
                    sent(c.create_product().body(body).send().await)
                })
            }),
            op("create_product_upload_url", ERROR, |c| {
                Box::pin(async move {
                    let body: t::CreateUploadUrlRequest =
                        json_body(json!({"fileName": "a.png", "contentType": "image/png"}));
                    sent(c.create_product_upload_url().body(body).send().await)
                })
            }),
            op("get_product", PRODUCT, |c| {
                Box::pin(async move { sent(c.get_product().id("prod_1").send().await) })
            }),
            op("update_product", PRODUCT, |c| {
                Box::pin(async move {
                    let body: t::UpdateProductRequest = json_body(json!({}));
                    sent(c.update_product().id("prod_1").body(body).send().await)
                })
            }),
            op("delete_product", ERROR, |c| {
                Box::pin(async move { sent(c.delete_product().id("prod_1").send().await) })
            }),
            op("get_product_stats", ERROR, |c| {
                Box::pin(async move { sent(c.get_product_stats().id("prod_1").send().await) })
            }),
            op("create_price", PRICE, |c| {
                Box::pin(async move {
                    let body: t::CreatePriceRequest =
                        json_body(json!({"currency": "EGP", "unitAmount": 1000}));
                    sent(
                        c.create_price()
                            .product_id("prod_1")
                            .body(body)
                            .send()
                            .await,
                    )
                })
            }),
            op("update_price", PRICE, |c| {
                Box::pin(async move {
                    let body: t::UpdatePriceRequest = json_body(json!({}));
                    sent(c.update_price().id("price_1").body(body).send().await)
                })
            }),
            op("delete_price", ERROR, |c| {
                Box::pin(async move { sent(c.delete_price().id("price_1").send().await) })
            }),
            op("list_refunds", REFUND, |c| {
                Box::pin(async move { sent(c.list_refunds().send().await) })
            }),
            op("create_refund", REFUND, |c| {
                Box::pin(async move {
                    let body: t::CreateRefundRequest = fixture_body(
                        "xpay-client/tests/fixtures/platform/refund_create_request.json",
                    );
                    sent(c.create_refund().body(body).send().await)
                })
            }),
            op("get_refund", REFUND, |c| {
                Box::pin(async move { sent(c.get_refund().id("re_1").send().await) })
            }),
        ]
    }
}

pub(crate) mod xs_ops {
    use super::*;
    use xpay_client::xstak::{Client, EnvelopeExt, types as t};

    const INTENT: &[&str] = &[
        "xpay-client/tests/fixtures/xstak/checkout_response.json",
        "xpay-client/tests/fixtures/xstak/heldout_error_success_false.json",
        "xpay-client/tests/fixtures/xstak/heldout_error_object.json",
    ];
    const REFUND: &[&str] = &["xpay-client/tests/fixtures/xstak/heldout_error_flag.json"];

    pub(crate) fn checkout_request() -> t::CheckoutRequest {
        fixture_body("xpay-client/tests/fixtures/xstak/checkout_request.json")
    }

    fn intent_request() -> t::PaymentIntentRequest {
        json_body(json!({
            "amount": 5,
            "currency": "PKR",
            "customer": {"name": "Ali", "email": "ali@example.pk"},
            "payment_method_types": "card"
        }))
    }

    pub(crate) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout_link", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.create_checkout_link()
                            .body(checkout_request())
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("create_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.create_payment_intent()
                            .body(intent_request())
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("retrieve_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    outcome(
                        c.retrieve_payment_intent()
                            .pi_id("xpay_pi_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("capture_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    let body: t::CaptureRequest = json_body(json!({}));
                    outcome(
                        c.capture_payment_intent()
                            .pi_client_secret("xpay_pi_1_cs_1")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("void_payment_intent", INTENT, |c| {
                Box::pin(async move {
                    let body: t::VoidRequest = json_body(json!({}));
                    outcome(
                        c.void_payment_intent()
                            .pi_client_secret("xpay_pi_1_cs_1")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("create_refund", REFUND, |c| {
                Box::pin(async move {
                    let body: t::RefundRequest =
                        json_body(json!({"payment_intent_id": "xpay_pi_1", "refunded_amount": 1}));
                    outcome(c.create_refund().body(body).send().await.data())
                })
            }),
            op("retrieve_refund", REFUND, |c| {
                Box::pin(async move {
                    outcome(
                        c.retrieve_refund()
                            .refund_id("xpay_rf_1")
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
        ]
    }
}

pub(crate) mod co_ops {
    use super::*;
    use collect_client::{CollectClient, NewCollection, ResponseExt, types as t};
    use rust_decimal::Decimal;

    const CREATED: &[&str] = &[
        "collect-client/tests/fixtures/doc/create_collection.response.json",
        "collect-client/tests/fixtures/heldout/error.duplicate_reference.json",
    ];
    const COLLECTION: &[&str] = &[
        "collect-client/tests/fixtures/heldout/get_collection.completed.json",
        "collect-client/tests/fixtures/heldout/error.unknown_code.json",
    ];
    const COLLECTIONS: &[&str] =
        &["collect-client/tests/fixtures/heldout/list_collections.prose_keys.json"];
    const REFUND: &[&str] = &[
        "collect-client/tests/fixtures/heldout/create_refund.response.json",
        "collect-client/tests/fixtures/heldout/error.validation_nested.json",
    ];
    const REFUNDS: &[&str] = &["collect-client/tests/fixtures/doc/list_refunds.response.json"];
    const REASONS: &[&str] = &["collect-client/tests/fixtures/doc/refund_reasons.response.json"];
    const TOKEN: &[&str] = &["collect-client/tests/fixtures/doc/auth_token.response.json"];

    pub(crate) fn ops() -> Vec<HttpOp<(CollectClient, String)>> {
        let mut ops: Vec<HttpOp<(CollectClient, String)>> = vec![
            op("create_collection", CREATED, |(c, _)| {
                Box::pin(async move {
                    let new = NewCollection::new(Decimal::new(2500, 2), "INV-FUZZ-1", "Fuzz");
                    match c.create_collection(&new).await {
                        Ok(created) => Outcome::Ok(json!(created.collection_id())),
                        Err(e) => outcome::<(), _>(Err(e)),
                    }
                })
            }),
            op("get_collection", COLLECTION, |(c, _)| {
                Box::pin(async move { outcome(c.get_collection("SCI0000000000001").await) })
            }),
            op("list_collections", COLLECTIONS, |(c, _)| {
                Box::pin(async move { outcome(c.raw().list_collections().send().await.data()) })
            }),
            op("create_refund", REFUND, |(c, _)| {
                Box::pin(async move {
                    let body: t::CreateRefundRequest = json_body(json!({}));
                    outcome(
                        c.raw()
                            .create_refund()
                            .collection_id("SCI0000000000001")
                            .body(body)
                            .send()
                            .await
                            .data(),
                    )
                })
            }),
            op("list_refunds", REFUNDS, |(c, _)| {
                Box::pin(async move { outcome(c.raw().list_refunds().send().await.data()) })
            }),
            op("list_refund_reasons", REASONS, |(c, _)| {
                Box::pin(async move { outcome(c.list_refund_reasons().await) })
            }),
            op("refresh_token", TOKEN, |(c, _)| {
                Box::pin(async move {
                    let r = c.raw().refresh_token().send().await.data();
                    outcome(r.map(|t| t.expires_in))
                })
            }),
        ];
        // The token call itself, on a fresh client (an empty token cache).
        ops.push(HttpOp {
            name: "create_token",
            seeds: TOKEN,
            fuzz_auth: true,
            call: |(_, url)| {
                Box::pin(async move {
                    let fresh = super::collect_client_for(&url);
                    outcome(fresh.authenticate().await.map(|()| Value::Null))
                })
            },
        });
        ops
    }
}

pub(crate) mod pf_ops {
    use super::*;
    use payfect_client::{Client, types as t};

    const CHECKOUT: &[&str] = &[
        "payfect-client/tests/fixtures/checkout_response.json",
        "payfect-client/tests/fixtures/error_400_fields.json",
        "payfect-client/tests/fixtures/error_401.json",
    ];
    const OTHER: &[&str] = &[
        "payfect-client/tests/fixtures/heldout_checkout_unknowns.json",
        "payfect-client/tests/fixtures/error_403.json",
    ];

    pub(crate) fn checkout_request() -> t::CreateCheckoutRequest {
        fixture_body("payfect-client/tests/fixtures/create_checkout_request.json")
    }

    pub(crate) fn ops() -> Vec<HttpOp<Client>> {
        vec![
            op("create_checkout", CHECKOUT, |c| {
                Box::pin(
                    async move { sent(c.create_checkout().body(checkout_request()).send().await) },
                )
            }),
            op("retrieve_checkout", CHECKOUT, |c| {
                Box::pin(async move {
                    sent(
                        c.retrieve_checkout()
                            .id("ed8d24aa-a860-426b-8e56-87cb9f55a081")
                            .send()
                            .await,
                    )
                })
            }),
            op("create_product", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreateProductRequest = json_body(json!({"name": "Fuzz"}));
                    sent(c.create_product().body(body).send().await)
                })
            }),
            op("create_price", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreatePriceRequest = json_body(
                        json!({"currency": "usdt", "unit_amount": "20.5", "product_data": {"name": "Fuzz"}}),
                    );
                    sent(c.create_price().body(body).send().await)
                })
            }),
            op("create_payment_link", OTHER, |c| {
                Box::pin(async move {
                    let body: t::CreatePaymentLinkRequest =
                        json_body(json!({"invoice_items": [{"price": "price_1", "quantity": 1}]}));
                    sent(c.create_payment_link().body(body).send().await)
                })
            }),
        ]
    }
}
