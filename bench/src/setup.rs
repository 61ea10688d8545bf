//! Everything a bench needs, pointed at one loopback server and sharing one connection pool:
//! the four generated clients, their hand-written baselines and the request bodies.

use std::sync::Arc;
use std::time::Duration;

use collect_client::{CollectClient, NewCollection};
use paygate_runtime::{Clock, ManualClock};

use collect_client::types as collect;
use payfect_client::types as payfect;
use xpay_client::platform::types as platform;
use xpay_client::xstak::types as xstak;

use crate::baseline;
use crate::fixtures;
use crate::server::Server;

/// The request bodies, parsed once from the fixtures.
#[derive(Clone, Debug)]
pub struct Bodies {
    pub xpay: platform::CreateCheckoutSessionRequest,
    pub xstak: xstak::CheckoutRequest,
    pub collect: collect::CreateCollectionRequest,
    /// The same collection as `collect`, in the form `CollectClient::create_collection` takes.
    pub collect_new: NewCollection,
    pub payfect: payfect::CreateCheckoutRequest,
}

impl Bodies {
    pub fn load() -> Bodies {
        let collect: collect::CreateCollectionRequest =
            parse(fixtures::COLLECT_CREATE_REQUEST, "collect create request");
        let mut collect_new = NewCollection::new(
            collect.amount.value(),
            collect.order_id.to_string(),
            collect.description.to_string(),
        );
        if let Some(url) = &collect.callback_url {
            collect_new = collect_new.callback_url(url.clone());
        }
        if let Some(url) = &collect.webhook_url {
            collect_new = collect_new.webhook_url(url.clone());
        }
        if let Some(metadata) = &collect.metadata {
            collect_new = collect_new.metadata(metadata.0.clone());
        }
        Bodies {
            xpay: parse(fixtures::XPAY_CREATE_REQUEST, "xpay create request"),
            xstak: parse(fixtures::XSTAK_CREATE_REQUEST, "xstak create request"),
            collect,
            collect_new,
            payfect: parse(fixtures::PAYFECT_CREATE_REQUEST, "payfect create request"),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> T {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("fixture {what}: {e}"))
}

/// The HTTP client both sides share: the SDK's default (same user agent, same pool settings),
/// over plain HTTP on loopback.
pub fn http_client() -> reqwest::Client {
    paygate_runtime::default_http_client(Duration::from_secs(10))
}

/// The generated clients, configured as a user would (default retry policy).
#[derive(Clone)]
pub struct Clients {
    pub xpay: xpay_client::platform::Client,
    pub xstak: xpay_client::xstak::Client,
    pub collect: CollectClient,
    pub payfect: payfect_client::Client,
    /// The clock the Collect token expiry is measured on.
    pub collect_clock: Arc<ManualClock>,
}

impl Clients {
    pub fn new(server: &Server, http: &reqwest::Client) -> Clients {
        let xpay = xpay_client::platform::Client::builder(fixtures::XPAY_SECRET_KEY)
            .base_url(server.base_url("xpay"))
            .http_client(http.clone())
            .build()
            .expect("xpay client");
        let xstak = xpay_client::xstak::Client::staging(xpay_client::xstak::Credentials::new(
            fixtures::XSTAK_API_KEY,
            fixtures::XSTAK_ACCOUNT_ID,
            fixtures::XSTAK_API_HMAC_SECRET,
        ))
        .base_url(server.base_url("xstak"))
        .http_client(http.clone())
        .build()
        .expect("valid XStak settings");
        let collect_clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let collect =
            CollectClient::builder(fixtures::COLLECT_APP_ID, fixtures::COLLECT_SECRET_KEY)
                .base_url(server.base_url("collect"))
                .http_client(http.clone())
                .clock(collect_clock.clone() as Arc<dyn Clock>)
                .build()
                .expect("collect client");
        let payfect = payfect_client::Client::builder(fixtures::PAYFECT_API_KEY)
            .base_url(server.base_url("payfect"))
            .http_client(http.clone())
            .build()
            .expect("payfect client");
        Clients {
            xpay,
            xstak,
            collect,
            payfect,
            collect_clock,
        }
    }
}

/// The hand-written baselines.
#[derive(Clone)]
pub struct Baselines {
    pub xpay: baseline::Xpay,
    pub xstak: baseline::Xstak,
    pub collect: baseline::Collect,
    pub payfect: baseline::Payfect,
}

impl Baselines {
    pub async fn new(server: &Server, http: &reqwest::Client) -> Baselines {
        Baselines {
            xpay: baseline::Xpay::new(http.clone(), server.base_url("xpay")),
            xstak: baseline::Xstak::new(http.clone(), server.base_url("xstak")),
            collect: baseline::Collect::connect(http.clone(), server.base_url("collect"))
                .await
                .expect("baseline collect token"),
            payfect: baseline::Payfect::new(http.clone(), server.base_url("payfect")),
        }
    }
}

/// The whole bench fixture.
#[derive(Clone)]
pub struct Bench {
    pub server: Server,
    pub http: reqwest::Client,
    pub clients: Clients,
    pub baselines: Baselines,
    pub bodies: Bodies,
}

impl Bench {
    /// Starts the server and builds both sides. Call inside the client runtime.
    pub async fn start() -> Bench {
        let server = Server::start();
        let http = http_client();
        let clients = Clients::new(&server, &http);
        let baselines = Baselines::new(&server, &http).await;
        Bench {
            server,
            http,
            clients,
            baselines,
            bodies: Bodies::load(),
        }
    }
}
