//! Paying on the booking's own pages with a provider's script: by card with
//! Stripe's Payment Element, and with PayPal's buttons. Each page loads its
//! provider's script from the provider (as they require) and opens its
//! Content-Security-Policy to just that provider; every other page keeps the
//! site's own policy. Without JavaScript these pages say so and offer paying
//! at the venue / by invoice.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use medicaledu_app::AppContext;
use medicaledu_app::dashboard::BookingDetail;
use medicaledu_app::payments::{CaptureError, CardCheckout, ChargeError};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Empty;
use crate::booking::own_booking;
use crate::error::{PageError, parse_id};
use crate::form::Form;
use crate::i18n::Arg;
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// Whether pages can take cards: Stripe with a publishable key for Stripe.js.
pub fn card_available(ctx: &AppContext) -> bool {
    ctx.providers
        .stripe()
        .is_ok_and(|stripe| stripe.browser().is_some())
}

/// Whether pages offer PayPal's buttons: PayPal is configured.
pub fn paypal_available(ctx: &AppContext) -> bool {
    ctx.providers.paypal().is_ok()
}

fn with_policy(mut response: Response, policy: Option<String>) -> Response {
    if let Some(value) = policy.and_then(|p| HeaderValue::from_str(&p).ok()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `" origin"` of `url` when it is not `usual`: a configured stand-in for the
/// provider's script, admitted beside the provider's own origins.
fn other_origin(url: &str, usual: &str) -> String {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|origin| origin != usual)
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "card.html")]
struct CardPage {
    chrome: Chrome,
    id: String,
    course_title: String,
    when: String,
    total: String,
    /// Set when the card form can be shown; otherwise `problem` says why not.
    checkout: Option<CardCheckout>,
    problem: Option<String>,
    pay_label: String,
    card_js: String,
}

/// `GET /bookings/{id}/card`: Stripe's Payment Element for a pending booking.
/// Stripe.js confirms the payment in the browser and comes back to the
/// booking's page, which turns confirmed when Stripe's webhook arrives.
pub async fn card(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (actor, detail) = match own_booking(&ctx, &visitor, &id, "/card").await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    let BookingDetail {
        booking,
        slot,
        course,
        ..
    } = detail;
    let id = booking.id;
    let tr = &visitor.tr;
    let (checkout, problem) =
        match medicaledu_app::payments::card_checkout(&ctx, actor, &visitor.meta, id).await {
            Ok(checkout) => (Some(checkout), None),
            Err(ChargeError::NotPayable | ChargeError::AlreadyPaid) => {
                return Ok(Redirect::to(&format!("/bookings/{id}")).into_response());
            }
            Err(ChargeError::Provider(_)) => (None, Some(tr.t("card-unavailable"))),
            Err(e) => return Err(PageError::from_failure(&e)),
        };
    let csp = checkout.as_ref().map(|c| card_policy(&c.js_url));
    let page = CardPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("card-title")).await?,
        id: booking.id.to_string(),
        course_title: course.title.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        total: view::money(booking.total_minor, &booking.currency, tr),
        checkout,
        problem,
        pay_label: tr.t_with(
            "card-pay",
            &[(
                "amount",
                Arg::Text(view::money(booking.total_minor, &booking.currency, tr)),
            )],
        ),
        card_js: crate::assets::url("card.js"),
    };
    Ok(with_policy(respond(&ctx, &visitor, &page), csp))
}

/// The card page's Content-Security-Policy: the site's own, opened to what
/// Stripe.js needs (Stripe's published list), and to the origin Stripe.js is
/// configured to load from when that is another (a stand-in in tests).
fn card_policy(js_url: &str) -> String {
    let extra = other_origin(js_url, "https://js.stripe.com");
    format!(
        "default-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com{extra}; \
         style-src 'self'; img-src 'self' data: https://*.stripe.com; font-src 'self'; \
         connect-src 'self' https://api.stripe.com{extra}; \
         frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com{extra}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

#[derive(Template)]
#[template(path = "paypal.html")]
struct PaypalPage {
    chrome: Chrome,
    id: String,
    course_title: String,
    when: String,
    total: String,
    sdk_url: String,
    paypal_js: String,
    /// For the inline styles PayPal's buttons add (`data-csp-nonce`).
    nonce: String,
}

/// `GET /bookings/{id}/paypal`: PayPal's buttons for a pending booking. The
/// buttons ask this site for an order, the payer approves it at PayPal, and
/// the capture confirms the booking.
pub async fn paypal(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let paypal = ctx.providers.paypal().map_err(|_| PageError::NotFound)?;
    let (_, detail) = match own_booking(&ctx, &visitor, &id, "/paypal").await? {
        Ok(found) => found,
        Err(detour) => return Ok(detour),
    };
    let BookingDetail {
        booking,
        slot,
        course,
        ..
    } = detail;
    let id = booking.id;
    if booking.status != medicaledu_domain::BookingStatus::Pending {
        return Ok(Redirect::to(&format!("/bookings/{id}")).into_response());
    }
    let tr = &visitor.tr;
    let sdk_url = paypal.sdk_script(&booking.currency);
    let nonce = nonce();
    let extra = other_origin(&sdk_url, "https://www.paypal.com");
    let policy = format!(
        "default-src 'self'; script-src 'self' https://www.paypal.com https://*.paypal.com{extra}; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: https://*.paypal.com https://*.paypalobjects.com; \
         font-src 'self'; connect-src 'self' https://*.paypal.com{extra}; \
         frame-src https://*.paypal.com{extra}; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    );
    let page = PaypalPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("paypal-title")).await?,
        id: booking.id.to_string(),
        course_title: course.title.clone(),
        when: view::when(slot.starts_at, &visitor.zone, tr),
        total: view::money(booking.total_minor, &booking.currency, tr),
        sdk_url,
        paypal_js: crate::assets::url("paypal.js"),
        nonce,
    };
    Ok(with_policy(respond(&ctx, &visitor, &page), Some(policy)))
}

/// A fresh Content-Security-Policy nonce: 128 random bits.
fn nonce() -> String {
    let mut bytes = [0_u8; 16];
    // Without randomness no nonce can be trusted; a fixed one would only
    // admit styles the policy would refuse, so an empty nonce is safer.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `POST /bookings/{id}/paypal/order`: the buttons' `createOrder`. Answers
/// `{"id": order id}`; a booking no longer awaiting payment is 409.
pub async fn paypal_order(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let Some(actor) = visitor.actor.as_ref() else {
        return Err(PageError::Forbidden);
    };
    match medicaledu_app::payments::paypal_order(&ctx, actor, &visitor.meta, id).await {
        Ok(payment) => Ok(axum::Json(json!({ "id": payment.provider_payment_id })).into_response()),
        Err(ChargeError::NotPayable | ChargeError::AlreadyPaid) => Ok((
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": visitor.tr.t("paypal-not-payable") })),
        )
            .into_response()),
        Err(ChargeError::Provider(_)) => Ok((
            StatusCode::BAD_GATEWAY,
            axum::Json(json!({ "error": visitor.tr.t("paypal-unavailable") })),
        )
            .into_response()),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaptureForm {
    #[serde(default)]
    order_id: String,
}

/// `POST /bookings/{id}/paypal/capture`: the buttons' `onApprove`. Captures
/// the approved order and sends the payer to the booking's page, which shows
/// it confirmed.
pub async fn paypal_capture(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    Form { visitor, data }: Form<CaptureForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let Some(actor) = visitor.actor.as_ref() else {
        return Err(PageError::Forbidden);
    };
    match medicaledu_app::payments::paypal_capture(&ctx, actor, &visitor.meta, id, &data.order_id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/bookings/{id}")).into_response()),
        Err(CaptureError::NotApproved) => Ok((
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": visitor.tr.t("paypal-not-approved") })),
        )
            .into_response()),
        Err(CaptureError::NotCapturable(_)) => Ok((
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": visitor.tr.t("paypal-not-payable") })),
        )
            .into_response()),
        Err(CaptureError::Provider(_)) => Ok((
            StatusCode::BAD_GATEWAY,
            axum::Json(json!({ "error": visitor.tr.t("paypal-unavailable") })),
        )
            .into_response()),
        Err(e) => Err(PageError::from_failure(&e)),
    }
}
