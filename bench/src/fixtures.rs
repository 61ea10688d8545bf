//! The fixed payloads (see `fixtures/README.md` for where each comes from).

macro_rules! fixture {
    ($name:ident, $file:literal) => {
        pub const $name: &[u8] = include_bytes!(concat!("../fixtures/", $file));
    };
}

fixture!(
    XPAY_CREATE_REQUEST,
    "xpay_create_checkout_session.request.json"
);
fixture!(XPAY_SESSION_REPLY, "xpay_checkout_session.response.json");
fixture!(XPAY_WEBHOOK, "xpay_webhook_event.json");

fixture!(
    XSTAK_CREATE_REQUEST,
    "xstak_create_checkout_link.request.json"
);
fixture!(XSTAK_INTENT_REPLY, "xstak_payment_intent.response.json");
fixture!(XSTAK_WEBHOOK, "xstak_webhook_event.json");

fixture!(COLLECT_TOKEN_REPLY, "collect_token.response.json");
fixture!(
    COLLECT_CREATE_REQUEST,
    "collect_create_collection.request.json"
);
fixture!(
    COLLECT_CREATE_REPLY,
    "collect_create_collection.response.json"
);
fixture!(COLLECT_COLLECTION_REPLY, "collect_collection.response.json");
fixture!(COLLECT_WEBHOOK, "collect_webhook_event.json");

fixture!(
    PAYFECT_CREATE_REQUEST,
    "payfect_create_checkout.request.json"
);
fixture!(PAYFECT_CHECKOUT_REPLY, "payfect_checkout.response.json");
fixture!(PAYFECT_CALLBACK, "payfect_callback.json");

/// Ids the retrieve calls ask for (the server answers every id with the same payload).
pub const XPAY_SESSION_ID: &str = "cs_test_aZHkI5RbXUEnLHVEv1COM";
pub const XSTAK_INTENT_ID: &str =
    "xpay_pi_60be1502705b8505d99529b5cdef5333efda24fb544b43e75c2494ebffbb3533";
pub const COLLECT_COLLECTION_ID: &str = "SCI7K2M9Q4R8T1V3";
pub const PAYFECT_CHECKOUT_ID: &str = "ed8d24aa-a860-426b-8e56-87cb9f55a081";

/// Credentials both sides use. Made up; the server checks none of them.
pub const XPAY_SECRET_KEY: &str = "sk_test_bench0000000000000000";
pub const XSTAK_API_KEY: &str = "sk_bench_xstak_0000";
pub const XSTAK_ACCOUNT_ID: &str = "bench-account-0001";
pub const XSTAK_API_HMAC_SECRET: &str = "bench_api_hmac_secret";
pub const COLLECT_APP_ID: &str = "A1B2C3D4E5F6G7H8";
pub const COLLECT_SECRET_KEY: &str = "bench_secret_key_0000000000";
pub const PAYFECT_API_KEY: &str = "5a31f3a4-279c-11ee-be56-0242ac120002";

/// Webhook secrets (made up).
pub const XPAY_WEBHOOK_SECRET: &str = "whsec_bench_000000000000";
pub const XSTAK_WEBHOOK_SECRET: &str = "bench_webhook_hmac_secret";
pub const COLLECT_WEBHOOK_SECRET: &str = "bench_collect_webhook_secret";
/// A Fernet key: 32 bytes, URL-safe base64.
pub const PAYFECT_CALLBACK_KEY: &str = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
