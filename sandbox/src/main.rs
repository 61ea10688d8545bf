//! `cargo run -p paygate-sandbox -- --port 8080`: serves the four fake APIs on loopback and prints
//! their base URLs and credentials as one line of JSON, for tools in any language.

use std::process::ExitCode;

use paygate_sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "\
usage: sandbox [--port N] [--webhook-url URL] [--allow-remote-webhooks]

  --port N                 listen on 127.0.0.1:N (default 0: a free port)
  --webhook-url URL        where webhooks go when a checkout names no URL
  --allow-remote-webhooks  deliver webhooks to receivers off loopback too

Prints {\"base_urls\", \"control_url\", \"credentials\", \"now\"} as one JSON line on stdout,
then serves until Ctrl-C. Logs go to stderr (RUST_LOG=sandbox=debug for more).";

fn parse_args() -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" | "-p" => {
                let port = value("--port")?;
                config.port = port
                    .parse()
                    .map_err(|_| format!("--port: `{port}` is not a port number"))?;
            }
            "--webhook-url" => config.webhooks.default_url = Some(value("--webhook-url")?),
            "--allow-remote-webhooks" => config.webhooks.allow_remote_receivers = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("sandbox=info")),
        )
        .init();

    let config = match parse_args() {
        Ok(config) => config,
        Err(message) => {
            if message.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start_with(config).await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("sandbox: cannot listen: {err}");
            return ExitCode::FAILURE;
        }
    };
    // One line, so a parent process can read it without a streaming JSON parser.
    println!("{}", sandbox.info_json());

    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("sandbox: cannot listen for Ctrl-C: {err}");
    }
    eprintln!("sandbox: shutting down");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
