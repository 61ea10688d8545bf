//! Page-number pagination as a stream of items. The providers here page by number and report a
//! total (`totalCount`, `totalItems`), unlike Stripe's cursors, so progenitor generates no
//! stream for them.

use futures_util::Stream;
use std::future::Future;

/// One fetched page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The page's items, in the provider's order.
    pub items: Vec<T>,
    /// The provider's total across all pages, when it reports one.
    pub total: Option<u64>,
}

/// Walks pages `first_page`, `first_page + 1`, … and yields their items. Stops after the
/// provider's total has been yielded, on an empty page, or on the first error (yielded last).
pub fn paginate<T, E, F, Fut>(first_page: u64, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
{
    struct State<F> {
        page: u64,
        seen: u64,
        done: bool,
        fetch: F,
    }
    let state = State {
        page: first_page,
        seen: 0,
        done: false,
        fetch,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        match (st.fetch)(st.page).await {
            Err(e) => {
                st.done = true;
                Some((vec![Err(e)], st))
            }
            Ok(page) => {
                let n = page.items.len() as u64;
                st.seen += n;
                st.page += 1;
                st.done = n == 0 || page.total.is_some_and(|t| st.seen >= t);
                if n == 0 {
                    None
                } else {
                    Some((page.items.into_iter().map(Ok).collect(), st))
                }
            }
        }
    })
    .flat_map(futures_util::stream::iter)
}

use futures_util::StreamExt;

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    fn pages(
        total: u64,
        size: u64,
        claim: Option<u64>,
    ) -> impl Fn(u64) -> std::future::Ready<Result<Page<u64>, String>> {
        move |p| {
            let start = (p - 1) * size;
            let items = (start..(start + size).min(total)).collect();
            std::future::ready(Ok(Page {
                items,
                total: claim,
            }))
        }
    }

    #[tokio::test]
    async fn walks_until_total() {
        let all: Vec<u64> = paginate(1, pages(45, 20, Some(45)))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..45).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn stops_on_empty_page_even_if_total_lies() {
        let all: Vec<u64> = paginate(1, pages(45, 20, Some(1000)))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all.len(), 45);
    }

    #[tokio::test]
    async fn errors_end_the_stream() {
        let s = paginate(1, |p| {
            std::future::ready(if p == 2 {
                Err("boom")
            } else {
                Ok(Page {
                    items: vec![p],
                    total: None,
                })
            })
        });
        let got: Vec<_> = s.collect().await;
        assert_eq!(got, vec![Ok(1), Err("boom")]);
    }
}
