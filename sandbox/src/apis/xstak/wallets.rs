//! JazzCash wallet setup for BNPL and tokenized subscriptions.

use super::*;

/// JazzCash wallet setup (BNPL or tokenized subscription): signed like every call, answered
/// in the success envelope with the page the customer continues on. Only `data.redirect_url`
/// is documented ([SUB]); the sandbox checks no body fields (their rules are undocumented),
/// and its page is the sandbox's own.
fn wallet_setup(sb: &XstakSandbox, headers: &HeaderMap, body: &[u8]) -> Result<Response, Response> {
    sb.authenticate(headers, Some(body))?;
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Invalid request body: {e}")))?;
    if !request.is_object() {
        return Err(bad_request("Invalid request body: expected a JSON object."));
    }
    let id = format!("xpay_ws_{}", random_hex(32));
    Ok(ok(&serde_json::json!({
        "redirect_url": sb.ctx.pay_url(Api::Xstak, &id),
    })))
}

pub(super) async fn bnpl_wallet_setup(State(sb): Sb, headers: HeaderMap, body: Bytes) -> Response {
    either(wallet_setup(&sb, &headers, &body))
}

pub(super) async fn subscription_wallet_setup(
    State(sb): Sb,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    either(wallet_setup(&sb, &headers, &body))
}
