//! `/verify/{code}`: a certificate as anyone may check it, without signing
//! in and without JavaScript: everything it prints (from its snapshot,
//! never from live data), its SHA-256, and whether it is valid, revoked (with
//! the date and reason, first on the page) or superseded (with the code that
//! replaced it). Its PDF, in the reader's language, and its signed
//! credential for verifying by machine are beside it. A code that is not a
//! certificate's, or not a code at all, is the 404 page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use medicaledu_app::AppContext;
use medicaledu_app::cme::certificates::{self, CertificateView};
use medicaledu_documents::CertificateLabels;
use medicaledu_domain::{CertificateKind, CertificateStatus};

use super::{credits, dates, format_name, pdf_href, verify_href};
use crate::error::PageError;
use crate::i18n::{Arg, Tr};
use crate::page::{Chrome, respond};
use crate::view;
use crate::visitor::Visitor;

/// Where verifiers find the keys that sign credentials, and the list of
/// revoked ones (both served by the API).
const JWKS: &str = "/.well-known/jwks.json";
const REVOCATIONS: &str = "/cme/credentials/status";

/// One line of what the certificate prints.
pub struct Fact {
    pub label: String,
    pub value: String,
    /// A link the value leads to (the certificate a re-issue supersedes).
    pub href: Option<String>,
}

/// Whether the certificate is to be relied on, said first.
pub enum Verdict {
    Valid,
    /// "Revoked on 2 March 2027", and the reason given.
    Revoked {
        headline: String,
        reason: Option<String>,
    },
    /// The code that replaced it, and when.
    Superseded {
        by: String,
        href: String,
        text: String,
    },
}

#[derive(Template)]
#[template(path = "cme_verify.html")]
struct VerifyPage {
    chrome: Chrome,
    verdict: Verdict,
    facts: Vec<Fact>,
    statements: Vec<Fact>,
    sha256: String,
    pdf_href: String,
    credential_href: String,
    jwks: &'static str,
    revocations: &'static str,
}

fn credential_href(code: &str) -> String {
    format!("{}/credential.jwt", verify_href(code))
}

async fn find(ctx: &AppContext, code: &str) -> Result<CertificateView, PageError> {
    certificates::verify(ctx, code)
        .await
        .map_err(|e| PageError::from_failure(&e))
}

/// `GET /verify/{code}`.
pub async fn page(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let certificate = find(&ctx, &code).await?;
    let tr = &visitor.tr;
    let page = VerifyPage {
        chrome: Chrome::new(&ctx, &visitor, tr.t("cme-verify-title")).await?,
        verdict: verdict(&certificate, &visitor),
        facts: facts(&certificate, &visitor),
        statements: statements(&certificate, tr),
        sha256: certificate.sha256.clone(),
        pdf_href: pdf_href(&certificate.code),
        credential_href: credential_href(&certificate.code),
        jwks: JWKS,
        revocations: REVOCATIONS,
    };
    Ok(respond(&ctx, &visitor, &page))
}

fn verdict(certificate: &CertificateView, visitor: &Visitor) -> Verdict {
    let tr = &visitor.tr;
    let ended = certificate
        .revoked_at
        .map(|at| view::local_date(at, &visitor.zone, tr))
        .unwrap_or_default();
    match (certificate.status, &certificate.superseded_by) {
        (CertificateStatus::Active, _) => Verdict::Valid,
        (CertificateStatus::Superseded, Some(by)) => Verdict::Superseded {
            href: verify_href(by),
            by: by.clone(),
            text: tr.t_with("cme-verify-superseded-text", &[("date", Arg::Text(ended))]),
        },
        // A superseded certificate always names its successor; should one
        // not, it is at least not valid.
        (CertificateStatus::Revoked | CertificateStatus::Superseded, _) => Verdict::Revoked {
            headline: tr.t_with("cme-verify-revoked", &[("date", Arg::Text(ended))]),
            reason: certificate
                .revocation_reason
                .clone()
                .filter(|r| !r.is_empty()),
        },
    }
}

fn fact(label: String, value: String) -> Fact {
    Fact {
        label,
        value,
        href: None,
    }
}

fn facts(certificate: &CertificateView, visitor: &Visitor) -> Vec<Fact> {
    let tr = &visitor.tr;
    let s = &certificate.snapshot;
    let mut facts = vec![
        fact(tr.t("cme-learner"), s.learner_name.clone()),
        fact(tr.t("cme-activity"), s.activity_title.clone()),
        fact(tr.t("cme-format"), format_name(s.activity_format, tr)),
        fact(
            tr.t("cme-dates"),
            dates(s.activity_starts_on, s.activity_ends_on, tr),
        ),
        fact(tr.t("cme-completed-on"), view::date(s.completed_on, tr)),
        fact(
            tr.t("cme-kind"),
            match s.kind {
                CertificateKind::Credit => tr.t("cme-kind-credit"),
                CertificateKind::Participation => tr.t("cme-kind-participation"),
            },
        ),
    ];
    if let (CertificateKind::Credit, Some(credit_type), Some(amount)) =
        (s.kind, &s.credit_type, s.credits)
    {
        facts.push(fact(tr.t("cme-credit-type"), credit_type.clone()));
        facts.push(fact(tr.t("cme-credits"), credits(amount.hundredths())));
    }
    facts.push(fact(tr.t("cme-provider"), s.provider_name.clone()));
    facts.push(fact(tr.t("cme-code"), certificate.code.clone()));
    facts.push(fact(
        tr.t("cme-issued-on"),
        view::local_date(s.issued_at, &visitor.zone, tr),
    ));
    if let Some(earlier) = s.supersedes {
        let earlier = earlier.to_string();
        facts.push(Fact {
            label: tr.t("cme-supersedes"),
            href: Some(verify_href(&earlier)),
            value: earlier,
        });
    }
    facts
}

/// The provider's statements, as they wrote them.
fn statements(certificate: &CertificateView, tr: &Tr) -> Vec<Fact> {
    let s = &certificate.snapshot;
    let mut statements = vec![fact(
        tr.t("cme-accreditation-statement"),
        s.accreditation_statement.clone(),
    )];
    if let Some(designation) = &s.designation_statement {
        statements.push(fact(tr.t("cme-designation-statement"), designation.clone()));
    }
    statements
}

/// The certificate's fixed words in the reader's language.
pub fn labels(tr: &Tr) -> CertificateLabels {
    CertificateLabels {
        title_credit: tr.t("cme-kind-credit"),
        title_participation: tr.t("cme-kind-participation"),
        certifies_that: tr.t("cme-pdf-certifies-that"),
        has_completed: tr.t("cme-pdf-has-completed"),
        format_live: tr.t("cme-format-live"),
        format_enduring: tr.t("cme-format-enduring"),
        activity_dates: tr.t("cme-dates"),
        completed_on: tr.t("cme-completed-on"),
        credits: tr.t("cme-pdf-credits"),
        certificate_code: tr.t("cme-code"),
        issued_on: tr.t("cme-issued-on"),
        verify_at: tr.t("cme-pdf-verify-at"),
        sha256: tr.t("cme-pdf-sha256"),
        // The document puts the superseded code where `{code}` stands.
        supersedes: tr.t_with("cme-pdf-supersedes", &[("code", Arg::from("{code}"))]),
    }
}

/// `Content-Disposition` naming the file after the certificate's code,
/// which is only letters, digits and hyphens.
fn disposition(code: &str, extension: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("inline; filename=\"{code}.{extension}\""))
        .unwrap_or(HeaderValue::from_static("inline"))
}

/// `GET /verify/{code}/certificate.pdf`: the PDF, drawn from the snapshot,
/// with its fixed words in the reader's language.
pub async fn pdf(
    State(ctx): State<AppContext>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (certificate, bytes) = certificates::pdf(&ctx, &code, &labels(&visitor.tr))
        .await
        .map_err(|e| PageError::from_failure(&e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                disposition(&certificate.code, "pdf"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /verify/{code}/credential.jwt`: the signed Open Badges credential as
/// its compact JWT. Served as plain text: its header says `typ: JWT` (not
/// the `vc+jwt` of VC-JOSE-COSE), any verifier reads the bytes whatever the
/// type, and a person who opens the link can read and copy it.
pub async fn credential(
    State(ctx): State<AppContext>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let certificate = find(&ctx, &code).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                disposition(&certificate.code, "jwt"),
            ),
        ],
        certificate.credential,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_labels_are_the_documents_own() {
        assert_eq!(labels(&Tr::default()), CertificateLabels::english());
    }

    #[test]
    fn german_labels_keep_the_code_placeholder() {
        let german = labels(&Tr::negotiate(Some("de"), None));
        assert!(
            german.supersedes.contains("{code}"),
            "{}",
            german.supersedes
        );
        assert_ne!(
            german.title_credit,
            CertificateLabels::english().title_credit
        );
    }
}
