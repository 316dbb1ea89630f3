//! The frame every page shares, and rendering.

use askama::Template;
use axum::http::StatusCode;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use medicaledu_app::{AppContext, Internal};

use crate::assets;
use crate::i18n::{Arg, Tr};
use crate::visitor::{CSRF_COOKIE, Visitor};

/// The signed-in user as the header shows them.
#[derive(Clone, Debug)]
pub struct HeaderUser {
    pub name: String,
    pub unread: i64,
    /// Read out after "Notifications": the unread count, for screen readers
    /// (the visible badge is a bare number).
    pub unread_text: String,
    /// Shows the link to the administration pages.
    pub is_admin: bool,
    /// Instructors see the way to their own pages.
    pub teaches: bool,
}

/// What the layout needs: language, title, user, form token, asset URLs.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub tr: Tr,
    pub title: String,
    pub user: Option<HeaderUser>,
    pub csrf: String,
    pub flash: Vec<String>,
    pub css: String,
    pub js: String,
    pub htmx: String,
    pub favicon: String,
    /// The instructor pages' script (dragging materials into order).
    pub teach_js: String,
    /// The path of the page, empty on error pages.
    pub path: String,
}

impl Chrome {
    /// The frame of a page titled by the message `title_key`.
    pub async fn new(ctx: &AppContext, visitor: &Visitor, title: String) -> Result<Self, Internal> {
        let user = match &visitor.actor {
            Some(actor) => {
                let unread = medicaledu_app::inbox::unread_count(ctx, actor).await?;
                Some(HeaderUser {
                    teaches: actor.is(medicaledu_domain::Role::Instructor),
                    name: actor.user.full_name.clone(),
                    unread,
                    unread_text: visitor
                        .tr
                        .t_with("notifications-unread", &[("count", Arg::Number(unread))]),
                    is_admin: actor.is_admin(),
                })
            }
            None => None,
        };
        Ok(Self {
            title,
            user,
            csrf: visitor.csrf.clone(),
            path: visitor.path.clone(),
            ..Self::bare(visitor.tr.clone(), "site-name")
        })
    }

    /// A frame without a visitor, for error pages.
    pub fn bare(tr: Tr, title_key: &str) -> Self {
        Self {
            title: tr.t(title_key),
            tr,
            user: None,
            csrf: String::new(),
            flash: Vec::new(),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            htmx: assets::url("htmx.js"),
            favicon: assets::url("favicon.svg"),
            teach_js: assets::url("teach.js"),
            path: String::new(),
        }
    }

    /// Whether a navigation link to `href` leads to this page or to the
    /// section it is in: `/me/licences` for `/me/licences/{id}`. A link to
    /// an area's home (`/teach`, one segment) is current only on that page,
    /// or it would be current everywhere in the area.
    pub fn is_current(&self, href: &str) -> bool {
        let section = href.matches('/').count() > 1
            && self
                .path
                .strip_prefix(href)
                .is_some_and(|rest| rest.starts_with('/'));
        self.path == href || section
    }
}

/// Renders a template to HTML. A template that fails to render is a bug;
/// it answers a bare 500, which the error-page layer draws as the 500 page
/// rather than half a page.
pub fn render<T: Template>(page: &T) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page that refused what was sent: the same page again, with the
/// refusals at their fields, as 422.
pub fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// A rendered page for `visitor`, setting the anonymous form cookie when the
/// visitor had none.
pub fn respond<T: Template>(ctx: &AppContext, visitor: &Visitor, page: &T) -> Response {
    let mut response = render(page);
    if let Some(value) = &visitor.new_csrf_cookie {
        let secure = if ctx.settings.cookie_secure {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!("{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> Chrome {
        Chrome {
            path: path.to_owned(),
            ..Chrome::bare(Tr::negotiate(None, None), "site-name")
        }
    }

    #[test]
    fn a_link_is_current_on_its_page_and_the_pages_below_it() {
        assert!(at("/me/licences").is_current("/me/licences"));
        assert!(at("/me/licences/0190a2b4").is_current("/me/licences"));
        assert!(at("/teach/schedule/month").is_current("/teach/schedule"));
        assert!(!at("/me/licences-old").is_current("/me/licences"));
        assert!(!at("/me/transcript").is_current("/me/licences"));
    }

    #[test]
    fn an_areas_home_is_current_only_on_itself() {
        assert!(at("/teach").is_current("/teach"));
        assert!(!at("/teach/earnings").is_current("/teach"));
        assert!(!Chrome::bare(Tr::negotiate(None, None), "site-name").is_current("/teach"));
    }
}
