//! One call through the packaged `xpay-client` against the packaged `paygate-sandbox`, started
//! in-process. Exits non-zero if anything fails.

use xpay_client::platform::Client;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let sandbox = paygate_sandbox::Sandbox::start().await?;
    let client = Client::builder(sandbox.creds().xpay_platform_secret_key.clone())
        .base_url(sandbox.base_url(paygate_sandbox::Api::XpayPlatform))
        .build()?;
    let reply = client.list_products().limit(1).send().await?;
    let status = reply.status();
    sandbox.shutdown().await;
    if !status.is_success() {
        return Err(format!("list_products answered {status}").into());
    }
    println!("consumer: list_products through the packaged crates answered {status}");
    Ok(())
}
