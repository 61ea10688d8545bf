//! The measured calls, one function per side, so the benches and the byte-identity check run
//! exactly the same code.
//!
//! Both sides build their request body per call (the client takes it by value, the baseline
//! clones it), as application code building a request from its own data would.

use std::fmt;
use std::hint::black_box;

use xpay_client::xstak::EnvelopeExt as _;

use crate::fixtures;
use crate::setup::Bench;

/// The four APIs (XPay platform and XStak are two modules of `xpay-client`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Xpay,
    Xstak,
    Collect,
    Payfect,
}

impl Api {
    pub const ALL: [Api; 4] = [Api::Xpay, Api::Xstak, Api::Collect, Api::Payfect];

    pub fn name(self) -> &'static str {
        match self {
            Api::Xpay => "xpay",
            Api::Xstak => "xstak",
            Api::Collect => "collect",
            Api::Payfect => "payfect",
        }
    }
}

/// The two calls measured per API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Retrieve,
}

impl Op {
    pub const ALL: [Op; 2] = [Op::Create, Op::Retrieve];

    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Retrieve => "retrieve",
        }
    }
}

/// Which implementation sends the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Baseline,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Baseline => "baseline",
        }
    }
}

/// A failed call, with the side and operation named.
#[derive(Debug)]
pub struct CallError(pub String);

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CallError {}

fn fail(side: Side, api: Api, op: Op, e: impl fmt::Display) -> CallError {
    CallError(format!(
        "{} {} {} failed: {e}",
        side.name(),
        api.name(),
        op.name()
    ))
}

/// One call; the decoded result is passed through `black_box` and dropped.
pub async fn call(bench: &Bench, side: Side, api: Api, op: Op) -> Result<(), CallError> {
    match side {
        Side::Client => client_call(bench, api, op).await,
        Side::Baseline => baseline_call(bench, api, op).await,
    }
    .map_err(|e| fail(side, api, op, e))
}

async fn client_call(bench: &Bench, api: Api, op: Op) -> Result<(), Box<dyn std::error::Error>> {
    let c = &bench.clients;
    let b = &bench.bodies;
    match (api, op) {
        (Api::Xpay, Op::Create) => {
            let r = c
                .xpay
                .create_checkout_session()
                .body(b.xpay.clone())
                .send()
                .await?;
            black_box(r);
        }
        (Api::Xpay, Op::Retrieve) => {
            let r = c
                .xpay
                .get_checkout_session()
                .id(fixtures::XPAY_SESSION_ID)
                .send()
                .await?;
            black_box(r);
        }
        (Api::Xstak, Op::Create) => {
            let r = c
                .xstak
                .create_checkout_link()
                .body(b.xstak.clone())
                .send()
                .await
                .data()?;
            black_box(r);
        }
        (Api::Xstak, Op::Retrieve) => {
            let r = c
                .xstak
                .retrieve_payment_intent()
                .pi_id(fixtures::XSTAK_INTENT_ID)
                .send()
                .await
                .data()?;
            black_box(r);
        }
        (Api::Collect, Op::Create) => {
            let r = c.collect.create_collection(&b.collect_new).await?;
            black_box(r);
        }
        (Api::Collect, Op::Retrieve) => {
            let r = c
                .collect
                .get_collection(fixtures::COLLECT_COLLECTION_ID)
                .await?;
            black_box(r);
        }
        (Api::Payfect, Op::Create) => {
            let r = c
                .payfect
                .create_checkout()
                .body(b.payfect.clone())
                .send()
                .await?;
            black_box(r);
        }
        (Api::Payfect, Op::Retrieve) => {
            let r = c
                .payfect
                .retrieve_checkout()
                .id(fixtures::PAYFECT_CHECKOUT_ID)
                .send()
                .await?;
            black_box(r);
        }
    }
    Ok(())
}

async fn baseline_call(bench: &Bench, api: Api, op: Op) -> Result<(), Box<dyn std::error::Error>> {
    let h = &bench.baselines;
    let b = &bench.bodies;
    match (api, op) {
        (Api::Xpay, Op::Create) => {
            let body = b.xpay.clone();
            black_box(h.xpay.create_checkout_session(&body).await?);
        }
        (Api::Xpay, Op::Retrieve) => {
            black_box(
                h.xpay
                    .get_checkout_session(fixtures::XPAY_SESSION_ID)
                    .await?,
            );
        }
        (Api::Xstak, Op::Create) => {
            let body = b.xstak.clone();
            black_box(h.xstak.create_checkout_link(&body).await?);
        }
        (Api::Xstak, Op::Retrieve) => {
            black_box(
                h.xstak
                    .retrieve_payment_intent(fixtures::XSTAK_INTENT_ID)
                    .await?,
            );
        }
        (Api::Collect, Op::Create) => {
            let body = b.collect.clone();
            black_box(h.collect.create_collection(&body).await?);
        }
        (Api::Collect, Op::Retrieve) => {
            black_box(
                h.collect
                    .get_collection(fixtures::COLLECT_COLLECTION_ID)
                    .await?,
            );
        }
        (Api::Payfect, Op::Create) => {
            let body = b.payfect.clone();
            black_box(h.payfect.create_checkout(&body).await?);
        }
        (Api::Payfect, Op::Retrieve) => {
            black_box(
                h.payfect
                    .retrieve_checkout(fixtures::PAYFECT_CHECKOUT_ID)
                    .await?,
            );
        }
    }
    Ok(())
}
