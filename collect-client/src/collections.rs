//! Creating collections exactly once.
//!
//! FYATU has no idempotency header; what makes a create safe to repeat is that `orderId` is
//! unique per app: a second create with the same `orderId` is answered
//! `409 DUPLICATE_REFERENCE` instead of charging twice. [`CollectClient::create_collection`]
//! builds on that:
//!
//! 1. the request is validated before anything is sent (amount ≥ 1 USD; `orderId` not empty and
//!    at most 100 characters; `description` not empty and at most 100 characters; absolute
//!    URLs), with an error naming the field;
//! 2. after a timeout, a dropped connection, a cut-off or unreadable reply, or a 5xx, it sends
//!    the same request again (backoff from the client's [`RetryPolicy`](paygate_runtime::RetryPolicy));
//! 3. on `409 DUPLICATE_REFERENCE` it looks the `orderId` up (`GET /collections?orderId=…`,
//!    exact match, since FYATU's filter is a partial match) and reads the collection; if its
//!    amount and description are the ones requested it returns it as
//!    [`CreatedCollection::Existing`], otherwise it fails with the 409 carrying an
//!    [`OrderIdConflict`].
//!
//! The same holds across process restarts: re-running a create for an order after a crash
//! returns the collection the first run made.

use crate::error::{ApiError, Error, ErrorExt, OrderIdConflict, from_generated};
use crate::pagination::CollectionFilter;
use crate::time::Timestamp;
use crate::types::{self, CollectionStatus, ErrorCode};
use crate::{CollectClient, Nullable};
use futures_util::TryStreamExt;
use paygate_runtime::EnvelopeExt;
use paygate_runtime::JsonDecimal;
use rust_decimal::Decimal;
use std::fmt;

/// FYATU's limits on a create (<https://docs.fyatu.com/v3/api-reference/collections/create>).
pub const MIN_AMOUNT_USD: Decimal = Decimal::ONE;
/// Longest `orderId` FYATU accepts, in characters.
pub const MAX_ORDER_ID_CHARS: usize = 100;
/// Longest `description` FYATU accepts, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 100;

/// A collection to create. Amounts are US dollars in major units (`Decimal::new(2500, 2)` is
/// $25.00); the currency is always USD, the only one FYATU supports.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCollection {
    /// USD in major units: at least 1, at most cent precision.
    pub amount: Decimal,
    /// Your order or invoice id; unique per app, and what makes the create safe to retry.
    pub order_id: String,
    /// Shown to the payer.
    pub description: String,
    /// Browser return URL after payment; overrides the app's dashboard setting.
    pub callback_url: Option<String>,
    /// IPN URL for the webhook; overrides the app's dashboard setting.
    pub webhook_url: Option<String>,
    /// Your data, echoed back on read.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A field FYATU would reject, found before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field as FYATU names it (`amount`, `orderId`, `description`, …).
    pub field: &'static str,
    /// Why FYATU would reject it.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

fn invalid(field: &'static str, message: impl Into<String>) -> ValidationError {
    ValidationError {
        field,
        message: message.into(),
    }
}

fn check_url(field: &'static str, url: &Option<String>) -> Result<(), ValidationError> {
    match url {
        None => Ok(()),
        Some(url) => match reqwest::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
            _ => Err(invalid(field, "must be an absolute http(s) URL")),
        },
    }
}

impl NewCollection {
    /// A collection of `amount` USD for your `order_id`, with the `description` shown to the
    /// payer; no URLs or metadata.
    pub fn new(
        amount: Decimal,
        order_id: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        NewCollection {
            amount,
            order_id: order_id.into(),
            description: description.into(),
            callback_url: None,
            webhook_url: None,
            metadata: None,
        }
    }

    /// Sets [`callback_url`](Self::callback_url).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Sets [`webhook_url`](Self::webhook_url).
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// Sets [`metadata`](Self::metadata).
    pub fn metadata(mut self, metadata: serde_json::Map<String, serde_json::Value>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// FYATU's documented constraints, checked locally.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.amount < MIN_AMOUNT_USD {
            return Err(invalid(
                "amount",
                format!("must be at least {MIN_AMOUNT_USD} USD, got {}", self.amount),
            ));
        }
        crate::money::check_usd_precision(self.amount).map_err(|m| invalid("amount", m))?;
        if paygate_runtime::js::format_decimal(&self.amount).is_err() {
            return Err(invalid(
                "amount",
                format!("{} cannot be sent exactly as a JSON number", self.amount),
            ));
        }
        if self.order_id.trim().is_empty() {
            return Err(invalid("orderId", "must not be empty"));
        }
        let chars = self.order_id.chars().count();
        if chars > MAX_ORDER_ID_CHARS {
            return Err(invalid(
                "orderId",
                format!("must be at most {MAX_ORDER_ID_CHARS} characters, got {chars}"),
            ));
        }
        if self.description.trim().is_empty() {
            return Err(invalid("description", "must not be empty"));
        }
        let chars = self.description.chars().count();
        if chars > MAX_DESCRIPTION_CHARS {
            return Err(invalid(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters, got {chars}"),
            ));
        }
        check_url("callbackUrl", &self.callback_url)?;
        check_url("webhookUrl", &self.webhook_url)?;
        Ok(())
    }

    /// The validated wire request.
    pub fn to_request(&self) -> Result<types::CreateCollectionRequest, ValidationError> {
        self.validate()?;
        Ok(types::CreateCollectionRequest {
            amount: JsonDecimal(self.amount),
            currency: Some(types::Currency::Usd),
            order_id: self
                .order_id
                .as_str()
                .try_into()
                .map_err(|e| invalid("orderId", format!("{e}")))?,
            description: self
                .description
                .as_str()
                .try_into()
                .map_err(|e| invalid("description", format!("{e}")))?,
            callback_url: self.callback_url.clone(),
            webhook_url: self.webhook_url.clone(),
            metadata: self.metadata.clone().map(types::Metadata),
        })
    }
}

/// The collection a create ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum CreatedCollection {
    /// Created by this call.
    Created(Box<types::CheckoutSession>),
    /// The `orderId` already had a collection with the requested amount and description — an
    /// earlier attempt whose reply was lost, or a run before a restart. It may have moved on
    /// since (paid, failed, expired): check [`CreatedCollection::status`].
    Existing(Box<types::Collection>),
}

impl CreatedCollection {
    /// FYATU's id of the collection (also the `batch` of the browser redirect).
    pub fn collection_id(&self) -> &str {
        match self {
            CreatedCollection::Created(s) => &s.collection_id,
            CreatedCollection::Existing(c) => &c.collection_id,
        }
    }

    /// Where to send the payer. FYATU documents it on create; on an existing collection it is
    /// present only if `GET /collections/{id}` returns it (unconfirmed).
    pub fn checkout_url(&self) -> Option<&str> {
        match self {
            CreatedCollection::Created(s) => s.checkout_url.as_deref(),
            CreatedCollection::Existing(c) => c.checkout_url.as_deref(),
        }
    }

    /// The collection's status as of the reply.
    pub fn status(&self) -> &CollectionStatus {
        match self {
            CreatedCollection::Created(s) => &s.status,
            CreatedCollection::Existing(c) => &c.status,
        }
    }

    /// Your `orderId`, when FYATU returned it.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            CreatedCollection::Created(s) => s.order_id.as_deref(),
            CreatedCollection::Existing(c) => c.order_id.value().map(String::as_str),
        }
    }

    /// The amount charged to the payer, in USD.
    pub fn amount(&self) -> Decimal {
        match self {
            CreatedCollection::Created(s) => s.amount.value(),
            CreatedCollection::Existing(c) => c.amount.value(),
        }
    }

    /// FYATU's fee, in USD.
    pub fn fee(&self) -> Decimal {
        match self {
            CreatedCollection::Created(s) => s.fee.value(),
            CreatedCollection::Existing(c) => c.fee.value(),
        }
    }

    /// What the merchant receives: `amount − fee` (checked).
    pub fn net_amount(&self) -> Decimal {
        match self {
            CreatedCollection::Created(s) => s.net_amount.value(),
            CreatedCollection::Existing(c) => c.net_amount.value(),
        }
    }

    /// When the checkout expires, if FYATU returned it.
    pub fn expires_at(&self) -> Option<&Timestamp> {
        match self {
            CreatedCollection::Created(s) => s.expires_at.as_ref(),
            CreatedCollection::Existing(c) => c.expires_at.as_ref(),
        }
    }

    /// True when the collection came from an earlier create with the same `orderId`.
    pub fn is_existing(&self) -> bool {
        matches!(self, CreatedCollection::Existing(_))
    }
}

impl CollectClient {
    /// `POST /collections`, exactly once per `orderId` — see the [module docs](self).
    ///
    /// Errors: [`Error::InvalidRequest`] naming the field for invalid input (nothing sent);
    /// `Error::Api` with status 409, code `DUPLICATE_REFERENCE` and
    /// [`ErrorExt::order_id_conflict`] set when the `orderId` belongs to a different
    /// collection; [`Error::Decode`] when FYATU's reply breaks `netAmount = amount − fee`.
    pub async fn create_collection(&self, new: &NewCollection) -> Result<CreatedCollection, Error> {
        let body = new
            .to_request()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        self.authenticate().await?;
        // One logical call, one attempt budget and deadline: the runtime's loop repeats the
        // POST when its outcome is unknown (the hooks declare it deduplicated by `orderId`),
        // and a repeat that finds the first one done is resolved below.
        match self
            .raw
            .create_collection()
            .body(body)
            .send()
            .await
            .data()
            .map_err(from_generated)
        {
            Ok(session) => Ok(CreatedCollection::Created(Box::new(session))),
            Err(e) if e.is_code(&ErrorCode::DuplicateReference) => {
                self.resolve_order_id(new, e).await
            }
            Err(e) => Err(e),
        }
    }

    /// The collection FYATU holds for exactly this `orderId` (its list filter matches
    /// partially, so every page is scanned for the exact value).
    pub async fn find_collection_by_order_id(
        &self,
        order_id: &str,
    ) -> Result<Option<types::CollectionSummary>, Error> {
        let filter = CollectionFilter::default().order_id(order_id).limit(100);
        let mut stream = std::pin::pin!(self.collections(filter));
        while let Some(summary) = stream.try_next().await? {
            if summary.order_id.value().map(String::as_str) == Some(order_id) {
                return Ok(Some(summary));
            }
        }
        Ok(None)
    }

    async fn resolve_order_id(
        &self,
        new: &NewCollection,
        duplicate: Error,
    ) -> Result<CreatedCollection, Error> {
        let Some(summary) = self.find_collection_by_order_id(&new.order_id).await? else {
            tracing::warn!(
                api = "collect",
                "409 DUPLICATE_REFERENCE but no collection lists this orderId"
            );
            return Err(duplicate);
        };
        let existing = self.get_collection(&summary.collection_id).await?;
        let mut mismatched = Vec::new();
        if existing.amount.value() != new.amount {
            mismatched.push("amount");
        }
        if existing.description.as_deref() != Some(new.description.as_str()) {
            mismatched.push("description");
        }
        if mismatched.is_empty() {
            return Ok(CreatedCollection::Existing(Box::new(existing)));
        }
        let conflict = OrderIdConflict {
            order_id: new.order_id.clone(),
            existing,
            mismatched,
        };
        Err(match duplicate {
            Error::Api {
                status,
                body,
                headers,
            } => Error::Api {
                status,
                body: ApiError {
                    conflict: Some(Box::new(conflict)),
                    ..body
                },
                headers,
            },
            other => other,
        })
    }
}
