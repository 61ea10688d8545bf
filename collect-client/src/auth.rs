//! Authentication, invisible to callers: the client exchanges `appId` + `secretKey` for a JWT
//! (`POST /auth/token`), caches it, and replaces it before it runs out.
//!
//! - **Proactive refresh.** When less than [`DEFAULT_REFRESH_MARGIN`] (5 minutes, FYATU's advice)
//!   remains, the next call first renews the token through `POST /auth/refresh`; if that fails
//!   (or the token is past FYATU's 5-minute post-expiry refresh window) it falls back to
//!   `POST /auth/token`.
//! - **Single flight.** However many calls find the token stale at once, one of them renews it
//!   and the others wait for that result: 1,000 concurrent calls make one token request. If the
//!   renewal fails, the calls that were waiting for it get the same error instead of each
//!   trying again.
//! - **Rejected token.** A call answered `401 AUTH_TOKEN_INVALID` (revoked, or expired by the
//!   provider's clock) drops the token, re-authenticates once (single flight again) and is
//!   retried once; see [`crate::hooks`].
//!
//! Expiry is measured on the client's [`Clock`] from `expiresIn` (seconds from receipt), which
//! is immune to skew between the provider's clock and ours; `expiresAt` is used only when
//! `expiresIn` is missing.

use crate::error::{Error, from_generated};
use crate::types;
use chrono::{DateTime, TimeDelta, Utc};
use paygate_runtime::Clock;
use paygate_runtime::secret::SecretHeader;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;
use std::sync::{Arc, Mutex, MutexGuard};

/// Renew the token when less than this remains (FYATU: "refresh when < 5 min remain").
pub const DEFAULT_REFRESH_MARGIN: TimeDelta = TimeDelta::minutes(5);

/// The longest a token is trusted for, whatever its reply claims.
pub const MAX_TOKEN_LIFETIME: TimeDelta = TimeDelta::days(1);

/// FYATU accepts `/auth/refresh` up to this long after a token expired.
pub const REFRESH_GRACE: TimeDelta = TimeDelta::minutes(5);

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps the secret; it is only readable through `expose_secret`.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::from(value.into()))
            }

            /// The secret itself. Keep it out of logs.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }

        impl From<SecretString> for $name {
            fn from(value: SecretString) -> Self {
                $name(value)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([REDACTED])"))
            }
        }

        /// Constant-time in the contents (the length is not secret).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(
                    self.expose_secret().as_bytes(),
                    other.expose_secret().as_bytes(),
                )
            }
        }

        /// Written in clear: it has to reach the wire. `Debug` stays redacted.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.expose_secret())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::new)
            }
        }

        // The generated types derive `JsonSchema` only with the `schemars` feature.
        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
                schemars::schema::SchemaObject {
                    instance_type: Some(schemars::schema::InstanceType::String.into()),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}

secret_newtype!(
    /// The app's `secretKey` (dashboard → app → Settings → API Keys & Credentials).
    SecretKey
);

secret_newtype!(
    /// A JWT access token. Opaque to the client; redacted in `Debug`.
    AccessToken
);

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Clone)]
struct CachedToken {
    token: AccessToken,
    /// `Bearer <token>`, made once per token rather than once per call.
    authorization: SecretHeader,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
struct TokenState {
    token: Option<CachedToken>,
    /// Counts finished renewals, successful or not.
    renewals: u64,
    /// The error of the last renewal, if it failed, for the calls that waited on it.
    last_failure: Option<Error>,
}

/// The token cache shared by every clone of a client.
pub(crate) struct Auth {
    app_id: types::AppId,
    secret_key: SecretKey,
    clock: Arc<dyn Clock>,
    refresh_margin: TimeDelta,
    state: Mutex<TokenState>,
    /// Held by the one call that renews the token; the others queue on it.
    single_flight: tokio::sync::Mutex<()>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expires_at = self.lock().token.as_ref().map(|t| t.expires_at);
        f.debug_struct("Auth")
            .field("app_id", &self.app_id.as_str())
            .field("secret_key", &self.secret_key)
            .field("token_expires_at", &expires_at)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

impl Auth {
    pub(crate) fn new(
        app_id: types::AppId,
        secret_key: SecretKey,
        clock: Arc<dyn Clock>,
        refresh_margin: TimeDelta,
    ) -> Self {
        Auth {
            app_id,
            secret_key,
            clock,
            refresh_margin,
            state: Mutex::new(TokenState::default()),
            single_flight: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, TokenState> {
        // The state stays consistent even if a holder panicked: every write is one assignment.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached token's `Authorization` value whatever its age (what `/auth/refresh` and
    /// `/auth/revoke` send).
    pub(crate) fn current_token(&self) -> Option<SecretHeader> {
        self.lock().token.as_ref().map(|t| t.authorization.clone())
    }

    /// When the cached token expires, on the client's clock.
    pub(crate) fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.lock().token.as_ref().map(|t| t.expires_at)
    }

    fn fresh(&self, state: &TokenState) -> Option<SecretHeader> {
        let now = self.clock.now();
        state
            .token
            .as_ref()
            .filter(|t| {
                now.checked_add_signed(self.refresh_margin)
                    .is_some_and(|renew_at| renew_at < t.expires_at)
            })
            .map(|t| t.authorization.clone())
    }

    /// The `Authorization` value of a token with more than the refresh margin left, renewing
    /// it (once for all concurrent callers) if needed.
    ///
    /// A fresh token is the answer of almost every call: it is read without building the
    /// renewal's future, which holds a whole generated call and would be moved into a new box
    /// on every call (BENCHMARKS.md, per-call overhead).
    pub(crate) async fn bearer(&self, client: &crate::Client) -> Result<SecretHeader, Error> {
        let seen = {
            let state = self.lock();
            if let Some(token) = self.fresh(&state) {
                return Ok(token);
            }
            state.renewals
        };
        self.renew_single_flight(client, seen).await
    }

    /// Renews the token unless another call did while this one waited for its turn (`seen`:
    /// the renewals finished before this call found the token stale).
    ///
    /// Renewing sends a generated call whose hooks come back to [`Auth::bearer`], so the future
    /// is boxed and declared `Send` to give the recursion a type.
    fn renew_single_flight<'a>(
        &'a self,
        client: &'a crate::Client,
        seen: u64,
    ) -> BoxFuture<'a, SecretHeader> {
        Box::pin(async move {
            let _flight = self.single_flight.lock().await;
            {
                let state = self.lock();
                if let Some(token) = self.fresh(&state) {
                    return Ok(token);
                }
                if let Some(error) = state
                    .last_failure
                    .as_ref()
                    .filter(|_| state.renewals != seen)
                {
                    return Err(clone_error(error));
                }
            }
            let result = self.renew(client).await;
            let mut state = self.lock();
            state.renewals += 1;
            match result {
                Ok(cached) => {
                    let token = cached.authorization.clone();
                    state.token = Some(cached);
                    state.last_failure = None;
                    Ok(token)
                }
                Err(error) => {
                    state.last_failure = Some(clone_error(&error));
                    Err(error)
                }
            }
        })
    }

    /// Forgets the token if it is still the one the provider rejected (`used`), so the next
    /// call authenticates afresh; a token another call already replaced is kept.
    pub(crate) fn invalidate(&self, used: &str) {
        let mut state = self.lock();
        if state
            .token
            .as_ref()
            .is_some_and(|t| constant_time_eq(t.token.expose_secret().as_bytes(), used.as_bytes()))
        {
            state.token = None;
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().token = None;
    }

    async fn renew(&self, client: &crate::Client) -> Result<CachedToken, Error> {
        let refreshable = self
            .expires_at()
            .and_then(|expires_at| expires_at.checked_add_signed(REFRESH_GRACE))
            .is_some_and(|until| self.clock.now() < until);
        if refreshable {
            match self.refresh(client).await {
                Ok(token) => return Ok(token),
                Err(error) => {
                    tracing::debug!(api = "collect", error = %error, "token refresh failed; requesting a new token");
                }
            }
        }
        self.issue(client).await
    }

    async fn refresh(&self, client: &crate::Client) -> Result<CachedToken, Error> {
        let reply = client
            .refresh_token()
            .send()
            .await
            .map_err(from_generated)?;
        tracing::debug!(api = "collect", "access token refreshed");
        Ok(self.cache_entry(reply.into_inner().data))
    }

    async fn issue(&self, client: &crate::Client) -> Result<CachedToken, Error> {
        let request = types::TokenRequest {
            app_id: self.app_id.clone(),
            secret_key: self.secret_key.clone(),
            grant_type: types::GrantType::ClientCredentials,
        };
        let reply = client
            .create_token()
            .body(request)
            .send()
            .await
            .map_err(from_generated)?;
        tracing::debug!(api = "collect", "access token issued");
        Ok(self.cache_entry(reply.into_inner().data))
    }

    fn cache_entry(&self, token: types::Token) -> CachedToken {
        let now = self.clock.now();
        // A hostile or broken reply can claim any lifetime (`i64::MAX` seconds overflows date
        // arithmetic): clamp it to a day, far beyond FYATU's documented hour.
        let expires_at = if token.expires_in > 0 {
            let lifetime = token.expires_in.min(MAX_TOKEN_LIFETIME.num_seconds());
            now.checked_add_signed(TimeDelta::seconds(lifetime))
                .unwrap_or(now)
        } else {
            // No usable lifetime: trust `expiresAt`, or treat the token as good for this call
            // only (it is renewed on the next one).
            token.expires_at.as_ref().map_or(now, |t| {
                t.to_utc()
                    .min(now.checked_add_signed(MAX_TOKEN_LIFETIME).unwrap_or(now))
            })
        };
        CachedToken {
            authorization: SecretHeader::new("Bearer ", &token.access_token.0),
            token: token.access_token,
            expires_at,
        }
    }
}

/// A copy of an error for every call that waited on the same failed renewal.
pub(crate) fn clone_error(error: &Error) -> Error {
    match error {
        Error::InvalidRequest(m) => Error::InvalidRequest(m.clone()),
        Error::Api {
            status,
            body,
            headers,
        } => Error::Api {
            status: *status,
            body: body.clone(),
            headers: headers.clone(),
        },
        Error::Decode {
            status,
            reason,
            snippet,
        } => Error::Decode {
            status: *status,
            reason: reason.clone(),
            snippet: snippet.clone(),
        },
        Error::UnexpectedStatus { status, snippet } => Error::UnexpectedStatus {
            status: *status,
            snippet: snippet.clone(),
        },
        Error::Transport {
            outcome,
            timeout,
            attempts,
            message,
            idempotency_key,
        } => Error::Transport {
            outcome: *outcome,
            timeout: *timeout,
            attempts: *attempts,
            message: message.clone(),
            idempotency_key: idempotency_key.clone(),
        },
        Error::Redirect { status, location } => Error::Redirect {
            status: *status,
            location: location.clone(),
        },
        Error::Client(m) => Error::Client(m.clone()),
        other => Error::Client(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn auth(clock: Arc<dyn Clock>) -> Auth {
        Auth::new(
            types::AppId::try_from("A1B2C3D4E5F6G7H8").unwrap(),
            SecretKey::new("0123456789abcdef0123"),
            clock,
            DEFAULT_REFRESH_MARGIN,
        )
    }

    fn token(expires_in: i64, expires_at: Option<&str>) -> types::Token {
        let mut v = serde_json::json!({"accessToken": "eyJ.x.y", "expiresIn": expires_in});
        if let Some(at) = expires_at {
            v["expiresAt"] = at.into();
        }
        serde_json::from_value(v).unwrap()
    }

    proptest! {
        // A hostile token reply cannot panic the client: any `expiresIn` is clamped to
        // `MAX_TOKEN_LIFETIME`, and every later check on the cached expiry is checked
        // arithmetic.
        #[test]
        fn any_lifetime_is_clamped_without_panicking(expires_in in any::<i64>()) {
            let clock = Arc::new(paygate_runtime::ManualClock::new(Utc::now()));
            let auth = auth(clock.clone());
            let entry = auth.cache_entry(token(expires_in, None));
            let now = clock.now();
            prop_assert!(entry.expires_at <= now + MAX_TOKEN_LIFETIME);
            prop_assert!(entry.expires_at >= now);
            auth.lock().token = Some(entry);
            let _ = auth.fresh(&auth.lock());
            let _ = auth.expires_at();
        }
    }

    #[test]
    fn extreme_lifetimes_are_clamped() {
        let clock = Arc::new(paygate_runtime::ManualClock::new(Utc::now()));
        let auth = auth(clock.clone());
        for x in [i64::MAX, 10_i64.pow(13), i64::MIN, -1, 0] {
            let entry = auth.cache_entry(token(x, None));
            assert!(entry.expires_at <= clock.now() + MAX_TOKEN_LIFETIME, "{x}");
        }
        // A far-future `expiresAt` is clamped too.
        let entry = auth.cache_entry(token(0, Some("9999-12-31T23:59:59Z")));
        assert!(entry.expires_at <= clock.now() + MAX_TOKEN_LIFETIME);
    }

    #[test]
    fn secrets_are_redacted_and_serialized_in_clear() {
        let key = SecretKey::new("sk_live_abcdefghijklmnop");
        assert_eq!(format!("{key:?}"), "SecretKey([REDACTED])");
        assert_eq!(
            serde_json::to_string(&key).unwrap(),
            "\"sk_live_abcdefghijklmnop\""
        );
        let token: AccessToken = serde_json::from_str("\"eyJ.x.y\"").unwrap();
        assert_eq!(format!("{token:?}"), "AccessToken([REDACTED])");
        assert_eq!(token, AccessToken::new("eyJ.x.y"));
        assert_ne!(token, AccessToken::new("eyJ.x.z"));
    }
}
