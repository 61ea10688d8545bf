//! Refunds of completed collections.
//!
//! FYATU allows one refund per collection (a partial refund closes it), of at most the
//! collection's `netAmount` (the fee is not refunded), debited from the business wallet.
//! A refund POST has no idempotency key, but one collection takes one refund, so the
//! runtime's single retry loop may repeat it (one attempt budget and deadline per call); a
//! repeat told `ALREADY_REFUNDED` returns the refund that exists (looked up with
//! `GET /refunds?collectionId=…`) when it matches the request.

use crate::CollectClient;
use crate::collections::ValidationError;
use crate::error::{Error, ErrorExt, from_generated};
use crate::pagination::RefundFilter;
use crate::types::{self, ErrorCode, RefundMode, RefundReason};
use futures_util::TryStreamExt;
use paygate_runtime::EnvelopeExt;
use paygate_runtime::JsonDecimal;
use rust_decimal::Decimal;

/// A refund to issue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRefund {
    /// `FULL` (the whole net amount) or `PARTIAL` (`amount`).
    pub mode: RefundMode,
    /// Required for `PARTIAL`, in USD; at most the collection's `netAmount`.
    pub amount: Option<Decimal>,
    /// FYATU's default is `CUSTOMER_REQUEST`.
    pub reason: Option<RefundReason>,
}

impl NewRefund {
    /// Refunds the whole net amount (FYATU computes it).
    pub fn full() -> Self {
        NewRefund {
            mode: RefundMode::Full,
            amount: None,
            reason: None,
        }
    }

    /// Refunds `amount` USD and closes the collection for further refunds.
    pub fn partial(amount: Decimal) -> Self {
        NewRefund {
            mode: RefundMode::Partial,
            amount: Some(amount),
            reason: None,
        }
    }

    /// Sets the [`reason`](Self::reason) given to FYATU.
    pub fn reason(mut self, reason: RefundReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// FYATU's documented constraints, checked locally: `amount` present, positive, in cents
    /// and exact for `PARTIAL`; absent for `FULL`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let invalid = |field, message: &str| ValidationError {
            field,
            message: message.into(),
        };
        match (&self.mode, self.amount) {
            (RefundMode::Partial, None) => {
                Err(invalid("amount", "is required for a PARTIAL refund"))
            }
            (RefundMode::Partial, Some(a)) if a <= Decimal::ZERO => {
                Err(invalid("amount", "must be greater than 0"))
            }
            (RefundMode::Partial, Some(a)) if crate::money::check_usd_precision(a).is_err() => {
                Err(ValidationError {
                    field: "amount",
                    message: crate::money::check_usd_precision(a)
                        .err()
                        .unwrap_or_default(),
                })
            }
            (RefundMode::Partial, Some(a)) if paygate_runtime::js::format_decimal(&a).is_err() => {
                Err(invalid("amount", "cannot be sent exactly as a JSON number"))
            }
            (RefundMode::Full, Some(_)) => Err(invalid(
                "amount",
                "must be absent for a FULL refund (FYATU refunds the net amount)",
            )),
            (RefundMode::Unknown(m), _) => Err(ValidationError {
                field: "mode",
                message: format!("unknown mode {m:?}; FULL or PARTIAL"),
            }),
            _ => Ok(()),
        }
    }

    /// The validated wire request.
    pub fn to_request(&self) -> Result<types::CreateRefundRequest, ValidationError> {
        self.validate()?;
        Ok(types::CreateRefundRequest {
            mode: Some(self.mode.clone()),
            amount: self.amount.map(JsonDecimal),
            reason: self.reason.clone(),
        })
    }

    fn matches(&self, refund: &types::Refund) -> bool {
        let amount_ok = match self.mode {
            RefundMode::Partial => self.amount == Some(refund.amount.value()),
            _ => true,
        };
        let reason_ok = self
            .reason
            .as_ref()
            .is_none_or(|r| refund.reason.as_ref() == Some(r));
        amount_ok && reason_ok
    }
}

/// Refunds. FYATU allows one refund per collection, so a repeated attempt cannot pay twice.
impl CollectClient {
    /// `POST /collections/{collectionId}/refund`.
    ///
    /// Errors FYATU documents: `INVALID_STATUS` (the collection is not `COMPLETED`),
    /// `ALREADY_REFUNDED`, `INSUFFICIENT_BALANCE` (402), `VALIDATION_ERROR` (e.g. more than the
    /// net amount), `RESOURCE_NOT_FOUND`.
    pub async fn refund(
        &self,
        collection_id: &str,
        refund: &NewRefund,
    ) -> Result<types::Refund, Error> {
        if collection_id.trim().is_empty() {
            return Err(Error::InvalidRequest(
                "collectionId: must not be empty".into(),
            ));
        }
        let body = refund
            .to_request()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        self.authenticate().await?;
        // One logical call, one attempt budget: the runtime's loop repeats the POST when its
        // outcome is unknown (FYATU allows one refund per collection, so a repeat cannot pay
        // twice), and a repeat told ALREADY_REFUNDED is resolved below.
        let result = self
            .raw
            .create_refund()
            .collection_id(collection_id)
            .body(body)
            .send()
            .await
            .data()
            .map_err(from_generated);
        match result {
            Err(e)
                if e.is_code(&ErrorCode::AlreadyRefunded)
                    || e.is_code(&ErrorCode::InvalidStatus) =>
            {
                // The refund exists: return it when it is the one asked for (an earlier
                // attempt of this call, or an identical earlier call), else the error.
                match self.find_refund(collection_id, refund).await? {
                    Some(found) => Ok(found),
                    None => Err(e),
                }
            }
            other => other,
        }
    }

    async fn find_refund(
        &self,
        collection_id: &str,
        refund: &NewRefund,
    ) -> Result<Option<types::Refund>, Error> {
        let filter = RefundFilter::default()
            .collection_id(collection_id)
            .limit(100);
        let mut stream = std::pin::pin!(self.refunds(filter));
        while let Some(found) = stream.try_next().await? {
            if found.collection_id == collection_id && refund.matches(&found) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}
