//! The certificate: one A4 landscape page drawn from a
//! [`CertificateSnapshot`] alone.

use chrono::NaiveDate;
use medicaledu_domain::{ActivityFormat, CertificateKind, CertificateSnapshot};

use crate::scene::{
    A4_LONG, A4_SHORT, ACCENT, Anchor, GOLD, INK, MUTED, Page, RULE, Text, fit, width, wrap,
};
use crate::{DocumentError, pdf};

/// The fixed words of a certificate, for the caller to translate. Everything
/// else printed comes from the snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateLabels {
    /// The heading of a credit certificate.
    pub title_credit: String,
    /// The heading of a participation certificate.
    pub title_participation: String,
    /// Before the learner's name.
    pub certifies_that: String,
    /// Between the learner's name and the activity's title.
    pub has_completed: String,
    /// The kind of activity, under the heading.
    pub format_live: String,
    pub format_enduring: String,
    /// Captions of the facts under the activity's title.
    pub activity_dates: String,
    pub completed_on: String,
    /// Caption of the amount and credit type (credit certificates only).
    pub credits: String,
    /// Captions of the small print.
    pub certificate_code: String,
    pub issued_on: String,
    pub verify_at: String,
    /// Before the snapshot's SHA-256.
    pub sha256: String,
    /// The note on a re-issued certificate; `{code}` stands for the code of
    /// the certificate it replaces.
    pub supersedes: String,
}

impl CertificateLabels {
    pub fn english() -> Self {
        Self {
            title_credit: "Certificate of credit".into(),
            title_participation: "Certificate of participation".into(),
            certifies_that: "This certifies that".into(),
            has_completed: "has completed".into(),
            format_live: "Live activity".into(),
            format_enduring: "Enduring material".into(),
            activity_dates: "Activity dates".into(),
            completed_on: "Completed on".into(),
            credits: "Credits awarded".into(),
            certificate_code: "Certificate code".into(),
            issued_on: "Issued on".into(),
            verify_at: "Verify at".into(),
            sha256: "SHA-256 of the certificate record:".into(),
            supersedes: "This certificate supersedes {code}.".into(),
        }
    }
}

impl Default for CertificateLabels {
    fn default() -> Self {
        Self::english()
    }
}

/// Dates as ISO 8601, read the same way everywhere.
pub(crate) fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

const WIDTH: f32 = A4_LONG;
const HEIGHT: f32 = A4_SHORT;
const CENTRE: f32 = WIDTH / 2.0;
/// The widest any text runs.
const MEASURE: f32 = WIDTH - 150.0;
const LEFT: f32 = CENTRE - MEASURE / 2.0;

fn centred(page: &mut Page, x: f32, y: f32, size: f32, fill: &'static str, content: &str) {
    page.text(Text {
        x,
        y,
        size,
        fill,
        anchor: Anchor::Middle,
        content: content.to_owned(),
    });
}

/// `text` centred on `x` from baseline `y`, shrunk towards `min` to fit
/// `max_width` on one line and wrapped below that; returns the baseline of
/// its last line.
fn fitted(
    page: &mut Page,
    (x, y): (f32, f32),
    text: &str,
    fill: &'static str,
    max_width: f32,
    (preferred, min): (f32, f32),
) -> f32 {
    let size = fit(text, max_width, preferred, min);
    let mut last = y;
    for (i, line) in wrap(text, size, max_width).iter().enumerate() {
        last = y + i as f32 * size * 1.2;
        centred(page, x, last, size, fill, line);
    }
    last
}

/// A caption with its value under it, centred on `x`; returns the value's
/// last baseline.
fn fact(
    page: &mut Page,
    (x, y): (f32, f32),
    caption: &str,
    value: &str,
    fill: &'static str,
    (max_width, size): (f32, f32),
) -> f32 {
    centred(page, x, y, 8.5, MUTED, caption);
    fitted(
        page,
        (x, y + 16.0),
        value,
        fill,
        max_width,
        (size, size * 0.65),
    )
}

/// The statements, each wrapped to the measure, at the largest size from 9.5
/// points down to 4.5 that fits between `top` and `bottom`, centred in that
/// space. Statements too long for that (the domain allows 4,000 characters
/// each, in as many lines) are set with their line breaks as spaces and
/// smaller still, down to 2.5 points: the PDF is vector and zooms, while a
/// certificate must stay one page and keep the provider's words whole.
fn statements(page: &mut Page, top: f32, bottom: f32, paragraphs: &[&str]) {
    let joined: Vec<String> = paragraphs
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let joined: Vec<&str> = joined.iter().map(String::as_str).collect();
    let layout = |paragraphs: &[&str], size: f32| -> (Vec<Vec<String>>, f32) {
        let wrapped: Vec<Vec<String>> = paragraphs.iter().map(|p| wrap(p, size, MEASURE)).collect();
        let lines: usize = wrapped.iter().map(Vec::len).sum();
        let gaps = wrapped.len().saturating_sub(1);
        let height = lines as f32 * size * 1.35 + gaps as f32 * size * 0.9;
        (wrapped, height)
    };
    // Quarter points from 9.5 to 4.5 as written, then to 2.5 joined.
    let attempts = (0..=20)
        .map(|step| (paragraphs, 9.5 - step as f32 * 0.25))
        .chain((0..=8).map(|step| (joined.as_slice(), 4.5 - step as f32 * 0.25)));
    let mut chosen = None;
    for (text, size) in attempts {
        let (wrapped, height) = layout(text, size);
        let fits = height <= bottom - top;
        chosen = Some((wrapped, height, size));
        if fits {
            break;
        }
    }
    let Some((wrapped, height, size)) = chosen else {
        return;
    };
    // Centre the block; the first baseline sits about one ascent below its
    // top.
    let mut y = top + ((bottom - top - height) / 2.0).max(0.0) + size;
    for (i, paragraph) in wrapped.iter().enumerate() {
        if i > 0 {
            y += size * 0.9;
        }
        for line in paragraph {
            centred(page, CENTRE, y, size, INK, line);
            y += size * 1.35;
        }
    }
}

pub(crate) fn layout(
    snapshot: &CertificateSnapshot,
    sha256_hex: &str,
    verify_url: &str,
    labels: &CertificateLabels,
) -> Page {
    let credit = snapshot.kind == CertificateKind::Credit;
    let mut page = Page::new(WIDTH, HEIGHT);

    // A double frame.
    page.rect(
        (20.0, 20.0, WIDTH - 40.0, HEIGHT - 40.0),
        None,
        Some((ACCENT, 2.2)),
    );
    page.rect(
        (27.0, 27.0, WIDTH - 54.0, HEIGHT - 54.0),
        None,
        Some((GOLD, 0.8)),
    );

    let y = fitted(
        &mut page,
        (CENTRE, 62.0),
        &snapshot.provider_name,
        ACCENT,
        MEASURE,
        (12.0, 8.0),
    );
    let title = if credit {
        &labels.title_credit
    } else {
        &labels.title_participation
    };
    let y = fitted(
        &mut page,
        (CENTRE, y + 40.0),
        title,
        ACCENT,
        MEASURE,
        (31.0, 16.0),
    );
    let format = match snapshot.activity_format {
        ActivityFormat::Live => &labels.format_live,
        ActivityFormat::Enduring => &labels.format_enduring,
    };
    centred(&mut page, CENTRE, y + 19.0, 10.5, MUTED, format);
    page.line(
        (CENTRE - 60.0, y + 31.0),
        (CENTRE + 60.0, y + 31.0),
        GOLD,
        1.2,
    );

    centred(
        &mut page,
        CENTRE,
        y + 58.0,
        12.5,
        MUTED,
        &labels.certifies_that,
    );
    let y = fitted(
        &mut page,
        (CENTRE, y + 96.0),
        &snapshot.learner_name,
        INK,
        MEASURE,
        (32.0, 16.0),
    );
    let name_size = fit(&snapshot.learner_name, MEASURE, 32.0, 16.0);
    let underline = (width(&snapshot.learner_name, name_size) + 40.0).clamp(260.0, MEASURE);
    page.line(
        (CENTRE - underline / 2.0, y + 11.0),
        (CENTRE + underline / 2.0, y + 11.0),
        RULE,
        0.8,
    );
    centred(
        &mut page,
        CENTRE,
        y + 34.0,
        12.5,
        MUTED,
        &labels.has_completed,
    );
    let y = fitted(
        &mut page,
        (CENTRE, y + 60.0),
        &snapshot.activity_title,
        ACCENT,
        MEASURE,
        (19.0, 12.0),
    );

    // The facts, in columns.
    let dates = match snapshot.activity_ends_on {
        Some(end) if end != snapshot.activity_starts_on => {
            format!("{} – {}", iso(snapshot.activity_starts_on), iso(end))
        }
        _ => iso(snapshot.activity_starts_on),
    };
    let mut facts = vec![
        (labels.activity_dates.as_str(), dates),
        (labels.completed_on.as_str(), iso(snapshot.completed_on)),
    ];
    if credit {
        let amount = snapshot.credits.map(|c| c.to_string()).unwrap_or_default();
        let credit_type = snapshot.credit_type.as_deref().unwrap_or_default();
        facts.push((
            labels.credits.as_str(),
            format!("{amount} {credit_type}").trim().to_owned(),
        ));
    }
    let column = MEASURE / facts.len() as f32;
    let mut facts_bottom = y;
    for (i, (caption, value)) in facts.iter().enumerate() {
        let x = LEFT + column * (i as f32 + 0.5);
        let bottom = fact(
            &mut page,
            (x, y + 32.0),
            caption,
            value,
            INK,
            (column - 16.0, 12.5),
        );
        facts_bottom = facts_bottom.max(bottom);
    }

    // The small print, from the bottom up.
    let hash_y = HEIGHT - 42.0;
    let hash = format!("{} {sha256_hex}", labels.sha256);
    fitted(
        &mut page,
        (CENTRE, hash_y),
        &hash,
        MUTED,
        MEASURE,
        (7.0, 5.0),
    );
    let mut print_top = hash_y - 9.0;
    if let Some(old) = snapshot.supersedes {
        let note = labels.supersedes.replace("{code}", &old.to_string());
        fitted(
            &mut page,
            (CENTRE, hash_y - 14.0),
            &note,
            INK,
            MEASURE,
            (9.5, 6.0),
        );
        print_top = hash_y - 24.0;
    }
    let captions_y = print_top - 38.0;
    let code = snapshot.code.to_string();
    let issued = iso(snapshot.issued_at.as_datetime().date_naive());
    // The address gets the widest column: it is the longest.
    let mut x = LEFT;
    for (share, caption, value, fill) in [
        (0.3, &labels.certificate_code, code.as_str(), INK),
        (0.2, &labels.issued_on, issued.as_str(), INK),
        (0.5, &labels.verify_at, verify_url, ACCENT),
    ] {
        let column = MEASURE * share;
        fact(
            &mut page,
            (x + column / 2.0, captions_y),
            caption,
            value,
            fill,
            (column - 12.0, 11.0),
        );
        x += column;
    }
    page.line(
        (LEFT, captions_y - 16.0),
        (LEFT + MEASURE, captions_y - 16.0),
        RULE,
        0.6,
    );

    // The statements fill what is left between.
    let mut paragraphs = Vec::new();
    if credit && let Some(designation) = snapshot.designation_statement.as_deref() {
        paragraphs.push(designation);
    }
    paragraphs.push(snapshot.accreditation_statement.as_str());
    statements(
        &mut page,
        facts_bottom + 14.0,
        captions_y - 26.0,
        &paragraphs,
    );

    page
}

/// The certificate as SVG (A4 landscape, sized in millimetres): what
/// [`certificate_pdf`] prints, as a picture. Byte-identical for the same
/// arguments.
///
/// Every word on it comes from `snapshot` and `labels`, plus the two values
/// the caller derives from the snapshot: `sha256_hex`
/// ([`CertificateSnapshot::sha256_hex`]) and `verify_url`, the public page
/// that shows the same record. A participation certificate carries neither
/// credits nor the designation statement, even if the snapshot had them.
pub fn certificate_svg(
    snapshot: &CertificateSnapshot,
    sha256_hex: &str,
    verify_url: &str,
    labels: &CertificateLabels,
) -> String {
    layout(snapshot, sha256_hex, verify_url, labels).svg()
}

/// The certificate as a one-page PDF with its text as text (selectable,
/// searchable) in the bundled font. A pure function of its arguments: the
/// same arguments give the same bytes.
pub fn certificate_pdf(
    snapshot: &CertificateSnapshot,
    sha256_hex: &str,
    verify_url: &str,
    labels: &CertificateLabels,
) -> Result<Vec<u8>, DocumentError> {
    let page = layout(snapshot, sha256_hex, verify_url, labels);
    let title = if snapshot.kind == CertificateKind::Credit {
        &labels.title_credit
    } else {
        &labels.title_participation
    };
    pdf::document(&[page], &format!("{title} {}", snapshot.code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::Item;
    use medicaledu_domain::{CertificateCode, CreditAmount, Timestamp};

    fn long(sentence: &str) -> String {
        let mut text = String::new();
        while text.chars().count() + sentence.len() < 4000 {
            text.push_str(sentence);
        }
        text.trim().to_owned()
    }

    #[test]
    fn the_longest_statements_stay_above_the_small_print() {
        let snapshot = CertificateSnapshot {
            code: CertificateCode::parse("MEDU-7K2M-9QXP-4RTV-H3WZ").expect("code"),
            kind: CertificateKind::Credit,
            learner_name: "Dr. Maria Fernanda de los Santos Castellanos-Villanueva y Ortega de \
                la Torre del Río, Profesora Titular de Medicina Intensiva, Hospital Universitario"
                .into(),
            activity_title: "A very long course title, ".repeat(7).trim().to_owned(),
            activity_format: ActivityFormat::Live,
            activity_starts_on: NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
            activity_ends_on: None,
            completed_on: NaiveDate::from_ymd_opt(2026, 1, 15).expect("date"),
            credit_type: Some("x".repeat(120)),
            credits: Some(CreditAmount::parse("1.5").expect("amount")),
            provider_name: "MedicalEdu".into(),
            // A line of its own for every sentence: the most lines there can be.
            accreditation_statement: long("Accredited.\n"),
            designation_statement: Some(long("The Provider designates this activity. ")),
            issued_at: Timestamp::parse_rfc3339("2026-06-02T14:30:00Z").expect("time"),
            supersedes: Some(CertificateCode::parse("MEDU-0000-1111-2222-3333").expect("code")),
        };
        let page = layout(
            &snapshot,
            &"0".repeat(64),
            "https://x.example/v",
            &CertificateLabels::english(),
        );
        let texts: Vec<_> = page
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        let caption = texts
            .iter()
            .find(|t| t.content == "Certificate code")
            .expect("the small print");
        let statement_lines: Vec<_> = texts
            .iter()
            .filter(|t| {
                t.content.starts_with("The Provider") || t.content.starts_with("Accredited")
            })
            .collect();
        assert!(!statement_lines.is_empty());
        for line in &statement_lines {
            assert!(line.y < caption.y - 16.0, "{} at {}", line.content, line.y);
            assert!(line.size >= 2.5);
            assert!(width(&line.content, line.size) <= MEASURE);
        }
        let facts = texts
            .iter()
            .find(|t| t.content == "Credits awarded")
            .expect("the facts");
        assert!(statement_lines.iter().all(|line| line.y > facts.y + 16.0));
        for text in &texts {
            assert!(
                text.y > 30.0 && text.y < HEIGHT - 30.0,
                "{} at {}",
                text.content,
                text.y
            );
        }
    }
}
