//! Path parameters that would change which endpoint a request reaches (`paths_*`).
//!
//! A URL parser resolves the dot segments `.` and `..` (WHATWG URL, also when written `%2e`),
//! so `retrieve("..")` on `/v1/checkouts/{id}/` would be sent to `/v1/`, and an id from a
//! webhook or a form could point a call, with its credentials, at another endpoint. An empty
//! value makes `//`, which routes differently too. Such a value is refused before anything is
//! sent; any other value, `/` and `\` included, stays one encoded segment.

use super::*;
use paygate_runtime::Error;

/// Each client's call with one path parameter, against the stub at `url`; `Err` carries the
/// message of an `InvalidRequest` error, `Ok` means the request was sent (whatever came back).
async fn call_with(api: &str, url: &str, value: &str) -> Result<(), String> {
    fn judge<T, E: Debug>(r: Result<T, Error<E>>) -> Result<(), String> {
        match r {
            Err(Error::InvalidRequest(m)) => Err(m),
            _ => Ok(()),
        }
    }
    match api {
        "xpay" => judge(
            xpay_client_for(url)
                .get_checkout_session()
                .id(value)
                .send()
                .await,
        ),
        "xstak" => judge(
            xstak_client_for(url)
                .retrieve_payment_intent()
                .pi_id(value)
                .send()
                .await,
        ),
        "collect" => judge(collect_client_for(url).get_collection(value).await),
        "payfect" => judge(
            payfect_client_for(url)
                .retrieve_checkout()
                .id(value)
                .send()
                .await,
        ),
        _ => unreachable!("{api}"),
    }
}

const APIS: [&str; 4] = ["xpay", "xstak", "collect", "payfect"];

/// A stub that records each request's path and answers 404 (Collect's token call aside).
fn recording_stub() -> (tokio::runtime::Runtime, String, Arc<Stub>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (url, stub) = rt.block_on(start_stub(Some(collect_token())));
    stub.set(Reply {
        status: 404,
        content_type: Some("application/json"),
        body: Bytes::from_static(b"{}"),
    });
    (rt, url, stub)
}

#[test]
fn paths_dot_segments_and_empty_values_are_refused_before_sending() {
    let (rt, url, stub) = recording_stub();
    for api in APIS {
        for value in ["..", ".", ""] {
            let before = stub.hits.load(Ordering::SeqCst);
            let result = rt.block_on(call_with(api, &url, value));
            let sent = stub.paths.lock().unwrap().clone();
            assert!(
                result.is_err(),
                "{api} {value:?}: sent as {:?}",
                &sent[before..]
            );
            assert_eq!(
                stub.hits.load(Ordering::SeqCst),
                before,
                "{api} {value:?}: a request reached the server: {sent:?}"
            );
        }
    }
}

#[test]
fn paths_other_values_stay_one_segment() {
    let (rt, url, stub) = recording_stub();
    for api in APIS {
        for (value, segment) in [
            ("a/../b", "a%2F..%2Fb"),
            // A URL parser reads `\` as `/` in http(s) URLs.
            ("..\\..", "..%5C.."),
            ("\\..", "%5C.."),
            ("...", "..."),
            ("%2e%2e", "%252e%252e"),
            ("x y", "x%20y"),
            ("cs_1", "cs_1"),
        ] {
            let before = stub.hits.load(Ordering::SeqCst);
            let result = rt.block_on(call_with(api, &url, value));
            assert_eq!(result, Ok(()), "{api} {value:?}");
            let paths = stub.paths.lock().unwrap().clone();
            assert_eq!(paths.len(), before + 1, "{api} {value:?}: {paths:?}");
            let path = paths[before].trim_end_matches('/');
            assert!(
                path.ends_with(&format!("/{segment}")),
                "{api} {value:?}: sent to {path}"
            );
        }
    }
}
