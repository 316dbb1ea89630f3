//! Writes a sample credit certificate (PDF, and a PNG of its SVG) and a
//! sample transcript (PDF) to a folder, to look at:
//!
//! ```sh
//! cargo run -p medicaledu-documents --example sample -- /tmp
//! ```

use std::error::Error;
use std::path::PathBuf;

use chrono::NaiveDate;
use medicaledu_documents::{
    CertificateLabels, TranscriptDocument, TranscriptLabels, TranscriptLicence, TranscriptRow,
    certificate_pdf, certificate_svg, transcript_pdf,
};
use medicaledu_domain::{
    ActivityFormat, CertificateCode, CertificateKind, CertificateSnapshot, CreditAmount,
    CreditTypeName, Timestamp, TypeTotal,
};

fn date(s: &str) -> Result<NaiveDate, Box<dyn Error>> {
    Ok(s.parse()?)
}

fn credits(s: &str) -> Result<CreditAmount, Box<dyn Error>> {
    CreditAmount::parse(s).map_err(|e| e.message.into())
}

fn code(s: &str) -> Result<CertificateCode, Box<dyn Error>> {
    CertificateCode::parse(s).ok_or_else(|| format!("not a code: {s}").into())
}

fn main() -> Result<(), Box<dyn Error>> {
    let folder = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));

    let snapshot = CertificateSnapshot {
        code: code("MEDU-7K2M-9QXP-4RTV-H3WZ")?,
        kind: CertificateKind::Credit,
        learner_name: "Dr. Amaka Obi-Eze & Partners".into(),
        activity_title: "Sepsis: recognising and treating the first hour".into(),
        activity_format: ActivityFormat::Enduring,
        activity_starts_on: date("2026-01-15")?,
        activity_ends_on: Some(date("2028-01-14")?),
        completed_on: date("2026-06-01")?,
        credit_type: Some("AMA PRA Category 1 Credit™".into()),
        credits: Some(credits("1.5")?),
        provider_name: "MedicalEdu Institute".into(),
        accreditation_statement: "MedicalEdu Institute is accredited by the Accreditation \
            Council for Continuing Medical Education (ACCME) to provide continuing medical \
            education for physicians. This activity was planned and implemented in accordance \
            with the accreditation requirements and policies of the ACCME through the joint \
            providership of MedicalEdu Institute and the Society of Critical Care Educators. \
            MedicalEdu Institute is also approved as a provider of nursing continuing \
            professional development by the Nursing Commission."
            .into(),
        designation_statement: Some(
            "MedicalEdu Institute designates this enduring material for a maximum of 2 AMA PRA \
             Category 1 Credits™. Physicians should claim only the credit commensurate with the \
             extent of their participation in the activity."
                .into(),
        ),
        issued_at: Timestamp::parse_rfc3339("2026-06-01T14:30:00Z")?,
        supersedes: Some(code("MEDU-0000-1111-2222-3333")?),
    };
    let labels = CertificateLabels::english();
    let hash = snapshot.sha256_hex();
    let url = "https://medicaledu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ";

    let pdf = certificate_pdf(&snapshot, &hash, url, &labels)?;
    std::fs::write(folder.join("certificate-sample.pdf"), pdf)?;

    // The PNG as the diagram crate draws one: resvg with the bundled fonts.
    let svg = certificate_svg(&snapshot, &hash, url, &labels);
    let options = usvg::Options {
        font_family: medicaledu_diagram::fonts::FAMILY.to_owned(),
        fontdb: medicaledu_diagram::fonts::database(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&svg, &options)?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("the certificate has no area")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    std::fs::write(folder.join("certificate-sample.png"), pixmap.encode_png()?)?;

    let category_1 = CreditTypeName::parse("AMA PRA Category 1 Credit™").map_err(|e| e.message)?;
    let rows = (0..70)
        .map(|i| {
            Ok(TranscriptRow {
                date: date("2025-01-06")? + chrono::Days::new(i * 10),
                activity: if i % 9 == 4 {
                    format!(
                        "Regional perioperative medicine conference, day {}",
                        i % 3 + 1
                    )
                } else {
                    format!("Sepsis update, module {}", i + 1)
                },
                credit_type: category_1.as_str().to_owned(),
                credits: credits(if i % 3 == 0 { "1.5" } else { "0.75" })?,
                source: if i % 9 == 4 {
                    "Self-reported".to_owned()
                } else {
                    format!("MedicalEdu certificate MEDU-7K2M-9QXP-4RTV-{:04}", i)
                },
            })
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    let transcript = TranscriptDocument {
        learner_name: snapshot.learner_name.clone(),
        period_from: date("2025-01-01")?,
        period_to: date("2026-12-31")?,
        generated_on: date("2027-01-05")?,
        rows,
        totals: vec![TypeTotal {
            credit_type: category_1,
            total: credits("64.5")?,
            self_reported: credits("6")?,
        }],
        licences: vec![
            TranscriptLicence {
                licence: "Physician, California, A123456 (renews 2027-03-31)".into(),
                status: "Met".into(),
                met: true,
            },
            TranscriptLicence {
                licence: "Physician, Ontario, CPSO 99887 (renews 2026-12-31)".into(),
                status: "Short by 3.5 (opioid prescribing: short by 1)".into(),
                met: false,
            },
        ],
    };
    let pdf = transcript_pdf(&transcript, &TranscriptLabels::english())?;
    std::fs::write(folder.join("transcript-sample.pdf"), pdf)?;
    Ok(())
}
