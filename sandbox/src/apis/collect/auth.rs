//! Tokens (issue, refresh, revoke) and webhook-secret regeneration.

#[allow(unused_imports)]
use super::*;

pub(super) async fn issue_token(State(sb): Sb, rid: RequestId, body: Bytes) -> Response {
    sb.token_requests.fetch_add(1, Ordering::SeqCst);
    let now = sb.ctx.now();
    let body = match object(&body, &rid, now) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let (Some(app_id), Some(secret), Some(grant)) =
        (field("appId"), field("secretKey"), field("grantType"))
    else {
        return validation("appId, secretKey and grantType are required", &rid, now);
    };
    if grant != "client_credentials" {
        return validation("grantType must be 'client_credentials'", &rid, now);
    }
    let creds = sb.ctx.creds();
    let app_ok = secret_eq(app_id.as_bytes(), creds.collect_app_id.as_bytes());
    let secret_ok = secret_eq(
        secret.as_bytes(),
        creds.collect_secret_key.expose_secret().as_bytes(),
    );
    if !(app_ok && secret_ok) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_INVALID_CREDENTIALS",
            "App ID or secret key is incorrect",
            &rid,
            now,
        );
    }
    ok(
        StatusCode::OK,
        "Token generated successfully",
        sb.issue(now),
        &rid,
        now,
    )
}

pub(super) async fn refresh_token(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
    sb.refresh_requests.fetch_add(1, Ordering::SeqCst);
    let now = sb.ctx.now();
    let Some(token) = bearer(&headers) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_MISSING",
            "No authorization token provided",
            &rid,
            now,
        );
    };
    let Some(claims) = sb.read_jwt(token) else {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_INVALID",
            "Token is malformed",
            &rid,
            now,
        );
    };
    if sb.lock().tokens.get(&claims.jti).copied().unwrap_or(true) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_INVALID",
            "Token has been revoked",
            &rid,
            now,
        );
    }
    let deadline = DateTime::from_timestamp(claims.exp, 0).map(|exp| exp + REFRESH_GRACE);
    if deadline.is_none_or(|d| now >= d) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "AUTH_TOKEN_REFRESH_FAILED",
            "Token expired more than 5 minutes ago; request a new token",
            &rid,
            now,
        );
    }
    ok(
        StatusCode::OK,
        "Token refreshed successfully",
        sb.issue(now),
        &rid,
        now,
    )
}

pub(super) async fn revoke_token(State(sb): Sb, rid: RequestId, headers: HeaderMap) -> Response {
    let claims = match sb.authorize(&headers, &rid) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = sb.ctx.now();
    sb.lock().tokens.insert(claims.jti, true);
    ok(
        StatusCode::OK,
        "Token revoked successfully",
        json!({ "revoked": true }),
        &rid,
        now,
    )
}

/// A new webhook secret, shown once; the old one stops signing at once (docs:
/// webhooks/regenerate-secret).
pub(super) async fn regenerate_webhook_secret(
    State(sb): Sb,
    rid: RequestId,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = sb.authorize(&headers, &rid) {
        return r;
    }
    let now = sb.ctx.now();
    let secret = crate::core::new_id("whsec_");
    *sb.webhook_secret.lock().unwrap_or_else(|p| p.into_inner()) = Some(secret.clone());
    ok(
        StatusCode::OK,
        "Webhook secret regenerated successfully",
        json!({
            "webhookSecret": secret,
            "regeneratedAt": Timestamp::from(now),
            "note": "Store this secret securely. It will not be shown again.",
        }),
        &rid,
        now,
    )
}
