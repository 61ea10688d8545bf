//! The loopback server every bench talks to: a minimal axum app that answers each route with a
//! fixed payload, so the time of a request is spent in the client, not here.
//!
//! It runs on its own thread and single-threaded runtime, leaving the other core of a 2-core
//! machine to the client under test. It can record what it receives (for the byte-identity
//! check) and counts token requests (for the Collect single-flight bench).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use crate::fixtures;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub method: String,
    /// Path and query, exactly as sent.
    pub target: String,
    /// Headers in the order they arrived; names lowercase.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    /// The client's port: the same port on consecutive calls means a reused connection.
    pub peer_port: u16,
}

#[derive(Default)]
struct Shared {
    capturing: AtomicBool,
    captured: Mutex<Vec<Captured>>,
    token_requests: AtomicU64,
    requests: AtomicU64,
}

/// A running loopback server. Lives as long as the process (benches start one each).
#[derive(Clone)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds `127.0.0.1:0` and serves on a thread of its own.
    pub fn start() -> Server {
        let shared = Arc::new(Shared::default());
        let (tx, rx) = std::sync::mpsc::channel();
        let state = shared.clone();
        std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the loopback server");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind 127.0.0.1:0");
                    let addr = listener.local_addr().expect("a bound address");
                    tx.send(addr)
                        .expect("the starting thread waits for the address");
                    let app = Router::new().fallback(handle).with_state(state);
                    axum::serve(
                        listener,
                        app.into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .await
                    .expect("serve loopback");
                });
            })
            .expect("spawn the loopback server thread");
        let addr = rx.recv().expect("the server thread sends its address");
        Server { addr, shared }
    }

    /// `http://127.0.0.1:PORT/<api>`: the base URL of one API on this server.
    pub fn base_url(&self, api: &str) -> String {
        format!("http://{}/{api}", self.addr)
    }

    /// Records every request from now on, until [`Server::take_captured`].
    pub fn start_capture(&self) {
        self.shared
            .captured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.shared.capturing.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns what was recorded.
    pub fn take_captured(&self) -> Vec<Captured> {
        self.shared.capturing.store(false, Ordering::SeqCst);
        std::mem::take(
            &mut *self
                .shared
                .captured
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// `/auth/token` and `/auth/refresh` requests served so far.
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::SeqCst)
    }

    /// Requests served so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

/// The fixed reply for a method and path, and whether it is a token request.
fn route(method: &Method, path: &str) -> Option<(StatusCode, &'static [u8], bool)> {
    let ok = StatusCode::OK;
    let (api, rest) = path.strip_prefix('/')?.split_once('/')?;
    let post = method == Method::POST;
    let get = method == Method::GET;
    Some(match (api, rest) {
        ("xpay", "checkout/sessions") if post => (ok, fixtures::XPAY_SESSION_REPLY, false),
        ("xpay", r) if get && r.starts_with("checkout/sessions/") => {
            (ok, fixtures::XPAY_SESSION_REPLY, false)
        }
        ("xstak", "public/v1/payment/checkout") if post => {
            (ok, fixtures::XSTAK_INTENT_REPLY, false)
        }
        ("xstak", r) if get && r.starts_with("public/v1/payment/intent/details/") => {
            (ok, fixtures::XSTAK_INTENT_REPLY, false)
        }
        ("collect", "auth/token" | "auth/refresh") if post => {
            (ok, fixtures::COLLECT_TOKEN_REPLY, true)
        }
        ("collect", "collections") if post => {
            (StatusCode::CREATED, fixtures::COLLECT_CREATE_REPLY, false)
        }
        ("collect", r) if get && r.starts_with("collections/") => {
            (ok, fixtures::COLLECT_COLLECTION_REPLY, false)
        }
        ("payfect", "v1/checkouts/") if post => (ok, fixtures::PAYFECT_CHECKOUT_REPLY, false),
        ("payfect", r) if get && r.starts_with("v1/checkouts/") => {
            (ok, fixtures::PAYFECT_CHECKOUT_REPLY, false)
        }
        _ => return None,
    })
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    // Reading the body is part of serving any request; it is what the capture records.
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    shared.requests.fetch_add(1, Ordering::Relaxed);
    if shared.capturing.load(Ordering::Relaxed) {
        let captured = Captured {
            method: parts.method.to_string(),
            target: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect(),
            body: body.to_vec(),
            peer_port: peer.port(),
        };
        shared
            .captured
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(captured);
    }
    let (status, payload, token) = route(&parts.method, parts.uri.path()).unwrap_or((
        StatusCode::NOT_FOUND,
        b"{\"error\":\"no such route on the bench server\"}",
        false,
    ));
    if token {
        shared.token_requests.fetch_add(1, Ordering::SeqCst);
    }
    let mut response = Response::new(Body::from(Bytes::from_static(payload)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
