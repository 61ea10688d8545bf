//! The four APIs. Each module owns its in-memory state and routes (paths as in its spec); the
//! core nests each router under the API's prefix and wraps it in the generic middleware.

pub mod collect;
pub mod payfect;
pub mod xpay_platform;
pub mod xstak;

pub use collect::CollectSandbox;
pub use payfect::PayfectSandbox;
pub use xpay_platform::XpayPlatformSandbox;
pub use xstak::XstakSandbox;
