//! MedicalEdu's printable documents: the CME certificate and the learner's
//! transcript, as PDF.
//!
//! # Snapshots only
//!
//! A certificate is drawn from its [`CertificateSnapshot`] and nothing else:
//! the learner's name, the activity's title and dates, the credits and the
//! provider's statements exactly as they were frozen at issue. Nothing is read
//! from live data, so renaming the course or the learner later, rewording a
//! designation or changing the provider's accreditation statement changes
//! neither the PDF nor the verification page, which shows the same snapshot.
//! The SHA-256 printed in the small print is the snapshot's own
//! ([`CertificateSnapshot::sha256_hex`]), so a printed certificate can be
//! checked against the record; a correction is a new certificate that
//! supersedes the old one and says so. The transcript likewise prints only
//! what the caller hands it in a [`TranscriptDocument`].
//!
//! The fixed words ([`CertificateLabels`], [`TranscriptLabels`]) come from
//! the caller too, so the web crate can translate them; `english()` gives the
//! defaults. Dates are printed as ISO 8601 (`2026-06-01`), which no reader
//! misreads whatever their locale.
//!
//! # Pure functions
//!
//! The documents depend on their arguments alone: no clock, no randomness, no
//! fonts from the machine (the diagram crate's bundled DejaVu Sans, see
//! [`medicaledu_diagram::fonts`]). The same arguments give the same bytes,
//! so a certificate can be rendered again on demand rather than stored.
//!
//! # How
//!
//! Each page is laid out in points as shapes and lines of text (wrapped and
//! shrunk to fit with the bundled font's metrics), written as SVG, and
//! converted by svg2pdf with the text kept as text (selectable, searchable).
//! svg2pdf makes one form XObject per SVG ([`svg2pdf::to_chunk`]); pdf-writer
//! puts each on a page of its own, so a transcript runs onto as many pages as
//! its entries need.
//!
//! All text is set in the regular face: hierarchy comes from size and
//! colour. svg2pdf 0.13 writes the fonts of a conversion in the order of a
//! randomly seeded hash map, so a page with both the regular and the bold
//! face comes out in one of four byte orders from run to run (same look,
//! different bytes); with one face it is the same every time.
//!
//! Only the characters DejaVu Sans has are drawn (Latin, Greek, Cyrillic and
//! more, but no CJK): others show as the font's missing-glyph box.
//!
//! ```no_run
//! # fn example(snapshot: &medicaledu_domain::CertificateSnapshot) -> Result<(), medicaledu_documents::DocumentError> {
//! use medicaledu_documents::{CertificateLabels, certificate_pdf};
//! let pdf = certificate_pdf(
//!     snapshot,
//!     &snapshot.sha256_hex(),
//!     "https://medicaledu.example/verify/MEDU-7K2M-9QXP-4RTV-H3WZ",
//!     &CertificateLabels::english(),
//! )?;
//! # Ok(())
//! # }
//! ```

mod certificate;
mod pdf;
mod scene;
mod transcript;

pub use certificate::{CertificateLabels, certificate_pdf, certificate_svg};
pub use transcript::{
    TranscriptDocument, TranscriptLabels, TranscriptLicence, TranscriptRow, transcript_pdf,
    transcript_svgs,
};

#[cfg(doc)]
use medicaledu_domain::CertificateSnapshot;

/// Why a document could not be produced. With the bundled font and the SVG
/// this crate writes, neither should happen; they are reported rather than
/// panicked on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the page's SVG could not be read: {0}")]
    Svg(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}
