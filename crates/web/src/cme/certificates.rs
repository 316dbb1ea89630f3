//! `/me/certificates`: the learner's certificates, newest first, each with
//! its credit, issue date and standing, its PDF, and the verification link
//! to share (in a read-only field, with a "Copy link" button where scripts
//! run).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use medicaledu_app::AppContext;
use medicaledu_app::cme::certificates::{self, CertificateView};
use medicaledu_domain::{CertificateKind, CertificateStatus};
use serde::Deserialize;

use super::{credits, pdf_href, verify_href};
use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

const PATH: &str = "/me/certificates";

pub struct CertificateLine {
    pub code: String,
    pub title: String,
    pub credit: String,
    pub issued: String,
    pub status: String,
    pub valid: bool,
    pub pdf_href: String,
    pub pdf_label: String,
    pub verify_href: String,
    /// The verification page's full address, under the public URL.
    pub share_url: String,
    pub share_label: String,
    pub share_link_label: String,
    pub copy_label: String,
}

#[derive(Template)]
#[template(path = "cme_certificates.html")]
struct CertificatesPage {
    chrome: Chrome,
    certificates: Vec<CertificateLine>,
    cme_js: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CertificatesQuery {
    claimed: Option<String>,
}

/// `GET /me/certificates`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Query(query): Query<CertificatesQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = &visitor.actor else {
        return Ok(Redirect::to(&format!("/signin?next={PATH}")).into_response());
    };
    let mine = certificates::mine(&ctx, actor)
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    let tr = &visitor.tr;
    let mut chrome = Chrome::new(&ctx, &visitor, tr.t("cme-certificates-title")).await?;
    if query.claimed.is_some() {
        chrome.flash.push(tr.t("cme-certificates-issued"));
    }
    let page = CertificatesPage {
        chrome,
        certificates: mine.iter().map(|c| line(&ctx, c, &visitor)).collect(),
        cme_js: crate::assets::url("cme.js"),
    };
    Ok(respond(&ctx, &visitor, &page))
}

fn line(ctx: &AppContext, certificate: &CertificateView, visitor: &Visitor) -> CertificateLine {
    let tr = &visitor.tr;
    let snapshot = &certificate.snapshot;
    let title = snapshot.activity_title.clone();
    let named = |key: &str| tr.t_with(key, &[("title", Arg::Text(title.clone()))]);
    CertificateLine {
        code: certificate.code.clone(),
        credit: match (snapshot.kind, &snapshot.credit_type, snapshot.credits) {
            (CertificateKind::Credit, Some(credit_type), Some(amount)) => {
                format!("{} {credit_type}", credits(amount.hundredths()))
            }
            _ => tr.t("cme-participation"),
        },
        issued: view::local_date(snapshot.issued_at, &visitor.zone, tr),
        status: status_name(certificate.status, tr),
        valid: certificate.status.is_valid(),
        pdf_href: pdf_href(&certificate.code),
        pdf_label: named("cme-pdf-label"),
        verify_href: verify_href(&certificate.code),
        share_url: certificates::verify_url(ctx, &certificate.code),
        share_label: named("cme-share-label"),
        share_link_label: named("cme-share-link-label"),
        copy_label: named("cme-copy-label"),
        title,
    }
}

/// "Valid", "Revoked", "Superseded".
pub fn status_name(status: CertificateStatus, tr: &Tr) -> String {
    match status {
        CertificateStatus::Active => tr.t("cme-status-active"),
        CertificateStatus::Revoked => tr.t("cme-status-revoked"),
        CertificateStatus::Superseded => tr.t("cme-status-superseded"),
    }
}
