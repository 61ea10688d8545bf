//! State transitions shared by the resources: expiry, line items, customers, payment.

#[allow(unused_imports)]
use super::*;

impl Db {
    /// Forgets the oldest objects of each kind past `MAX_OBJECTS`.
    pub(super) fn trim(&mut self) {
        trim_oldest(&mut self.sessions);
        trim_oldest(&mut self.customers);
        trim_oldest(&mut self.payment_links);
        trim_oldest(&mut self.products);
        trim_oldest(&mut self.prices);
        trim_oldest(&mut self.refunds);
        trim_oldest(&mut self.intents);
        trim_oldest(&mut self.charges);
    }

    /// Sessions past `expiresAt` read as expired (and say so once, by webhook).
    pub(super) fn expire_due(&mut self, now: DateTime<Utc>, pending: &mut Vec<Pending>) {
        let due: Vec<usize> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.status == Some(types::CheckoutSessionStatus::Open)
                    && s.expires_at
                        .as_ref()
                        .and_then(parse_ts)
                        .is_some_and(|at| now >= at)
            })
            .map(|(i, _)| i)
            .collect();
        for i in due {
            self.expire(i, now);
            if let Ok(object) = serde_json::to_value(&self.sessions[i]) {
                pending.push(Pending {
                    event_type: "checkout.session.expired",
                    object,
                });
            }
        }
    }

    pub(super) fn expire(&mut self, index: usize, now: DateTime<Utc>) {
        let session = &mut self.sessions[index];
        session.status = Some(types::CheckoutSessionStatus::Expired);
        session.is_expired = Some(true);
        session.updated_at = Some(ts(now));
    }

    pub(super) fn session_index(&self, id: &str) -> Result<usize, ApiErr> {
        self.sessions
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| ApiErr::not_found("checkout session", id))
    }

    pub(super) fn price(&self, id: &str) -> Option<&types::Price> {
        self.prices.iter().find(|p| p.id == id)
    }

    pub(super) fn product(&self, id: &str) -> Option<&types::Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The product as `GET /products/{id}` shows it: with all its prices.
    pub(super) fn product_view(&self, product: &types::Product) -> types::Product {
        let mut view = product.clone();
        view.prices = Some(Some(
            self.prices
                .iter()
                .filter(|p| p.product_id.as_deref() == Some(product.id.as_str()))
                .cloned()
                .collect(),
        ));
        view
    }

    /// Whether any session or payment link references the price.
    pub(super) fn price_used(&self, price_id: &str) -> bool {
        self.price_usage(price_id).iter().any(|&n| n > 0)
    }

    /// (sessions, payment links, line items) referencing the price.
    pub(super) fn price_usage(&self, price_id: &str) -> [i64; 3] {
        let refs = |items: &Option<Option<Vec<types::LineItem>>>| {
            items
                .iter()
                .flatten()
                .flatten()
                .filter(|li| li.price_id.as_deref() == Some(price_id))
                .count() as i64
        };
        let (mut sessions, mut links, mut lines) = (0, 0, 0);
        for s in &self.sessions {
            let n = refs(&s.line_items);
            sessions += i64::from(n > 0);
            lines += n;
        }
        for l in &self.payment_links {
            let n = refs(&l.line_items);
            links += i64::from(n > 0);
            lines += n;
        }
        [sessions, links, lines]
    }

    /// Validates line items and turns them into the response shape; returns them with their
    /// one currency and the total.
    pub(super) fn line_items(
        &self,
        items: &[types::LineItemInput],
        currency: Option<&str>,
        ctx: &Ctx,
    ) -> Result<(Vec<types::LineItem>, String, i64), ApiErr> {
        if items.is_empty() {
            return Err(ApiErr::missing("lineItems"));
        }
        // Three letters, as the spec's pattern says; the sandbox takes any such code (the
        // provider's list of supported currencies is not public), uppercased.
        let mut currency = currency.map(str::to_ascii_uppercase);
        let mut out = Vec::new();
        let mut total: i64 = 0;
        for (i, item) in items.iter().enumerate() {
            let at = format!("lineItems[{i}]");
            // The spec bounds quantity to 1..=1,000,000, so it fits an i64.
            let quantity = i64::try_from(item.quantity.get()).unwrap_or(i64::MAX);
            // `adjustableQuantity`'s bounds are not checked against `quantity`: its field names
            // and rules are unconfirmed, and the sandbox keeps only rules the spec states.
            let (unit_amount, line_currency, price, name) = match (&item.price, &item.price_data) {
                (Some(_), Some(_)) => {
                    return Err(ApiErr::exclusive(
                        &at,
                        "Provide exactly one of price or priceData.",
                    ));
                }
                (None, None) => return Err(ApiErr::missing(&format!("{at}.price"))),
                (Some(price_id), None) => {
                    let param = format!("{at}.price");
                    let price = self
                        .price(price_id)
                        .ok_or_else(|| ApiErr::no_such(&param, "price", price_id))?;
                    if price.active == Some(false) {
                        return Err(ApiErr::invalid(
                            &param,
                            format!("Price {price_id} is archived."),
                        ));
                    }
                    let unit = match &price.type_ {
                        Some(types::PriceType::OneTime) | None => {
                            price.unit_amount.flatten().unwrap_or(0)
                        }
                        Some(types::PriceType::Custom) => price
                            .custom_unit_amount
                            .as_ref()
                            .and_then(|c| c.preset.or(c.minimum))
                            .unwrap_or(0),
                        Some(other) => {
                            return Err(ApiErr::invalid(
                                &param,
                                format!("{other} prices cannot be used at checkout yet."),
                            ));
                        }
                    };
                    let name = price
                        .product_id
                        .as_deref()
                        .and_then(|p| self.product(p))
                        .and_then(|p| p.name.clone());
                    let c = price.currency.clone().unwrap_or_default();
                    (unit, c, Some(price.clone()), name)
                }
                (None, Some(data)) => {
                    let param = format!("{at}.priceData");
                    if data.unit_amount < 0 {
                        return Err(ApiErr::out_of_range(
                            &format!("{param}.unitAmount"),
                            "unitAmount must not be negative",
                        ));
                    }
                    let c = data.currency.to_ascii_uppercase();
                    (
                        data.unit_amount,
                        c,
                        None,
                        Some(data.product_data.name.clone()),
                    )
                }
            };
            match &currency {
                Some(c) if !c.eq_ignore_ascii_case(&line_currency) => {
                    return Err(ApiErr::invalid(
                        &format!("{at}.currency"),
                        format!(
                            "All line items must use one currency; expected {c}, got {line_currency}."
                        ),
                    ));
                }
                Some(_) => {}
                None => currency = Some(line_currency.to_ascii_uppercase()),
            }
            let amount = unit_amount
                .checked_mul(quantity)
                .and_then(|a| total.checked_add(a).map(|t| (a, t)))
                .ok_or_else(|| ApiErr::out_of_range(&at, "amount too large"))?;
            total = amount.1;
            let line = types::LineItem::builder()
                .id(ctx.new_id("li_test_"))
                .object("item".to_string())
                .description(name)
                .currency(currency.clone())
                .quantity(quantity)
                .amount_subtotal(amount.0)
                .amount_total(amount.0)
                .price_id(item.price.clone())
                .price(price)
                .adjustable_quantity(item.adjustable_quantity.clone());
            out.push(built(line.try_into())?);
        }
        Ok((out, currency.unwrap_or_default(), total))
    }

    pub(super) fn customer_exists(&self, id: &str) -> bool {
        self.customers.iter().any(|c| c.id == id)
    }

    /// The customer of a paid session: the one named, else a guest found by email or phone,
    /// else a new one (registered when the session asked for `customerCreation: always`).
    pub(super) fn customer_for(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<String, ApiErr> {
        let session = &self.sessions[index];
        if let Some(Some(id)) = &session.customer_id {
            return Ok(id.clone());
        }
        let details = session.customer_details.clone().unwrap_or_default();
        let always = session.customer_creation == Some(types::CustomerCreation::Always);
        let found = self.customers.iter().find(|c| {
            c.type_ == Some(types::CustomerType::Guest)
                && ((details.email.is_some() && c.email.value() == details.email.as_ref())
                    || (details.phone.is_some() && c.phone.value() == details.phone.as_ref()))
        });
        if let (Some(c), false) = (found, always) {
            return Ok(c.id.clone());
        }
        let kind = if always {
            types::CustomerType::Registered
        } else {
            types::CustomerType::Guest
        };
        let customer: types::Customer = built(
            types::Customer::builder()
                .id(ctx.new_id("cus_test_"))
                .object("customer".to_string())
                .type_(kind)
                .name(details.name)
                .email(details.email)
                .phone(details.phone)
                .merchant_id(MERCHANT_ID.to_string())
                .created_at(ts(now))
                .updated_at(ts(now))
                .try_into(),
        )?;
        let id = customer.id.clone();
        self.customers.push(customer);
        Ok(id)
    }

    pub(super) fn complete(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<(), ApiErr> {
        let customer_id = self.customer_for(index, now, ctx)?;
        let session = self.sessions[index].clone();
        let amount = session.amount_total.unwrap_or(0);
        let currency = session.currency.clone();
        let intent_id = ctx.new_id("pi_test_");
        let charge_id = ctx.new_id("ch_test_");
        // Unconfirmed: XPay's fee schedule; 3 % keeps gross − fee = net visible in tests.
        let fee = amount.saturating_mul(3) / 100;
        let txn: types::BalanceTransaction = built(
            types::BalanceTransaction::builder()
                .id(ctx.new_id("txn_test_"))
                .object("balance_transaction".to_string())
                .amount(amount)
                .fee(fee)
                .net(amount - fee)
                .currency(currency.clone())
                .status(types::BalanceTransactionStatus::Pending)
                .type_(types::BalanceTransactionType::Charge)
                .source(charge_id.clone())
                .payment_intent_id(intent_id.clone())
                .merchant_id(MERCHANT_ID.to_string())
                .available_on(ts(later(now, TimeDelta::days(2))))
                .created_at(ts(now))
                .try_into(),
        )?;
        let details = session.customer_details.clone().unwrap_or_default();
        let charge: types::Charge = built(
            types::Charge::builder()
                .id(charge_id.clone())
                .object("charge".to_string())
                .amount(amount)
                .amount_captured(amount)
                .amount_refunded(0)
                .currency(currency.clone())
                .created_at(ts(now))
                .captured_at(ts(now))
                .status(types::ChargeStatus::Succeeded)
                .paid(true)
                .captured(true)
                .refunded(false)
                .receipt_email(details.email.clone())
                .billing_details(types::BillingDetails {
                    name: details.name.clone(),
                    email: details.email.clone(),
                    phone: Some(details.phone.clone()),
                    address: None,
                })
                .payment_method_details(types::PaymentMethodDetails {
                    type_: Some(types::PaymentMethodType::Card),
                    card: Some(types::CardDetails {
                        brand: Some("visa".into()),
                        country: Some("EG".into()),
                        exp_month: Some(12),
                        exp_year: Some(2034),
                        funding: Some("credit".into()),
                        last4: Some("4242".into()),
                        network: Some("visa".into()),
                        fingerprint: Some("fp_sandbox_4242".into()),
                        three_d_secure: None,
                        wallet: None,
                    }),
                    valu: None,
                })
                .outcome(types::ChargeOutcome {
                    network_status: Some("approved_by_network".into()),
                    reason: None,
                    risk_level: Some("normal".into()),
                    risk_score: Some(10),
                    seller_message: Some("Payment complete.".into()),
                    type_: Some("authorized".into()),
                })
                .balance_transaction(txn)
                .payment_intent_id(intent_id.clone())
                .try_into(),
        )?;
        let intent: types::PaymentIntent = built(
            types::PaymentIntent::builder()
                .id(intent_id.clone())
                .object("payment_intent".to_string())
                .checkout_session_id(session.id.clone())
                .amount(amount)
                .amount_capturable(0)
                .amount_received(amount)
                .amount_refunded(0)
                .currency(currency)
                .status(types::PaymentIntentStatus::Succeeded)
                .customer_id(customer_id.clone())
                .latest_charge(charge_id)
                .metadata(session.metadata.clone())
                .created_at(ts(now))
                .try_into(),
        )?;
        let customer = self
            .customers
            .iter()
            .find(|c| c.id == customer_id)
            .map(|c| types::SessionCustomer {
                id: Some(c.id.clone()),
                type_: c.type_.clone(),
                name: c.name.clone().flatten(),
                email: c.email.clone().flatten(),
                phone: c.phone.clone().flatten(),
                address: c.address.clone(),
                shipping: None,
                metadata: c.metadata.clone(),
            });
        self.charges.push(charge);
        self.intents.push(intent.clone());
        let session = &mut self.sessions[index];
        session.status = Some(types::CheckoutSessionStatus::Complete);
        session.payment_status = Some(types::CheckoutSessionPaymentStatus::Paid);
        session.customer_id = Some(Some(customer_id));
        session.customer = customer.map(Into::into);
        session.payment_intent_id = Some(Some(intent_id));
        session.payment_intent = Some(intent);
        session.updated_at = Some(ts(now));
        Ok(())
    }

    pub(super) fn fail(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        ctx: &Ctx,
    ) -> Result<(), ApiErr> {
        let session = self.sessions[index].clone();
        let intent_id = session
            .payment_intent_id
            .clone()
            .flatten()
            .unwrap_or_else(|| ctx.new_id("pi_test_"));
        let charge: types::Charge = built(
            types::Charge::builder()
                .id(ctx.new_id("ch_test_"))
                .object("charge".to_string())
                .amount(session.amount_total)
                .amount_captured(0)
                .amount_refunded(0)
                .currency(session.currency.clone())
                .created_at(ts(now))
                .status(types::ChargeStatus::Failed)
                .paid(false)
                .captured(false)
                .refunded(false)
                .failure_code("card_declined".to_string())
                .failure_message("Your card was declined.".to_string())
                .payment_intent_id(intent_id.clone())
                .try_into(),
        )?;
        let intent: types::PaymentIntent = built(
            types::PaymentIntent::builder()
                .id(intent_id.clone())
                .object("payment_intent".to_string())
                .checkout_session_id(session.id.clone())
                .amount(session.amount_total)
                .amount_capturable(0)
                .amount_received(0)
                .amount_refunded(0)
                .currency(session.currency.clone())
                .status(types::PaymentIntentStatus::RequiresPaymentMethod)
                .last_payment_error(types::LastPaymentError {
                    type_: Some("card_error".into()),
                    code: Some("card_declined".into()),
                    decline_code: Some("generic_decline".into()),
                    message: Some("Your card was declined.".into()),
                    ..Default::default()
                })
                .created_at(ts(now))
                .try_into(),
        )?;
        self.charges.push(charge);
        self.intents.retain(|i| i.id != intent_id);
        self.intents.push(intent.clone());
        let session = &mut self.sessions[index];
        session.payment_intent_id = Some(Some(intent_id));
        session.payment_intent = Some(intent);
        session.updated_at = Some(ts(now));
        Ok(())
    }
}
