//! The one font the diagram uses, shipped inside the binary.
//!
//! resvg and svg2pdf only draw text with fonts they are given, and silently
//! drop text they have no font for; loading the system's fonts would make the
//! output depend on the machine. So DejaVu Sans (regular and bold, see
//! `fonts/LICENSE`) is compiled in, loaded into a private font database, and
//! also used to measure text while laying out, so boxes fit their text.

use std::sync::{Arc, LazyLock};

use usvg::fontdb;

/// DejaVu Sans, regular.
pub static SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub static SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// The font license, to serve or ship beside the font files.
pub static LICENSE: &str = include_str!("../fonts/LICENSE");

/// The family name the SVG asks for.
pub const FAMILY: &str = "DejaVu Sans";
/// The SVG's `font-family`: DejaVu Sans, then fonts with similar metrics for
/// SVG viewers that do not have it.
pub const FONT_STACK: &str = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";

/// A font database holding only the bundled fonts, also answering for the
/// generic `sans-serif` family.
pub fn database() -> Arc<fontdb::Database> {
    static DATABASE: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
        let mut db = fontdb::Database::new();
        db.load_font_source(fontdb::Source::Binary(Arc::new(SANS)));
        db.load_font_source(fontdb::Source::Binary(Arc::new(SANS_BOLD)));
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    });
    Arc::clone(&DATABASE)
}

struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Metrics {
    fn new(data: &'static [u8]) -> Metrics {
        let face = ttf_parser::Face::parse(data, 0).expect("the bundled font parses");
        let units_per_em = f32::from(face.units_per_em());
        Metrics { face, units_per_em }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let fallback = self
            .face
            .glyph_index('?')
            .and_then(|g| self.face.glyph_hor_advance(g))
            .unwrap_or(0);
        let units: u32 = text
            .chars()
            .map(|c| {
                let advance = self
                    .face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .unwrap_or(fallback);
                u32::from(advance)
            })
            .sum();
        units as f32 * size / self.units_per_em
    }
}

static REGULAR: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(SANS));
static BOLD: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(SANS_BOLD));

/// The advance width of `text` at `size` pixels, from the bundled font's
/// metrics (kerning ignored: it only ever narrows DejaVu text slightly).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    if bold {
        BOLD.width(text, size)
    } else {
        REGULAR.width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_fonts_load_and_measure() {
        let db = database();
        assert_eq!(db.len(), 2);
        let families: Vec<_> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(name, _)| name.clone()))
            .collect();
        assert!(families.iter().all(|f| f == FAMILY), "{families:?}");
        let regular = text_width("availability_slots", 13.0, false);
        let bold = text_width("availability_slots", 13.0, true);
        assert!(regular > 100.0 && regular < 140.0, "{regular}");
        assert!(bold > regular);
    }
}
