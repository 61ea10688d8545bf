//! Lists: filters, single pages, and every page as a `Stream` of items.
//!
//! FYATU pages by number (`page`, `limit` ≤ 100) and reports `totalItems`; the streams walk
//! pages until that total, or an empty page, whichever comes first.
//!
//! ```no_run
//! # async fn demo(client: &collect_client::CollectClient) -> Result<(), collect_client::Error> {
//! use collect_client::{CollectionFilter, types::CollectionStatus};
//! use futures::TryStreamExt;
//!
//! let paid: Vec<_> = client
//!     .collections(CollectionFilter::default().status(CollectionStatus::Completed))
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

use crate::CollectClient;
use crate::envelope::ResponseExt;
use crate::error::Error;
use crate::types;
use chrono::NaiveDate;
use futures_util::Stream;
use paygate_runtime::{Page, paginate};
use std::num::NonZeroU64;

/// FYATU's largest page.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Filters of `GET /collections`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CollectionFilter {
    /// Only collections in this status.
    pub status: Option<types::CollectionStatus>,
    /// Partial match on FYATU's side.
    pub order_id: Option<String>,
    /// Partial match on the human-readable reference.
    pub reference: Option<String>,
    /// Only collections created on or after this day.
    pub date_from: Option<NaiveDate>,
    /// Only collections created on or before this day.
    pub date_to: Option<NaiveDate>,
    /// Page size, 1–100 (FYATU's default: 20).
    pub limit: Option<u64>,
}

impl CollectionFilter {
    /// Sets [`status`](Self::status).
    pub fn status(mut self, status: types::CollectionStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Sets [`order_id`](Self::order_id) (partial match).
    pub fn order_id(mut self, order_id: impl Into<String>) -> Self {
        self.order_id = Some(order_id.into());
        self
    }
    /// Sets [`reference`](Self::reference) (partial match).
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
    /// Sets [`date_from`](Self::date_from).
    pub fn date_from(mut self, date: NaiveDate) -> Self {
        self.date_from = Some(date);
        self
    }
    /// Sets [`date_to`](Self::date_to).
    pub fn date_to(mut self, date: NaiveDate) -> Self {
        self.date_to = Some(date);
        self
    }
    /// Sets [`limit`](Self::limit), the page size (1–100).
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }
}

/// Filters of `GET /refunds`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefundFilter {
    /// Only refunds in this status.
    pub status: Option<types::RefundStatus>,
    /// Only refunds of this collection.
    pub collection_id: Option<String>,
    /// Only refunds created on or after this day.
    pub date_from: Option<NaiveDate>,
    /// Only refunds created on or before this day.
    pub date_to: Option<NaiveDate>,
    /// Page size, 1–100 (FYATU's default: 20).
    pub limit: Option<u64>,
}

impl RefundFilter {
    /// Sets [`status`](Self::status).
    pub fn status(mut self, status: types::RefundStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Sets [`collection_id`](Self::collection_id).
    pub fn collection_id(mut self, collection_id: impl Into<String>) -> Self {
        self.collection_id = Some(collection_id.into());
        self
    }
    /// Sets [`date_from`](Self::date_from).
    pub fn date_from(mut self, date: NaiveDate) -> Self {
        self.date_from = Some(date);
        self
    }
    /// Sets [`date_to`](Self::date_to).
    pub fn date_to(mut self, date: NaiveDate) -> Self {
        self.date_to = Some(date);
        self
    }
    /// Sets [`limit`](Self::limit), the page size (1–100).
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }
}

fn page_number(page: u64) -> Result<NonZeroU64, Error> {
    NonZeroU64::new(page).ok_or_else(|| Error::InvalidRequest("page: must be at least 1".into()))
}

fn page_size(limit: Option<u64>) -> Result<Option<NonZeroU64>, Error> {
    match limit {
        None => Ok(None),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(NonZeroU64::new(n)),
        Some(n) => Err(Error::InvalidRequest(format!(
            "limit: must be between 1 and {MAX_PAGE_SIZE}, got {n}"
        ))),
    }
}

fn date_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<(), Error> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(Error::InvalidRequest(format!(
            "dateFrom: {from} is after dateTo {to}"
        ))),
        _ => Ok(()),
    }
}

/// The total FYATU reports, whichever key spelling it used.
pub(crate) fn total_items(pagination: Option<&types::Pagination>) -> Option<u64> {
    pagination
        .and_then(|p| p.total_items)
        .and_then(|n| u64::try_from(n).ok())
}

impl CollectClient {
    /// One page of `GET /collections` (pages count from 1).
    pub async fn list_collections(
        &self,
        filter: &CollectionFilter,
        page: u64,
    ) -> Result<types::CollectionList, Error> {
        let page = page_number(page)?;
        let limit = page_size(filter.limit)?;
        date_range(filter.date_from, filter.date_to)?;
        self.authenticate().await?;
        let mut call = self.raw.list_collections().page(page);
        if let Some(limit) = limit {
            call = call.limit(limit);
        }
        if let Some(status) = &filter.status {
            call = call.status(status.clone());
        }
        if let Some(order_id) = &filter.order_id {
            call = call.order_id(order_id.clone());
        }
        if let Some(reference) = &filter.reference {
            call = call.reference(reference.clone());
        }
        if let Some(date) = filter.date_from {
            call = call.date_from(date);
        }
        if let Some(date) = filter.date_to {
            call = call.date_to(date);
        }
        call.send().await.data()
    }

    /// Every collection matching `filter`, newest first, fetched page by page as the stream is
    /// read. An error ends the stream.
    pub fn collections(
        &self,
        filter: CollectionFilter,
    ) -> impl Stream<Item = Result<types::CollectionSummary, Error>> + Send + '_ {
        paginate(1, move |page| {
            let filter = filter.clone();
            async move {
                let list = self.list_collections(&filter, page).await?;
                Ok(Page {
                    total: total_items(list.pagination.as_ref()),
                    items: list.collections,
                })
            }
        })
    }

    /// One page of `GET /refunds` (pages count from 1).
    pub async fn list_refunds(
        &self,
        filter: &RefundFilter,
        page: u64,
    ) -> Result<types::RefundList, Error> {
        let page = page_number(page)?;
        let limit = page_size(filter.limit)?;
        date_range(filter.date_from, filter.date_to)?;
        self.authenticate().await?;
        let mut call = self.raw.list_refunds().page(page);
        if let Some(limit) = limit {
            call = call.limit(limit);
        }
        if let Some(status) = &filter.status {
            call = call.status(status.clone());
        }
        if let Some(collection_id) = &filter.collection_id {
            call = call.collection_id(collection_id.clone());
        }
        if let Some(date) = filter.date_from {
            call = call.date_from(date);
        }
        if let Some(date) = filter.date_to {
            call = call.date_to(date);
        }
        call.send().await.data()
    }

    /// Every refund matching `filter`, fetched page by page as the stream is read.
    pub fn refunds(
        &self,
        filter: RefundFilter,
    ) -> impl Stream<Item = Result<types::Refund, Error>> + Send + '_ {
        paginate(1, move |page| {
            let filter = filter.clone();
            async move {
                let list = self.list_refunds(&filter, page).await?;
                Ok(Page {
                    total: total_items(list.pagination.as_ref()),
                    items: list.refunds,
                })
            }
        })
    }
}
