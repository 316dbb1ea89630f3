//! `/admin/payments`: payments by status, provider, currency and date; one
//! payment's page with its refunds, "Refund" (partial allowed, never above
//! what is left) and "Mark as paid" for a manual charge, each confirmed
//! before it is done.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::payments::{MarkInput, PaymentListInput, RefundError, RefundInput};
use medicaledu_app::{AppContext, Failure};
use medicaledu_domain::{Currency, Id, PaymentKind, PaymentProvider, PaymentStatus};
use medicaledu_store::payments::PaymentRow;
use serde::Deserialize;

use super::{Choice, Confirm, admin, choices, day_start, next_page, some};
use crate::auth::Empty;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    provider: Option<String>,
    currency: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// A booking's payments, from a payment's page.
    booking: Option<String>,
    cursor: Option<String>,
}

pub struct PaymentLine {
    pub id: String,
    pub when: String,
    pub kind: String,
    pub provider: String,
    pub amount: String,
    pub refunded: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "admin_payments.html")]
struct PaymentsPage {
    chrome: Chrome,
    statuses: Vec<Choice>,
    providers: Vec<Choice>,
    currency: String,
    from: String,
    to: String,
    payments: Vec<PaymentLine>,
    problem: Option<String>,
    next_page: Option<String>,
}

fn status_label(tr: &Tr, status: PaymentStatus) -> String {
    tr.t(&format!("payment-status-{}", status.as_str()))
}

fn provider_label(tr: &Tr, provider: &str) -> String {
    tr.t(&format!("payment-provider-{provider}"))
}

fn kind_label(tr: &Tr, kind: PaymentKind) -> String {
    tr.t(&format!("payment-kind-{}", kind.as_str()))
}

fn line(row: &PaymentRow, visitor: &Visitor) -> PaymentLine {
    let tr = &visitor.tr;
    PaymentLine {
        id: row.id.to_string(),
        when: view::when(row.created_at, &visitor.zone, tr),
        kind: kind_label(tr, row.kind),
        provider: provider_label(tr, row.provider.as_str()),
        amount: view::money(row.amount_minor, &row.currency, tr),
        refunded: if row.refunded_minor > 0 {
            view::money(row.refunded_minor, &row.currency, tr)
        } else {
            String::new()
        },
        status: status_label(tr, row.status),
    }
}

/// `GET /admin/payments`.
pub async fn list(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, "/admin/payments") {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let tr = &visitor.tr;
    let mut problem = None;
    let mut date = |name: &str, value: &Option<String>, days_after| {
        some(value).and_then(|v| {
            let parsed = day_start(&v, &visitor.zone, days_after);
            if parsed.is_none() {
                problem = Some(tr.t_with("admin-bad-date", &[("field", Arg::Text(tr.t(name)))]));
            }
            parsed
        })
    };
    let from = date("admin-filter-from", &query.from, 0);
    let to = date("admin-filter-to", &query.to, 1);
    let input = PaymentListInput {
        status: some(&query.status),
        provider: some(&query.provider),
        currency: some(&query.currency),
        booking_id: some(&query.booking),
        from,
        to,
        cursor: some(&query.cursor),
        limit: Some(50),
        ..PaymentListInput::default()
    };
    let (rows, next) = if problem.is_some() {
        (Vec::new(), None)
    } else {
        match medicaledu_app::payments::list(&ctx, actor, input).await {
            Ok(page) => (page.items, page.next_cursor),
            Err(medicaledu_app::ReadError::Invalid(invalid)) => {
                problem = Some(invalid.to_string());
                (Vec::new(), None)
            }
            Err(e) => return Err(PageError::from_failure(&e)),
        }
    };
    let statuses: Vec<&str> = PaymentStatus::ALL
        .iter()
        .map(PaymentStatus::as_str)
        .collect();
    let providers: Vec<&str> = PaymentProvider::ALL
        .iter()
        .map(PaymentProvider::as_str)
        .collect();
    let page = PaymentsPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-payments-title")).await?,
        statuses: choices(&statuses, &query.status, |s| {
            s.parse()
                .map_or_else(|_| s.to_owned(), |s| status_label(tr, s))
        }),
        providers: choices(&providers, &query.provider, |p| provider_label(tr, p)),
        currency: query.currency.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        payments: rows.iter().map(|row| line(row, &visitor)).collect(),
        problem,
        next_page: next_page(
            "/admin/payments",
            &[
                ("status", &query.status),
                ("provider", &query.provider),
                ("currency", &query.currency),
                ("from", &query.from),
                ("to", &query.to),
                ("booking", &query.booking),
            ],
            next,
        ),
    };
    Ok(respond(&ctx, &visitor, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentQuery {
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_payment.html")]
struct PaymentPage {
    chrome: Chrome,
    payment: PaymentLine,
    booking_id: String,
    provider_payment_id: Option<String>,
    failure_reason: Option<String>,
    refunds: Vec<PaymentLine>,
    /// What is left to refund, as typed in the amount field; `None` when
    /// nothing can be refunded.
    refundable: Option<String>,
    left: String,
    mark_paid: bool,
    amount: String,
    reason: String,
    amount_error: Option<String>,
    reason_error: Option<String>,
    refusal: Option<String>,
}

/// The amount left on a charge as the amount field shows it: `24.50`.
fn major(amount_minor: i64, currency: &str) -> String {
    Currency::parse(currency).map_or_else(
        |_| amount_minor.to_string(),
        |c| c.amount_text(amount_minor),
    )
}

/// What the refund form was given back, with what was wrong with it.
#[derive(Default)]
struct RefundAttempt {
    amount: Option<String>,
    reason: Option<String>,
    amount_error: Option<String>,
    reason_error: Option<String>,
    refusal: Option<String>,
}

async fn render_payment(
    ctx: &AppContext,
    visitor: &Visitor,
    id: Id,
    done: Option<&str>,
    attempt: RefundAttempt,
) -> Result<Response, PageError> {
    let actor = match admin(visitor, &format!("/admin/payments/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let detail = medicaledu_app::payments::detail(ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let payment = &detail.payment;
    let left_minor = payment.amount_minor - payment.refunded_minor;
    let refundable = (payment.kind == PaymentKind::Charge
        && payment.status == PaymentStatus::Succeeded
        && left_minor > 0)
        .then(|| major(left_minor, &payment.currency));
    let mut chrome = Chrome::new(ctx, visitor, tr.t("admin-payment-title")).await?;
    if let Some(done) = done
        && ["refunded", "paid"].contains(&done)
    {
        chrome
            .flash
            .push(tr.t(&format!("admin-payment-done-{done}")));
    }
    let page = PaymentPage {
        chrome,
        payment: line(payment, visitor),
        booking_id: payment.booking_id.to_string(),
        provider_payment_id: payment.provider_payment_id.clone(),
        failure_reason: payment.failure_reason.clone(),
        refunds: detail.refunds.iter().map(|r| line(r, visitor)).collect(),
        left: view::money(left_minor, &payment.currency, tr),
        amount: attempt
            .amount
            .or_else(|| refundable.clone())
            .unwrap_or_default(),
        refundable,
        mark_paid: payment.kind == PaymentKind::Charge
            && payment.provider == PaymentProvider::Manual
            && matches!(
                payment.status,
                PaymentStatus::Pending | PaymentStatus::RequiresAction
            ),
        reason: attempt.reason.unwrap_or_default(),
        amount_error: attempt.amount_error,
        reason_error: attempt.reason_error,
        refusal: attempt.refusal,
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /admin/payments/{id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<PaymentQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    render_payment(
        &ctx,
        &visitor,
        id,
        query.done.as_deref(),
        RefundAttempt::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct RefundForm {
    amount: String,
    reason: String,
    /// Set by the confirmation step; without it the form only asks.
    confirm: Option<String>,
    /// Generated by the confirmation step, so that submitting it twice
    /// refunds once.
    key: Option<String>,
}

/// `POST /admin/payments/{id}/refund`: first the confirmation of what will be
/// refunded, then, confirmed, the refund.
pub async fn refund(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<RefundForm>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/payments/{id}")) {
        Ok(actor) => actor.clone(),
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let tr = &visitor.tr;
    let detail = medicaledu_app::payments::detail(&ctx, &actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let charge = &detail.payment;
    let back = |attempt: RefundAttempt| render_payment(&ctx, &visitor, id, None, attempt);
    let mut attempt = RefundAttempt {
        amount: Some(data.amount.clone()),
        reason: Some(data.reason.clone()),
        ..RefundAttempt::default()
    };
    let amount =
        Currency::parse(&charge.currency).and_then(|currency| currency.parse_amount(&data.amount));
    match &amount {
        Ok(0) => attempt.amount_error = Some(tr.t("admin-refund-amount-zero")),
        Ok(_) => {}
        Err(issue) => attempt.amount_error = Some(issue.message.clone()),
    }
    if data.reason.trim().is_empty() {
        attempt.reason_error = Some(tr.t("admin-refund-reason-required"));
    }
    let Ok(amount_minor) = amount else {
        return back(attempt).await;
    };
    if attempt.amount_error.is_some() || attempt.reason_error.is_some() {
        return back(attempt).await;
    }
    if data.confirm.is_none() {
        let page = Confirm {
            chrome: Chrome::new(&ctx, &visitor, tr.t("admin-refund-confirm-title")).await?,
            heading: tr.t_with(
                "admin-refund-confirm-heading",
                &[
                    (
                        "amount",
                        Arg::Text(view::money(amount_minor, &charge.currency, tr)),
                    ),
                    (
                        "charge",
                        Arg::Text(view::money(charge.amount_minor, &charge.currency, tr)),
                    ),
                ],
            ),
            consequence: tr.t_with(
                "admin-refund-confirm-consequence",
                &[(
                    "provider",
                    Arg::Text(provider_label(tr, charge.provider.as_str())),
                )],
            ),
            action: format!("/admin/payments/{id}/refund"),
            fields: vec![
                ("amount".into(), data.amount.clone()),
                ("reason".into(), data.reason.clone()),
                ("confirm".into(), "1".into()),
                ("key".into(), format!("admin-page-{}", Id::generate())),
            ],
            confirm: tr.t("admin-refund-confirm"),
            back: format!("/admin/payments/{id}"),
        };
        return Ok(respond(&ctx, &visitor, &page));
    }
    let input = RefundInput {
        amount_minor: Some(amount_minor),
        reason: data.reason.trim().to_owned(),
        idempotency_key: data.key.clone(),
    };
    match medicaledu_app::payments::create_refund(&ctx, &actor, &visitor.meta, id, input).await {
        Ok(_) | Err(RefundError::Duplicate) => {
            Ok(Redirect::to(&format!("/admin/payments/{id}?done=refunded")).into_response())
        }
        Err(RefundError::ExceedsCharge | RefundError::NothingLeft) => {
            attempt.amount_error = Some(tr.t("admin-refund-exceeds"));
            back(attempt).await
        }
        Err(RefundError::Invalid(invalid)) => {
            attempt.refusal = Some(invalid.to_string());
            back(attempt).await
        }
        Err(e @ (RefundError::NotRefundable | RefundError::Provider(_))) => {
            attempt.refusal = Some(e.to_string());
            if let Some(internal) = e.internal() {
                tracing::warn!(error = %internal, "refund from the admin page failed");
            }
            back(attempt).await
        }
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

/// `GET /admin/payments/{id}/mark-paid`: what marking a manual charge paid
/// does, before it is done.
pub async fn confirm_mark_paid(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/payments/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let detail = medicaledu_app::payments::detail(&ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let charge = &detail.payment;
    let page = Confirm {
        chrome: Chrome::new(&ctx, &visitor, tr.t("admin-mark-paid-title")).await?,
        heading: tr.t_with(
            "admin-mark-paid-heading",
            &[(
                "amount",
                Arg::Text(view::money(charge.amount_minor, &charge.currency, tr)),
            )],
        ),
        consequence: tr.t("admin-mark-paid-consequence"),
        action: format!("/admin/payments/{id}/mark-paid"),
        fields: Vec::new(),
        confirm: tr.t("admin-mark-paid"),
        back: format!("/admin/payments/{id}"),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /admin/payments/{id}/mark-paid`: settles a manual charge as paid,
/// which confirms its booking.
pub async fn mark_paid(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let actor = match admin(&visitor, &format!("/admin/payments/{id}")) {
        Ok(actor) => actor,
        Err(answer) => return Ok(answer.into_response()),
    };
    let id = parse_id(&id)?;
    let input = MarkInput {
        status: PaymentStatus::Succeeded.as_str().to_owned(),
        failure_reason: None,
    };
    medicaledu_app::payments::mark(&ctx, actor, &visitor.meta, id, input)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Redirect::to(&format!("/admin/payments/{id}?done=paid")).into_response())
}
