//! Driving the web pages over HTTP as a browser without JavaScript would:
//! a cookie jar kept by hand (so tests see every cookie), GETs, and form
//! POSTs carrying the form's CSRF token.

use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE, USER_AGENT};

use super::TestApp;

/// The user agent every page request names: the sessions page shows it.
pub const BROWSER: &str = "AccountPagesTest/1.0 (test browser)";

/// A browser's cookie jar.
#[derive(Default)]
pub struct Jar(Vec<(String, String)>);

impl Jar {
    /// A jar holding the session of a user signed in through the API: the
    /// pages read the same cookie.
    pub fn signed_in(token: &str) -> Self {
        Jar(vec![("medicaledu_session".to_owned(), token.to_owned())])
    }

    pub fn take(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("ascii cookie");
            let pair = text.split(';').next().expect("name=value");
            if let Some((name, value)) = pair.split_once('=') {
                self.0.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.0.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }

    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// GETs `path` with the jar's cookies, keeping what the answer sets; the
/// status and the HTML.
pub async fn page(app: &TestApp, jar: &mut Jar, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .header(COOKIE, jar.header())
        .header(USER_AGENT, BROWSER)
        .send()
        .await
        .expect("request");
    jar.take(&response);
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// The value of the hidden `csrf` field of the page's forms.
pub fn csrf_of(html: &str) -> String {
    hidden(html, "csrf")
}

/// The value of the page's first hidden field `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle).expect(name) + needle.len();
    html[start..].split('"').next().expect("value").to_owned()
}

/// The first link of the page whose address starts with `prefix`.
pub fn first_link(html: &str, prefix: &str) -> String {
    let start = html.find(&format!("href=\"{prefix}")).expect(prefix) + 6;
    html[start..].split('"').next().expect("link").to_owned()
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// POSTs a form with the jar's cookies and `origin` as its Origin header
/// (none when `None`), keeping what the answer sets.
pub async fn post_form(
    app: &TestApp,
    jar: &mut Jar,
    path: &str,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header(COOKIE, jar.header())
        .header(USER_AGENT, BROWSER)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
        );
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    let response = request.send().await.expect("request");
    jar.take(&response);
    response
}

/// POSTs a form from the site's own pages.
pub async fn post_same_site(
    app: &TestApp,
    jar: &mut Jar,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_form(app, jar, path, fields, Some(&app.address)).await
}

/// GETs the page at `form_page` (which must answer 200) and POSTs its form
/// to `action` with the page's CSRF token and `fields`.
pub async fn submit(
    app: &TestApp,
    jar: &mut Jar,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (status, html) = page(app, jar, form_page).await;
    assert_eq!(status, 200, "{form_page}: {html}");
    let token = csrf_of(&html);
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    post_same_site(app, jar, action, &all).await
}

/// The page a refused form answers: 422, the form again with its refusals
/// at their fields.
pub async fn refused_page(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 422);
    response.text().await.expect("html")
}
