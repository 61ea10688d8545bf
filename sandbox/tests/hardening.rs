//! Hardening of the sandbox against careless and hostile callers: replays need the original
//! credentials, overflows are validation errors with nothing half-applied, stores are bounded,
//! URLs come from the bound address, webhooks stay on loopback, and pay URLs open a page the
//! sandbox serves.

use paygate_runtime::{js, signature};
use paygate_sandbox::core::webhooks::MAX_DELIVERIES;
use paygate_sandbox::core::{Ctx, Webhook, WebhookConfig};
use paygate_sandbox::{Api, Sandbox};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn xpay_key(sandbox: &Sandbox) -> String {
    format!(
        "Bearer {}",
        sandbox.creds().xpay_platform_secret_key.expose_secret()
    )
}

async fn collect_token(sandbox: &Sandbox, http: &reqwest::Client) -> String {
    let creds = sandbox.creds();
    let reply: Value = http
        .post(format!("{}/auth/token", sandbox.base_url(Api::Collect)))
        .json(&json!({
            "appId": creds.collect_app_id,
            "secretKey": creds.collect_secret_key.expose_secret(),
            "grantType": "client_credentials",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["data"]["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_xpay_replay_needs_the_original_credentials() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let url = format!("{}/customers", sandbox.base_url(Api::XpayPlatform));
    let body = json!({"name": "Ada", "email": "ada@example.com"});
    let first = http
        .post(&url)
        .header("authorization", xpay_key(&sandbox))
        .header("idempotency-key", "replay-creds-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(first.status().is_success(), "{}", first.status());
    for bad in [None, Some("Bearer sk_test_wrong")] {
        let mut replay = http
            .post(&url)
            .header("idempotency-key", "replay-creds-1")
            .json(&body);
        if let Some(bad) = bad {
            replay = replay.header("authorization", bad);
        }
        let replay = replay.send().await.unwrap();
        assert_eq!(replay.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        assert!(replay.headers().get("idempotent-replayed").is_none());
        let reply: Value = replay.json().await.unwrap();
        assert_eq!(reply["error"]["type"], "authentication_error");
    }
    // The right key still replays.
    let again = http
        .post(&url)
        .header("authorization", xpay_key(&sandbox))
        .header("idempotency-key", "replay-creds-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn an_xstak_replay_needs_the_original_credentials_and_leaks_no_client_secret() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let creds = sandbox.creds();
    let url = format!("{}/public/v1/payment/intent", sandbox.base_url(Api::Xstak));
    let body = js::stringify(&json!({
        "amount": 500,
        "currency": "PKR",
        "payment_method_types": "card",
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "shipping": {},
        "metadata": {},
    }));
    let signature = signature::hmac_sha256_hex(
        creds.xstak_api_hmac_secret.expose_secret().as_bytes(),
        body.as_bytes(),
    );
    let send = |api_key: String| {
        http.post(&url)
            .header("content-type", "application/json")
            .header("x-api-key", api_key)
            .header("x-account-id", creds.xstak_account_id.clone())
            .header("x-signature", signature.clone())
            .header("x-idempotency-key", "replay-creds-2")
            .body(body.clone())
            .send()
    };
    let first = send(creds.xstak_api_key.expose_secret().to_owned())
        .await
        .unwrap();
    assert!(first.status().is_success(), "{}", first.status());
    let replay = send("xstak_wrong_key".to_owned()).await.unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    let text = replay.text().await.unwrap();
    assert!(!text.contains("pi_client_secret"), "{text}");
}

#[tokio::test]
async fn a_collect_amount_near_the_decimal_limit_is_a_validation_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let token = collect_token(&sandbox, &http).await;
    let reply = http
        .post(format!("{}/collections", sandbox.base_url(Api::Collect)))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"amount": 7e28, "orderId": "overflow-1", "description": "huge"}"#)
        .send()
        .await
        .expect("a reply, not a dropped connection");
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let reply: Value = reply.json().await.unwrap();
    assert_eq!(reply["code"], "VALIDATION_ERROR");
    assert_eq!(reply["success"], false);
    assert_eq!(sandbox.collect().collections_with_order_id("overflow-1"), 0);
}

#[tokio::test]
async fn a_payfect_amount_overflow_is_a_validation_error_and_stores_nothing() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let key = format!(
        "Api-Key {}",
        sandbox.creds().payfect_api_key.expose_secret()
    );
    let inline = |reference: &str, unit_amount: &str, quantity: i64| {
        json!({
            "currency": "USD",
            "client_reference_id": reference,
            "invoice_items": [{
                "price_data": {
                    "currency": "USD",
                    "unit_amount": unit_amount,
                    "product_data": {"name": "Huge"},
                },
                "quantity": quantity,
            }],
        })
    };
    let products_before = sandbox.payfect().product_count();
    let reply = http
        .post(format!("{}/v1/checkouts/", sandbox.base_url(Api::Payfect)))
        .header("authorization", &key)
        .json(&inline("overflow-2", "79228162514264337593543950335", 2))
        .send()
        .await
        .expect("a reply, not a dropped connection");
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    let reply: Value = reply.json().await.unwrap();
    assert!(reply.get("invoice_items").is_some(), "{reply}");
    assert_eq!(sandbox.payfect().product_count(), products_before);
    assert!(
        sandbox
            .payfect()
            .checkouts_with_reference("overflow-2")
            .is_empty()
    );

    // The sandbox still serves, and a sane checkout goes through.
    let ok = http
        .post(format!("{}/v1/checkouts/", sandbox.base_url(Api::Payfect)))
        .header("authorization", &key)
        .json(&inline("overflow-3", "10.00", 2))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(sandbox.payfect().product_count(), products_before + 1);
}

#[tokio::test]
async fn an_xstak_amount_javascript_cannot_hold_is_a_validation_error() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let creds = sandbox.creds();
    let body = r#"{"amount":1.0000000000000001e25,"currency":"PKR","payment_method_types":"card","customer":{"name":"Ada","email":"a@example.com"}}"#;
    let canonical = js::canonicalize(body.as_bytes()).unwrap();
    let reply = http
        .post(format!(
            "{}/public/v1/payment/intent",
            sandbox.base_url(Api::Xstak)
        ))
        .header("content-type", "application/json")
        .header("x-api-key", creds.xstak_api_key.expose_secret())
        .header("x-account-id", &creds.xstak_account_id)
        .header(
            "x-signature",
            signature::hmac_sha256_hex(
                creds.xstak_api_hmac_secret.expose_secret().as_bytes(),
                canonical.as_bytes(),
            ),
        )
        .body(canonical)
        .send()
        .await
        .unwrap();
    let status = reply.status();
    let reply: Value = reply.json().await.unwrap();
    assert!(
        status.is_client_error() || status.is_success(),
        "{status} {reply}"
    );
    assert!(reply.get("success").is_some(), "XStak's envelope: {reply}");
}

#[tokio::test]
async fn recorded_deliveries_are_bounded() {
    let ctx = Ctx::new(WebhookConfig::default());
    for n in 0..MAX_DELIVERIES + 25 {
        // No receiver: recorded at once as undeliverable.
        ctx.webhooks().send(Webhook::json(
            Api::Collect,
            "test.event",
            None,
            format!("{{\"n\":{n}}}"),
        ));
    }
    let deliveries = ctx.webhooks().deliveries();
    assert_eq!(deliveries.len(), MAX_DELIVERIES);
    assert_eq!(deliveries[0].body, "{\"n\":25}", "the oldest are forgotten");
}

#[tokio::test]
async fn idempotency_keys_expire_out_of_memory() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let url = format!("{}/customers", sandbox.base_url(Api::XpayPlatform));
    for n in 0..1100 {
        let reply = http
            .post(&url)
            .header("authorization", xpay_key(&sandbox))
            .header("idempotency-key", format!("bounded-{n}"))
            .json(&json!({"name": format!("c{n}"), "email": format!("c{n}@example.com")}))
            .send()
            .await
            .unwrap();
        let status = reply.status();
        assert!(
            status.is_success(),
            "{status} {}",
            reply.text().await.unwrap()
        );
        if n == 1000 {
            sandbox.advance_clock(std::time::Duration::from_secs(25 * 3600));
        }
    }
    let keys = sandbox.idempotency(Api::XpayPlatform).unwrap().len();
    assert!(keys < 200, "expired keys were swept, {keys} remain");
}

#[tokio::test]
async fn base_urls_come_from_the_bound_address_not_the_host_header() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let origin = format!("http://{}", sandbox.addr());
    let info: Value = http
        .get(format!("{origin}/_sandbox"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let urls = info["base_urls"].as_object().unwrap();
    assert_eq!(urls.len(), 4);
    for url in urls.values() {
        assert!(url.as_str().unwrap().starts_with(&origin), "{url}");
    }

    let token = collect_token(&sandbox, &http).await;
    let created: Value = http
        .post(format!("{}/collections", sandbox.base_url(Api::Collect)))
        .bearer_auth(&token)
        .header("host", "evil.example")
        .json(&json!({"amount": 5, "orderId": "host-1", "description": "d"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let checkout = created["data"]["checkoutUrl"].as_str().unwrap();
    assert!(checkout.starts_with(&origin), "{checkout}");
}

#[tokio::test]
async fn webhooks_only_go_to_loopback_unless_allowed() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let control = &sandbox.urls().control;
    let refused = http
        .put(format!("{control}/webhook-receiver"))
        .json(&json!({"url": "http://192.0.2.1/hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let accepted = http
        .put(format!("{control}/webhook-receiver"))
        .json(&json!({"url": "http://127.0.0.1:9/hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::NO_CONTENT);

    // A resource that names a remote receiver gets no delivery, only a record of why.
    let token = collect_token(&sandbox, &http).await;
    let created = http
        .post(format!("{}/collections", sandbox.base_url(Api::Collect)))
        .bearer_auth(&token)
        .json(&json!({
            "amount": 5, "orderId": "remote-1", "description": "d",
            "webhookUrl": "http://192.0.2.1/hook",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let deliveries = sandbox.deliveries();
    let remote: Vec<_> = deliveries
        .iter()
        .filter(|d| d.url.as_deref() == Some("http://192.0.2.1/hook"))
        .collect();
    assert_eq!(remote.len(), 1, "{deliveries:?}");
    assert_eq!(remote[0].status, None);
    assert!(remote[0].error.as_deref().unwrap().contains("loopback"));

    let allowed = Ctx::new(WebhookConfig {
        allow_remote_receivers: true,
        ..WebhookConfig::default()
    });
    assert!(
        allowed
            .webhooks()
            .check_receiver("https://example.com/h")
            .is_ok()
    );
    assert!(
        sandbox
            .webhooks()
            .check_receiver("https://example.com/h")
            .is_err()
    );
    assert!(
        sandbox
            .webhooks()
            .check_receiver("http://localhost:8080/h")
            .is_ok()
    );
    assert!(
        sandbox
            .webhooks()
            .check_receiver("http://[::1]:8080/h")
            .is_ok()
    );
}

#[tokio::test]
async fn pay_urls_open_a_page_the_sandbox_serves_and_its_buttons_settle() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let origin = format!("http://{}", sandbox.addr());
    let session: Value = http
        .post(format!(
            "{}/checkout/sessions",
            sandbox.base_url(Api::XpayPlatform)
        ))
        .header("authorization", xpay_key(&sandbox))
        .json(&json!({
            "mode": "payment",
            "lineItems": [{"priceData": {"currency": "USD", "unitAmount": 1500,
                "productData": {"name": "Tee"}}, "quantity": 1}],
            "afterCompletion": {"type": "redirect",
                "redirect": {"url": "https://shop.example/done"}},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = session["url"].as_str().expect("a pay url");
    assert!(url.starts_with(&origin), "{url}");
    let page = http.get(url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for button in ["id=\"pay\"", "id=\"fail\"", "id=\"cancel\""] {
        assert!(html.contains(button), "{html}");
    }
    let paid = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("outcome=complete")
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), StatusCode::OK);
    assert!(paid.text().await.unwrap().contains("complete"));
    let id = session["id"].as_str().unwrap();
    let now: Value = http
        .get(format!(
            "{}/checkout/sessions/{id}",
            sandbox.base_url(Api::XpayPlatform)
        ))
        .header("authorization", xpay_key(&sandbox))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(now["status"], "complete");

    // Ids from the URL are escaped.
    let hostile = http
        .get(format!("{origin}/_sandbox/pay/collect/%3Cscript%3E"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!hostile.contains("<script>"));
}

/// Rules from the spec, no more and no fewer (what Schemathesis found): list filters hold to
/// the spec's enums and int64 range; `callbackUrl` and `webhookUrl` have no stated format.
#[tokio::test]
async fn collect_enforces_the_specs_rules_and_invents_none() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let token = collect_token(&sandbox, &http).await;
    let base = sandbox.base_url(Api::Collect);
    for query in [
        "collections?status=AAA",
        "refunds?status=AAA",
        "collections?page=9223372036854775808",
    ] {
        let reply = http
            .get(format!("{base}/{query}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST, "{query}");
        let reply: Value = reply.json().await.unwrap();
        assert_eq!(reply["code"], "VALIDATION_ERROR");
    }
    let created = http
        .post(format!("{base}/collections"))
        .bearer_auth(&token)
        .json(&json!({
            "amount": 1.0, "orderId": "0", "description": "d",
            "callbackUrl": "", "webhookUrl": "",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
}

/// A body past the limit is refused with 413 in each provider's own error envelope (what its
/// client's typed error reads), not a bare status, whether or not the route is idempotent.
#[tokio::test]
async fn an_oversized_body_is_a_413_in_the_providers_envelope() {
    let sandbox = Sandbox::start().await.unwrap();
    let http = http();
    let creds = sandbox.creds();
    let huge = format!(
        r#"{{"name": "Ada", "description": "{}"}}"#,
        "x".repeat(paygate_sandbox::core::MAX_BODY + 1)
    );
    let collect_auth = format!("Bearer {}", collect_token(&sandbox, &http).await);
    let payfect_auth = format!("Api-Key {}", creds.payfect_api_key.expose_secret());
    let cases = [
        (
            Api::XpayPlatform,
            "/customers",
            vec![
                ("authorization", xpay_key(&sandbox)),
                ("idempotency-key", "huge-1".to_owned()),
            ],
        ),
        (
            Api::Xstak,
            "/public/v1/payment/intent",
            vec![
                ("x-api-key", creds.xstak_api_key.expose_secret().to_owned()),
                ("x-account-id", creds.xstak_account_id.clone()),
                ("x-signature", "0".repeat(64)),
            ],
        ),
        (
            Api::Collect,
            "/collections",
            vec![("authorization", collect_auth)],
        ),
        (
            Api::Payfect,
            "/v1/checkouts/",
            vec![("authorization", payfect_auth)],
        ),
    ];
    for (api, path, headers) in cases {
        let mut request = http
            .post(format!("{}{path}", sandbox.base_url(api)))
            .header("content-type", "application/json")
            .body(huge.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let reply = request
            .send()
            .await
            .expect("a reply, not a dropped connection");
        assert_eq!(reply.status(), StatusCode::PAYLOAD_TOO_LARGE, "{api:?}");
        let body: Value = reply
            .json()
            .await
            .unwrap_or_else(|e| panic!("{api:?}: a JSON error body, not a bare status: {e}"));
        let text = body.to_string();
        assert!(
            text.contains("larger than"),
            "{api:?}: the envelope says why: {text}"
        );
        match api {
            Api::XpayPlatform => assert!(body["error"]["type"].is_string(), "{text}"),
            Api::Xstak | Api::Collect => assert_eq!(body["success"], false, "{text}"),
            Api::Payfect => assert!(body.is_object(), "{text}"),
        }
        assert!(
            !text.contains("xxxxxxxx"),
            "{api:?}: the body is not echoed"
        );
    }
}
