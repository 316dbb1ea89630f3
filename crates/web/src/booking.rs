//! Booking a session: the booking page (price, promo code, how to pay), the
//! booking's status page, paying a pending booking, and cancelling one with
//! its money consequence stated first.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::bookings::{BookError, BookInput};
use medicaledu_app::dashboard::{BookingDetail, CancelConsequence};
use medicaledu_app::promo::PreviewError;
use medicaledu_app::{Actor, AppContext};
use medicaledu_domain::{
    BookingRuleError, BookingStatus, Id, PaymentKind, PaymentProvider, PaymentStatus, Role,
};
use medicaledu_payments::ProviderName;
use serde::Deserialize;

use crate::auth::Empty;
use crate::checkout;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// Where a visitor who is not a signed-in student goes instead.
pub(crate) enum Detour {
    /// Sign in first, then come back here.
    SignIn(String),
    /// Instructors and admins do not book.
    Forbidden,
}

impl IntoResponse for Detour {
    fn into_response(self) -> Response {
        match self {
            Detour::SignIn(back) => Redirect::to(&format!("/signin?next={back}")).into_response(),
            Detour::Forbidden => PageError::Forbidden.into_response(),
        }
    }
}

pub(crate) fn student<'a>(visitor: &'a Visitor, back: &str) -> Result<&'a Actor, Detour> {
    match &visitor.actor {
        None => Err(Detour::SignIn(back.to_owned())),
        Some(actor) if actor.is(Role::Student) => Ok(actor),
        Some(_) => Err(Detour::Forbidden),
    }
}

/// The signed-in student's own booking named by the path's `id`, for a page
/// at `/bookings/{id}{page}`; anyone else is sent to sign in first (and back
/// here), refused, or told it does not exist.
pub(crate) async fn own_booking<'a>(
    ctx: &AppContext,
    visitor: &'a Visitor,
    id: &str,
    page: &str,
) -> Result<Result<(&'a Actor, BookingDetail), Response>, PageError> {
    let id = parse_id(id)?;
    let actor = match student(visitor, &format!("/bookings/{id}{page}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(Err(detour.into_response())),
    };
    let detail = medicaledu_app::dashboard::my_booking(ctx, actor, id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Ok((actor, detail)))
}

pub struct ProviderChoice {
    pub value: &'static str,
    pub label: String,
}

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    chrome: Chrome,
    slot_id: String,
    course_title: String,
    course_slug: String,
    when: String,
    list_price: String,
    discount: Option<String>,
    total: String,
    free: bool,
    promo: String,
    promo_error: Option<String>,
    promo_applied: Option<String>,
    problem: Option<String>,
    providers: Vec<ProviderChoice>,
    /// A fresh idempotency key per rendering: a double-submitted form books once.
    key: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BookQuery {
    #[serde(default)]
    promo: String,
}

async fn book_page(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    slot_id: Id,
    promo: &str,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let (slot, course) = medicaledu_app::dashboard::offer(ctx, slot_id)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let promo = promo.trim();
    let (mut discount, mut total_minor, mut promo_error, mut promo_applied) =
        (None, slot.price_minor, None, None);
    if !promo.is_empty() {
        match medicaledu_app::promo::preview(ctx, actor, promo, slot.id).await {
            Ok(preview) => {
                discount = Some(view::money(preview.discount_minor, &preview.currency, tr));
                total_minor = preview.total_minor;
                promo_applied = Some(tr.t_with(
                    "book-promo-applied",
                    &[
                        ("code", Arg::Text(preview.code)),
                        (
                            "total",
                            Arg::Text(view::money(total_minor, &slot.currency, tr)),
                        ),
                    ],
                ));
            }
            Err(PreviewError::UnknownCode) => promo_error = Some(tr.t("book-promo-unknown")),
            Err(PreviewError::Invalid(invalid)) => {
                promo_error = invalid.0.first().map(|e| e.message.clone());
            }
            Err(e) => return Err(PageError::from_failure(&e)),
        }
    }
    let mut providers = Vec::new();
    if checkout::card_available(ctx) {
        providers.push(ProviderChoice {
            value: ProviderName::Stripe.as_str(),
            label: tr.t("pay-stripe"),
        });
    }
    if checkout::paypal_available(ctx) {
        providers.push(ProviderChoice {
            value: ProviderName::Paypal.as_str(),
            label: tr.t("pay-paypal"),
        });
    }
    if ctx.providers.is_configured(ProviderName::Manual) {
        providers.push(ProviderChoice {
            value: ProviderName::Manual.as_str(),
            label: tr.t("pay-manual"),
        });
    }
    let page = BookPage {
        chrome: Chrome::new(ctx, visitor, tr.t("book-title")).await?,
        slot_id: slot.id.to_string(),
        course_title: course.title.clone(),
        course_slug: course.slug.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        list_price: view::money(slot.price_minor, &slot.currency, tr),
        discount,
        total: view::money(total_minor, &slot.currency, tr),
        free: total_minor == 0,
        promo: promo.to_owned(),
        promo_error,
        promo_applied,
        problem,
        providers,
        key: Id::generate().to_string(),
    };
    Ok(respond(ctx, visitor, &page))
}

/// `GET /book/{slot_id}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(slot_id): Path<String>,
    Query(query): Query<BookQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&slot_id)?;
    let actor = match student(&visitor, &format!("/book/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    book_page(&ctx, &visitor, actor, id, &query.promo, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct BookForm {
    #[serde(default)]
    promo_code: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    pay: String,
}

/// `POST /book/{slot_id}`: books the seat, starts the chosen payment for a
/// priced booking, and shows the booking's status.
pub async fn book(
    State(ctx): State<AppContext>,
    Path(slot_id): Path<String>,
    Form { visitor, data }: Form<BookForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&slot_id)?;
    let actor = match student(&visitor, &format!("/book/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    let input = BookInput {
        slot_id: id,
        promo_code: Some(data.promo_code.trim().to_owned()).filter(|c| !c.is_empty()),
        idempotency_key: Some(data.key.clone()).filter(|k| !k.is_empty() && k.len() <= 200),
    };
    let tr = &visitor.tr;
    let booked = match medicaledu_app::bookings::book(&ctx, actor, &visitor.meta, input).await {
        Ok(booked) => booked.booking,
        Err(e) => {
            let message = match &e {
                BookError::SlotFull => tr.t("book-full"),
                BookError::AlreadyBooked => tr.t("book-already"),
                BookError::SlotNotOpen => tr.t("book-not-open"),
                BookError::Rule(BookingRuleError::TooLate { .. }) => tr.t("book-too-late"),
                BookError::Forbidden(_) => tr.t("book-students-only"),
                BookError::Invalid(invalid) => invalid
                    .0
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => return Err(PageError::from_failure(&e)),
            };
            let mut response =
                book_page(&ctx, &visitor, actor, id, &data.promo_code, Some(message)).await?;
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            return Ok(response);
        }
    };
    if booked.status == BookingStatus::Pending {
        if data.pay == ProviderName::Manual.as_str() {
            pay_manually(&ctx, &visitor, actor, booked.id).await?;
        } else if data.pay == ProviderName::Stripe.as_str() && checkout::card_available(&ctx) {
            return Ok(Redirect::to(&format!("/bookings/{}/card", booked.id)).into_response());
        } else if data.pay == ProviderName::Paypal.as_str() && checkout::paypal_available(&ctx) {
            return Ok(Redirect::to(&format!("/bookings/{}/paypal", booked.id)).into_response());
        }
    }
    Ok(Redirect::to(&format!("/bookings/{}", booked.id)).into_response())
}

async fn pay_manually(
    ctx: &AppContext,
    visitor: &Visitor,
    actor: &Actor,
    booking_id: Id,
) -> Result<(), PageError> {
    let key = format!("web:{booking_id}:manual");
    match medicaledu_app::payments::create_charge(
        ctx,
        actor,
        &visitor.meta,
        booking_id,
        ProviderName::Manual.as_str(),
        Some(&key),
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingPage {
    chrome: Chrome,
    id: String,
    heading: String,
    course_title: String,
    course_slug: String,
    when: String,
    status_text: String,
    total: String,
    pending: bool,
    card: bool,
    paypal: bool,
    /// A manual payment is already on its way; no need to offer it again.
    manual_chosen: bool,
}

fn status_name(status: BookingStatus, tr: &Tr) -> String {
    tr.t(&format!("status-{status}"))
}

/// `GET /bookings/{id}`: where a booking stands; a pending one shows how long
/// its seat is held and refreshes itself (with JavaScript) until paid.
pub async fn status(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (actor, detail) = match own_booking(&ctx, &visitor, &id, "").await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    let BookingDetail {
        booking,
        slot,
        course,
        ..
    } = detail;
    let tr = &visitor.tr;
    let pending = booking.status == BookingStatus::Pending;
    // Chosen to pay at the venue / by invoice: say so, and offer it no more.
    let paying_manually = pending
        && medicaledu_app::payments::booking_payments(&ctx, actor, booking.id)
            .await
            .map_err(|e| PageError::from_failure(&e))?
            .iter()
            .any(|p| {
                p.provider == PaymentProvider::Manual
                    && p.kind == PaymentKind::Charge
                    && p.status == PaymentStatus::Pending
            });
    let (heading, status_text) = match booking.status {
        BookingStatus::Confirmed => (tr.t("booking-confirmed-title"), tr.t("booking-confirmed")),
        BookingStatus::Pending => {
            let until = booking.hold_expires_at.unwrap_or(slot.starts_at);
            let minutes = (*until.as_datetime() - *ctx.now().as_datetime())
                .num_minutes()
                .max(0);
            let until = Arg::Text(view::when(until, &visitor.zone, tr));
            let text = if paying_manually {
                tr.t_with("booking-pending-manual", &[("until", until)])
            } else {
                tr.t_with(
                    "booking-pending",
                    &[("until", until), ("minutes", Arg::Number(minutes))],
                )
            };
            (tr.t("booking-pending-title"), text)
        }
        other => (
            tr.t("booking-other-title"),
            tr.t_with(
                "booking-status",
                &[("status", Arg::Text(status_name(other, tr)))],
            ),
        ),
    };
    let page = BookingPage {
        chrome: Chrome::new(&ctx, &visitor, heading.clone()).await?,
        id: booking.id.to_string(),
        heading,
        course_title: course.title.clone(),
        course_slug: course.slug.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        status_text,
        total: view::money(booking.total_minor, &booking.currency, tr),
        pending,
        card: pending && checkout::card_available(&ctx),
        paypal: pending && checkout::paypal_available(&ctx),
        manual_chosen: paying_manually,
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /bookings/{id}/pay`: pay a pending booking at the venue / by invoice.
pub async fn pay(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match student(&visitor, &format!("/bookings/{id}")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    pay_manually(&ctx, &visitor, actor, id).await?;
    Ok(Redirect::to(&format!("/bookings/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "cancel.html")]
struct CancelPage {
    chrome: Chrome,
    id: String,
    course_title: String,
    course_slug: String,
    when: String,
    consequence: String,
}

/// What cancelling now means for the money, in words.
pub fn consequence_text(consequence: CancelConsequence, amount: &str, tr: &Tr) -> String {
    let amount = Arg::Text(amount.to_owned());
    match consequence {
        CancelConsequence::NothingPaid => tr.t("cancel-nothing-paid"),
        CancelConsequence::Refunded => tr.t_with("cancel-refunded", &[("amount", amount)]),
        CancelConsequence::NotRefunded => tr.t_with("cancel-not-refunded", &[("amount", amount)]),
    }
}

/// `GET /bookings/{id}/cancel`: the confirmation step, stating the refund.
pub async fn cancel_page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let detail = match own_booking(&ctx, &visitor, &id, "/cancel").await? {
        Ok((_, detail)) => detail,
        Err(detour) => return Ok(detour),
    };
    let tr = &visitor.tr;
    let consequence =
        CancelConsequence::of(&ctx, &detail.booking, detail.slot.starts_at, ctx.now());
    let page = CancelPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("cancel-title")).await?,
        id: detail.booking.id.to_string(),
        course_title: detail.course.title.clone(),
        course_slug: detail.course.slug.clone(),
        when: view::when(detail.slot.starts_at, &visitor.zone, tr),
        consequence: consequence_text(
            consequence,
            &view::money(detail.booking.total_minor, &detail.booking.currency, tr),
            tr,
        ),
    };
    Ok(respond(&ctx, &visitor, &page))
}

/// `POST /bookings/{id}/cancel`.
pub async fn cancel(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = match student(&visitor, &format!("/bookings/{id}/cancel")) {
        Ok(actor) => actor,
        Err(detour) => return Ok(detour.into_response()),
    };
    medicaledu_app::bookings::cancel(&ctx, actor, &visitor.meta, id, None)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok(Redirect::to("/me").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refund_consequence_is_stated_in_words() {
        let en = Tr::default();
        assert_eq!(
            consequence_text(CancelConsequence::NothingPaid, "EUR 40.00", &en),
            en.t("cancel-nothing-paid")
        );
        let refunded = consequence_text(CancelConsequence::Refunded, "EUR 40.00", &en);
        assert!(refunded.contains("EUR 40.00"), "{refunded}");
        assert!(refunded.contains("refunded in full"), "{refunded}");
        let kept = consequence_text(CancelConsequence::NotRefunded, "EUR 40.00", &en);
        assert!(
            kept.contains("EUR 40.00") && kept.contains("not refunded"),
            "{kept}"
        );
        let de = Tr::negotiate(Some("de"), None);
        let erstattet = consequence_text(CancelConsequence::Refunded, "EUR 40.00", &de);
        assert!(erstattet.contains("EUR 40.00"), "{erstattet}");
        assert_ne!(erstattet, refunded, "German has its own words");
    }
}
