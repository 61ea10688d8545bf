//! Every list operation as a stream of items.
//!
//! XPay pages by number (`page` from 1, `limit` 1–100) and reports `totalCount`, so each list
//! builder gets a `stream()` that walks `page = 1, 2, …` with the filters and `limit` already
//! set on the builder, and stops once `totalCount` items were yielded, on an empty page, or
//! after the first error (yielded last).
//!
//! ```no_run
//! # async fn demo(client: xpay_client::platform::Client) -> Result<(), xpay_client::platform::Error> {
//! use futures::TryStreamExt;
//!
//! let guests: Vec<_> = client
//!     .list_customers()
//!     .type_(xpay_client::platform::types::CustomerType::Guest)
//!     .limit(100)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! # Ok(()) }
//! ```

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use paygate_runtime::{Page, paginate};

use super::{Error, builder, types};

/// The items of every page, in order. Borrows the client.
pub type PageStream<'a, T> = BoxStream<'a, Result<T, Error>>;

macro_rules! page_stream {
    ($builder:ident, $list:ident, $item:ident) => {
        impl<'a> builder::$builder<'a> {
            /// Every item across all pages, fetched one page at a time from page 1 (a `page`
            /// set on this builder is ignored; filters and `limit` are kept).
            pub fn stream(self) -> PageStream<'a, types::$item> {
                paginate(1, move |page| {
                    // `page` counts from 1; past u32::MAX pages is unreachable in practice.
                    let page = u32::try_from(page)
                        .ok()
                        .and_then(std::num::NonZeroU32::new)
                        .unwrap_or(std::num::NonZeroU32::MAX);
                    let request = self.clone().page(page);
                    async move {
                        let list: types::$list =
                            request.send().await.map_err(Error::from)?.into_inner();
                        Ok::<_, Error>(Page {
                            total: u64::try_from(list.total_count).ok(),
                            items: list.data,
                        })
                    }
                })
                .boxed()
            }
        }
    };
}

page_stream!(ListCustomers, CustomerList, CustomerListItem);
page_stream!(ListPaymentLinks, PaymentLinkList, PaymentLink);
page_stream!(ListProducts, ProductList, Product);
page_stream!(ListRefunds, RefundList, Refund);
