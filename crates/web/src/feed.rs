//! The calendar feed on `/me`: "Subscribe in your calendar" creates the
//! feed's token and shows its address, "Stop the feed" revokes it.
//!
//! Only the token's hash is stored, so its address can be shown once only:
//! the redirect after creating it carries the token to `/me` in a short-lived
//! HttpOnly cookie, which that page shows and clears (a token in the
//! redirect's URL would stay in the browser's history and in access logs).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;

use crate::auth::Empty;
use crate::error::PageError;
use crate::form::Form;
use crate::visitor::cookie;

const FEED_COOKIE: &str = "medicaledu_feed";
/// Long enough to follow the redirect, short enough not to linger.
const FEED_COOKIE_SECONDS: u32 = 300;
const BACK: &str = "/signin?next=/me";

fn feed_cookie(ctx: &AppContext, value: &str, max_age: u32) -> Option<HeaderValue> {
    let secure = if ctx.settings.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{FEED_COOKIE}={value}; Path=/me; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

/// `POST /me/calendar-feed`: a new feed token (the old one stops working).
pub async fn create(
    State(ctx): State<AppContext>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    let token = medicaledu_app::calendar::new_token(&ctx, actor, &visitor.meta).await?;
    let mut response = Redirect::to("/me#calendar").into_response();
    if let Some(value) = feed_cookie(&ctx, &token, FEED_COOKIE_SECONDS) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /me/calendar-feed/stop`: the feed's address stops working.
pub async fn stop(
    State(ctx): State<AppContext>,
    Form { visitor, .. }: Form<Empty>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(BACK).into_response());
    };
    medicaledu_app::calendar::revoke_token(&ctx, actor, &visitor.meta).await?;
    Ok(Redirect::to("/me?feed_stopped=1#calendar").into_response())
}

/// The feed's address to show once, from the cookie `create` set, as the
/// visitor reaches this site; a token that is not one of ours shows nothing.
pub fn new_feed_url(ctx: &AppContext, headers: &HeaderMap) -> Option<String> {
    let token = cookie(headers, FEED_COOKIE)?;
    medicaledu_domain::SessionToken::parse(&token)?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if ctx.settings.cookie_secure {
        "https"
    } else {
        "http"
    };
    Some(format!(
        "{scheme}://{host}/api/v1/me/calendar.ics?token={token}"
    ))
}

/// Clears the cookie once its address was shown.
pub fn forget_new_feed(ctx: &AppContext, headers: &HeaderMap, response: &mut Response) {
    if cookie(headers, FEED_COOKIE).is_some()
        && let Some(value) = feed_cookie(ctx, "", 0)
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
