//! XPay platform client: the key kept secret, live mode, connection failures, builder checks.

use super::*;

#[tokio::test]
async fn the_key_stays_out_of_debug_and_errors() {
    let stub = Stub::start(|_, _| {
        json_reply(401, json!({"error": {"type": "authentication_error", "code": "api_key_invalid", "message": "Invalid API key provided."}}))
    })
    .await;
    let client = stub.client();
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", Client::builder(KEY)).contains(KEY));
    let err = Error::from(
        client
            .get_customer()
            .id("cus_1")
            .send()
            .await
            .expect_err("401"),
    );
    assert!(!format!("{err:?}").contains(KEY) && !err.to_string().contains(KEY));
}

#[tokio::test]
async fn live_mode_param_follows_the_key_when_enabled() {
    let stub = Stub::start(|_, _| json_reply(200, json!({"id": "cus_1"}))).await;
    let client = Client::builder(KEY)
        .base_url(&stub.url)
        .live_mode_param(true)
        .build()
        .expect("valid");
    client.get_customer().id("cus_1").send().await.expect("ok");
    stub.client()
        .get_customer()
        .id("cus_1")
        .send()
        .await
        .expect("ok");
    let seen = stub.seen();
    assert_eq!(
        seen[0].query.get("liveMode").map(String::as_str),
        Some("false")
    );
    assert!(!seen[1].query.contains_key("liveMode"));
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client = Client::builder(KEY)
        .base_url(format!("http://{addr}"))
        .retry(RetryPolicy::none())
        .build()
        .expect("valid");
    let err = Error::from(
        client
            .get_refund()
            .id("re_1")
            .send()
            .await
            .expect_err("refused"),
    );
    assert!(
        matches!(
            err,
            paygate_runtime::Error::Transport {
                outcome: paygate_runtime::Outcome::NotSent,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn builder_checks_the_configuration() {
    assert!(matches!(
        Client::builder("").build(),
        Err(ConfigError::Empty("secret key"))
    ));
    assert!(matches!(
        Client::builder("sk_test_a\nb").build(),
        Err(ConfigError::NotSendable("secret key"))
    ));
    assert!(matches!(
        Client::builder("pk_test_123").build(),
        Err(ConfigError::Invalid { .. })
    ));
    assert!(matches!(
        Client::builder(KEY).base_url("not a url").build(),
        Err(ConfigError::BaseUrl { .. })
    ));
    assert!(matches!(
        Client::builder(KEY).base_url("ftp://example.com").build(),
        Err(ConfigError::BaseUrl { .. })
    ));
    let client = Client::builder("rk_live_abc")
        .base_url("https://proxy.example/xpay/")
        .build()
        .expect("ok");
    assert_eq!(client.base_url(), "https://proxy.example/xpay");
    assert_eq!(client.mode(), Some(Mode::Live));
    assert_eq!(Client::new(KEY).mode(), Some(Mode::Test));
    assert_eq!(Client::new(KEY).base_url(), "https://api.xpay.app");
    assert_eq!(Mode::of_key("sk_other"), None);
}
