//! The sandbox's fixed credentials. They are fake, but shaped like the real ones so client-side
//! format checks pass, and recognisable (`sandbox` in most of them) so nobody mistakes them for
//! live keys. Secrets are `SecretString`s anyway: the clients' leak scans must not find them in
//! any `Debug` output either.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

/// One set of credentials per API; field names start with the API's name.
#[derive(Clone)]
pub struct Credentials {
    // XPay platform (docs.xpay.app)
    /// Bearer key, `sk_test_…` (test-mode secret key).
    pub xpay_platform_secret_key: SecretString,
    /// Publishable key, `pk_test_…`; accepted nowhere server-side, here for completeness.
    pub xpay_platform_publishable_key: String,
    /// Webhook endpoint signing secret, `whsec_…` (HMAC key for `XPay-Signature`).
    pub xpay_platform_webhook_secret: SecretString,

    // XPay by XStak
    /// Secret key, sent as `x-api-key`.
    pub xstak_api_key: SecretString,
    /// Publishable key (SDK calls only).
    pub xstak_public_key: String,
    /// Sent as `x-account-id`.
    pub xstak_account_id: String,
    /// HMAC key of the request `x-signature` (used as its UTF-8 bytes).
    pub xstak_api_hmac_secret: SecretString,
    /// HMAC key of the webhook `X-Signature`.
    pub xstak_webhook_hmac_secret: SecretString,

    // Collect (FYATU v3)
    /// `appId`, 16 characters as the docs say.
    pub collect_app_id: String,
    /// `secretKey`, at least 16 characters.
    pub collect_secret_key: SecretString,
    /// Webhook secret: HMAC key of the body-embedded `sign` (used as its literal bytes).
    pub collect_webhook_secret: SecretString,

    // Payfect
    /// Sent as `Authorization: Api-Key <key>`; `<8 chars>.<32 chars>` like the SDK examples.
    pub payfect_api_key: SecretString,
    /// A valid Fernet key (32 bytes, URL-safe base64) that encrypts `X-Payfect-Signature`.
    pub payfect_fernet_key: SecretString,
}

impl Credentials {
    /// The fixed values every sandbox instance accepts.
    pub fn sandbox() -> Self {
        Credentials {
            xpay_platform_secret_key: "sk_test_sandbox_P4yg4teXp4ySbxK3y0000001".into(),
            xpay_platform_publishable_key: "pk_test_sandbox_P4yg4teXp4ySbxPub0000001".into(),
            xpay_platform_webhook_secret: "whsec_sandbox_Qm9vZ0FuZFNhbmRib3hTZWNyZXQ".into(),

            xstak_api_key: "xstak_sandbox_secret_key_0a1b2c3d4e5f6a7b".into(),
            xstak_public_key: "xstak_sandbox_public_key_7b6a5f4e3d2c1b0a".into(),
            xstak_account_id: "sbx0acc0unt0000000000001".into(),
            xstak_api_hmac_secret: "xstak_sandbox_api_hmac_secret_9f8e7d6c".into(),
            xstak_webhook_hmac_secret: "xstak_sandbox_webhook_hmac_secret_5b4a".into(),

            collect_app_id: "SBXCOLLECTAPP001".into(),
            collect_secret_key: "sk_test_sandbox_collect_3c9a1f0e7d5b".into(),
            collect_webhook_secret: "whsec_sandbox_collect_8d2e6f1a0b9c4d7e".into(),

            payfect_api_key: "SbxPfct1.sandboxPayfectApiKey000000000000".into(),
            // base64url("paygate-sandbox-payfect-fernet!!"): exactly 32 bytes.
            payfect_fernet_key: "cGF5Z2F0ZS1zYW5kYm94LXBheWZlY3QtZmVybmV0ISE=".into(),
        }
    }

    /// Every value in clear, grouped by API, for the binary's start-up line and
    /// `GET /_sandbox`. Only ever shown for these fixed, fake credentials.
    pub fn to_json(&self) -> Value {
        json!({
            "xpay_platform": {
                "secret_key": self.xpay_platform_secret_key.expose_secret(),
                "publishable_key": self.xpay_platform_publishable_key,
                "webhook_secret": self.xpay_platform_webhook_secret.expose_secret(),
            },
            "xstak": {
                "api_key": self.xstak_api_key.expose_secret(),
                "public_key": self.xstak_public_key,
                "account_id": self.xstak_account_id,
                "api_hmac_secret": self.xstak_api_hmac_secret.expose_secret(),
                "webhook_hmac_secret": self.xstak_webhook_hmac_secret.expose_secret(),
            },
            "collect": {
                "app_id": self.collect_app_id,
                "secret_key": self.collect_secret_key.expose_secret(),
                "webhook_secret": self.collect_webhook_secret.expose_secret(),
            },
            "payfect": {
                "api_key": self.payfect_api_key.expose_secret(),
                "fernet_key": self.payfect_fernet_key.expose_secret(),
            },
        })
    }

    /// Every secret value, for leak scans (`tests` assert none of these appear in logs).
    pub fn secret_values(&self) -> Vec<String> {
        [
            &self.xpay_platform_secret_key,
            &self.xpay_platform_webhook_secret,
            &self.xstak_api_key,
            &self.xstak_api_hmac_secret,
            &self.xstak_webhook_hmac_secret,
            &self.collect_secret_key,
            &self.collect_webhook_secret,
            &self.payfect_api_key,
            &self.payfect_fernet_key,
        ]
        .into_iter()
        .map(|secret| secret.expose_secret().to_owned())
        .collect()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("xpay_platform_secret_key", &"[REDACTED]")
            .field(
                "xpay_platform_publishable_key",
                &self.xpay_platform_publishable_key,
            )
            .field("xpay_platform_webhook_secret", &"[REDACTED]")
            .field("xstak_api_key", &"[REDACTED]")
            .field("xstak_public_key", &self.xstak_public_key)
            .field("xstak_account_id", &self.xstak_account_id)
            .field("xstak_api_hmac_secret", &"[REDACTED]")
            .field("xstak_webhook_hmac_secret", &"[REDACTED]")
            .field("collect_app_id", &self.collect_app_id)
            .field("collect_secret_key", &"[REDACTED]")
            .field("collect_webhook_secret", &"[REDACTED]")
            .field("payfect_api_key", &"[REDACTED]")
            .field("payfect_fernet_key", &"[REDACTED]")
            .finish()
    }
}
