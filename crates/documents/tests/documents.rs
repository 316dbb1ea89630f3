//! The documents read back as text: what is printed, what must not be, and
//! the same bytes for the same input.

use chrono::NaiveDate;
use medicaledu_documents::{
    CertificateLabels, TranscriptDocument, TranscriptLabels, TranscriptLicence, TranscriptRow,
    certificate_pdf, certificate_svg, transcript_pdf, transcript_svgs,
};
use medicaledu_domain::{
    ActivityFormat, CertificateCode, CertificateKind, CertificateSnapshot, CreditAmount,
    CreditTypeName, Timestamp, TypeTotal,
};

const DESIGNATION: &str = "The Provider designates this enduring material for a maximum of 2 \
    AMA PRA Category 1 Credits™. Physicians should claim only the credit commensurate with the \
    extent of their participation in the activity.";
const ACCREDITATION: &str = "MedicalEdu Institute is accredited by the Accreditation Council \
    for Continuing Medical Education (ACCME) to provide continuing medical education for \
    physicians. This activity was planned and implemented in accordance with the accreditation \
    requirements and policies of the ACCME through the joint providership of MedicalEdu \
    Institute and the Society of Critical Care Educators. MedicalEdu Institute is also approved \
    as a provider of nursing continuing professional development by the Nursing Commission, \
    and this activity is designated for nursing contact hours for nurses who complete it in full.";
const VERIFY: &str = "https://medicaledu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ";

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn amount(s: &str) -> CreditAmount {
    CreditAmount::parse(s).expect("amount")
}

fn snapshot(kind: CertificateKind) -> CertificateSnapshot {
    let credit = kind == CertificateKind::Credit;
    CertificateSnapshot {
        code: CertificateCode::parse("MEDU-7K2M-9QXP-4RTV-H3WZ").expect("code"),
        kind,
        learner_name: "Dr. Amaka Obi".into(),
        activity_title: "Sepsis: the first hour".into(),
        activity_format: ActivityFormat::Enduring,
        activity_starts_on: date("2026-01-15"),
        activity_ends_on: Some(date("2028-01-14")),
        completed_on: date("2026-06-01"),
        credit_type: credit.then(|| "AMA PRA Category 1 Credit™".into()),
        credits: credit.then(|| amount("1.5")),
        provider_name: "MedicalEdu Institute".into(),
        accreditation_statement: ACCREDITATION.into(),
        designation_statement: credit.then(|| DESIGNATION.into()),
        issued_at: Timestamp::parse_rfc3339("2026-06-02T14:30:00Z").expect("time"),
        supersedes: None,
    }
}

/// The PDF's text without whitespace: extraction puts spaces between glyphs
/// placed one by one, and wrapping moves line breaks; the letters are what
/// matter.
fn letters(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pdf_letters(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    letters(&pdf_extract::extract_text_from_mem(pdf).expect("the PDF's text"))
}

fn pages(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .expect("the PDF's pages")
        .iter()
        .map(|page| letters(page))
        .collect()
}

fn assert_has(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(&letters(needle)),
        "the document has {needle:?}\n{haystack}"
    );
}

fn certificate(snapshot: &CertificateSnapshot, labels: &CertificateLabels) -> Vec<u8> {
    certificate_pdf(snapshot, &snapshot.sha256_hex(), VERIFY, labels).expect("pdf")
}

#[test]
fn a_credit_certificate_prints_the_snapshot() {
    let mut snapshot = snapshot(CertificateKind::Credit);
    snapshot.supersedes = Some(CertificateCode::parse("MEDU-0000-1111-2222-3333").expect("code"));
    let pdf = certificate(&snapshot, &CertificateLabels::english());
    assert_eq!(pages(&pdf).len(), 1);
    let text = pdf_letters(&pdf);
    for expected in [
        "Certificate of credit",
        "MedicalEdu Institute",
        "Enduring material",
        "This certifies that",
        "Dr. Amaka Obi",
        "has completed",
        "Sepsis: the first hour",
        "2026-01-15 – 2028-01-14",
        "Completed on",
        "2026-06-01",
        "Credits awarded",
        "1.5 AMA PRA Category 1 Credit™",
        DESIGNATION,
        ACCREDITATION,
        "MEDU-7K2M-9QXP-4RTV-H3WZ",
        "Issued on",
        "2026-06-02",
        VERIFY,
        &snapshot.sha256_hex(),
        "This certificate supersedes MEDU-0000-1111-2222-3333.",
    ] {
        assert_has(&text, expected);
    }
    assert!(!text.contains("Certificateofparticipation"));
}

#[test]
fn a_participation_certificate_carries_no_credit() {
    let snapshot = snapshot(CertificateKind::Participation);
    let text = pdf_letters(&certificate(&snapshot, &CertificateLabels::english()));
    assert_has(&text, "Certificate of participation");
    assert_has(&text, "Dr. Amaka Obi");
    assert_has(&text, ACCREDITATION);
    assert_has(&text, "2026-06-01");
    assert!(
        !text.contains(&letters("The Provider designates")),
        "{text}"
    );
    assert!(!text.contains("AMAPRA"), "{text}");
    assert!(
        !text.contains("Creditsawarded") && !text.contains("1.5"),
        "{text}"
    );
    assert!(!text.contains("supersedes"), "{text}");

    // Even a snapshot that wrongly kept them prints neither.
    let mut odd = snapshot.clone();
    odd.credits = Some(amount("1.5"));
    odd.credit_type = Some("AMA PRA Category 1 Credit™".into());
    odd.designation_statement = Some(DESIGNATION.into());
    let text = pdf_letters(&certificate(&odd, &CertificateLabels::english()));
    assert!(
        !text.contains(&letters("The Provider designates")),
        "{text}"
    );
    assert!(!text.contains("AMAPRA") && !text.contains("1.5"), "{text}");
}

#[test]
fn characters_special_to_xml_are_printed_as_written() {
    let mut snapshot = snapshot(CertificateKind::Credit);
    snapshot.learner_name = r#"Zoë O'Brien & <Partners> "MD""#.into();
    snapshot.activity_title = "Airway <b>not bold</b> & ventilation: &amp; \"tips\"".into();
    snapshot.provider_name = "Smith & Jones' <Academy>".into();
    let svg = certificate_svg(
        &snapshot,
        &snapshot.sha256_hex(),
        VERIFY,
        &CertificateLabels::english(),
    );
    assert!(svg.contains("Zoë O&apos;Brien &amp; &lt;Partners&gt; &quot;MD&quot;"));
    assert!(!svg.contains("<b>") && !svg.contains("<Partners>"));
    let tree = usvg::Tree::from_str(&svg, &usvg::Options::default()).expect("well-formed SVG");
    assert!(tree.size().width() > tree.size().height(), "landscape");

    let text = pdf_letters(&certificate(&snapshot, &CertificateLabels::english()));
    assert_has(&text, &snapshot.learner_name);
    assert_has(&text, &snapshot.activity_title);
    assert_has(&text, &snapshot.provider_name);
}

#[test]
fn the_fixed_words_come_from_the_labels() {
    let labels = CertificateLabels {
        title_credit: "Certificat de crédits".into(),
        certifies_that: "Nous certifions que".into(),
        has_completed: "a suivi".into(),
        format_enduring: "Formation en ligne".into(),
        credits: "Crédits obtenus".into(),
        supersedes: "Remplace le certificat {code}.".into(),
        ..CertificateLabels::english()
    };
    let mut snapshot = snapshot(CertificateKind::Credit);
    snapshot.supersedes = Some(CertificateCode::parse("MEDU-0000-1111-2222-3333").expect("code"));
    let text = pdf_letters(&certificate(&snapshot, &labels));
    for expected in [
        "Certificat de crédits",
        "Nous certifions que",
        "a suivi",
        "Formation en ligne",
        "Crédits obtenus",
        "Remplace le certificat MEDU-0000-1111-2222-3333.",
    ] {
        assert_has(&text, expected);
    }
    assert!(!text.contains("Certificateofcredit") && !text.contains("Thiscertifies"));
}

#[test]
fn long_statements_and_names_still_fit_one_page() {
    let mut snapshot = snapshot(CertificateKind::Credit);
    let long = |seed: &str| {
        let mut text = String::new();
        while text.chars().count() < 3900 {
            text.push_str(seed);
            text.push(' ');
        }
        text.trim().to_owned()
    };
    snapshot.designation_statement = Some(long("The Provider designates this activity."));
    snapshot.accreditation_statement = long("The Provider is accredited.\n");
    snapshot.learner_name =
        "Dr. Maria Fernanda de los Santos Castellanos-Villanueva y Ortega de la Torre del Río"
            .into();
    snapshot.activity_title = "A very long course title ".repeat(8).trim().to_owned();
    let pdf = certificate(&snapshot, &CertificateLabels::english());
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    assert_has(
        &pages[0],
        snapshot
            .designation_statement
            .as_deref()
            .unwrap_or_default(),
    );
    assert_has(&pages[0], &snapshot.accreditation_statement);
    assert_has(&pages[0], &snapshot.learner_name);
    assert_has(&pages[0], &snapshot.activity_title);
}

#[test]
fn a_certificate_is_a_pure_function_of_its_snapshot() {
    let snapshot = snapshot(CertificateKind::Credit);
    let labels = CertificateLabels::english();
    let first = certificate(&snapshot, &labels);
    // svg2pdf keeps fonts in a hash map seeded anew for every conversion:
    // repeat enough to catch an order that depends on it.
    for _ in 0..12 {
        assert_eq!(certificate(&snapshot, &labels), first);
    }
    assert_eq!(
        certificate_svg(&snapshot, &snapshot.sha256_hex(), VERIFY, &labels),
        certificate_svg(&snapshot, &snapshot.sha256_hex(), VERIFY, &labels)
    );
    let text = String::from_utf8_lossy(&first);
    assert!(!text.contains("CreationDate") && !text.contains("/ID"));

    let mut renamed = snapshot.clone();
    renamed.learner_name = "Dr. Amaka Obi-Eze".into();
    assert_ne!(certificate(&renamed, &labels), first);
}

fn credit_type(name: &str) -> CreditTypeName {
    CreditTypeName::parse(name).expect("credit type")
}

fn transcript(rows: usize) -> TranscriptDocument {
    let rows = (0..rows)
        .map(|i| TranscriptRow {
            date: date("2025-01-01") + chrono::Days::new(i as u64 * 3),
            activity: if i % 7 == 3 {
                format!(
                    "Activity {i:03}: a self-reported regional conference on perioperative \
                     medicine & <anaesthesia>, with workshops on airway management"
                )
            } else {
                format!("Activity {i:03}: sepsis update")
            },
            credit_type: if i % 2 == 0 {
                "AMA PRA Category 1 Credit™".into()
            } else {
                "Nursing contact hours".into()
            },
            credits: amount(if i % 3 == 0 { "1.5" } else { "0.25" }),
            source: if i % 7 == 3 {
                "Self-reported".into()
            } else {
                format!(
                    "MedicalEdu certificate MEDU-7K2M-9QXP-4RTV-{:04}",
                    i % 10000
                )
            },
        })
        .collect();
    TranscriptDocument {
        learner_name: "Dr. Amaka Obi & Partners".into(),
        period_from: date("2025-01-01"),
        period_to: date("2026-12-31"),
        generated_on: date("2027-01-05"),
        rows,
        totals: vec![
            TypeTotal {
                credit_type: credit_type("AMA PRA Category 1 Credit™"),
                total: amount("48.75"),
                self_reported: amount("6"),
            },
            TypeTotal {
                credit_type: credit_type("Nursing contact hours"),
                total: amount("12.25"),
                self_reported: amount("0"),
            },
        ],
        licences: vec![
            TranscriptLicence {
                licence: "Physician, California, A123456 (renews 2027-03-31)".into(),
                status: "Met".into(),
                met: true,
            },
            TranscriptLicence {
                licence: "Registered nurse, Ontario, RN-778899 (renews 2026-12-31)".into(),
                status: "Short by 3.5 (opioid prescribing: short by 1)".into(),
                met: false,
            },
        ],
    }
}

#[test]
fn a_transcript_lists_rows_totals_and_licences() {
    let doc = transcript(5);
    let pdf = transcript_pdf(&doc, &TranscriptLabels::english()).expect("pdf");
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "Continuing education transcript",
        "Dr. Amaka Obi & Partners",
        "2025-01-01 – 2026-12-31",
        "Generated on",
        "2027-01-05",
        "Date",
        "Activity",
        "Credit type",
        "Source",
        "Totals by credit type",
        "48.75",
        "12.25",
        "Of which self-reported",
        "Licences",
        "Physician, California, A123456 (renews 2027-03-31)",
        "Met",
        "Short by 3.5 (opioid prescribing: short by 1)",
        "Page 1 of 1",
    ] {
        assert_has(text, expected);
    }
    for row in &doc.rows {
        assert_has(text, &row.activity);
        assert_has(text, &row.source);
        assert_has(text, &row.date.to_string());
    }
}

#[test]
fn a_long_transcript_runs_onto_numbered_pages() {
    let doc = transcript(150);
    let labels = TranscriptLabels::english();
    let pdf = transcript_pdf(&doc, &labels).expect("pdf");
    let pages = pages(&pdf);
    let count = pages.len();
    assert!(count >= 3, "{count} pages");
    assert_eq!(transcript_svgs(&doc, &labels).len(), count);
    for (i, page) in pages.iter().enumerate() {
        assert_has(page, &format!("Page {} of {count}", i + 1));
        // The column captions are repeated on every page with entries.
        if i + 1 < count {
            assert_has(page, "DateActivityCredittypeCreditsSource");
        }
        // Continued pages name the learner at the top.
        assert_has(page, "Dr. Amaka Obi & Partners");
    }
    // Every row is printed once, in order, across the pages.
    let all: String = pages.concat();
    let mut from = 0;
    for row in &doc.rows {
        let needle = letters(&row.activity);
        let at = all[from..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{} after position {from}", row.activity));
        from += at + needle.len();
        assert_eq!(all.matches(&needle).count(), 1, "{needle}");
    }
    let last = &pages[count - 1];
    assert_has(last, "Totals by credit type");
    assert_has(last, "Short by 3.5");
}

#[test]
fn an_empty_transcript_says_so() {
    let mut doc = transcript(0);
    doc.totals.clear();
    doc.licences.clear();
    let pdf = transcript_pdf(&doc, &TranscriptLabels::english()).expect("pdf");
    let pages = pages(&pdf);
    assert_eq!(pages.len(), 1);
    assert_has(&pages[0], "No credits were recorded in this period.");
    assert!(!pages[0].contains("Totalsbycredittype") && !pages[0].contains("Licences"));
}

#[test]
fn a_transcript_is_a_pure_function_of_its_input() {
    let doc = transcript(80);
    let labels = TranscriptLabels::english();
    let first = transcript_pdf(&doc, &labels).expect("pdf");
    for _ in 0..4 {
        assert_eq!(transcript_pdf(&doc, &labels).expect("pdf"), first);
    }
}
