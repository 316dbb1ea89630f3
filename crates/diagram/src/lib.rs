//! The MedicalEdu schema drawn as an entity-relationship diagram, natively:
//! no Graphviz, browser or network.
//!
//! [`layout`] places one box per table (name, columns, types, PK/FK/UK/NN
//! markers) in one column per area of the product (the catalog's table
//! groups), orders the areas and the tables in them to keep relationships
//! short and crossings few (a layered layout: areas are the layers, ordered by
//! the barycenter heuristic), then routes every foreign key as an orthogonal
//! connector through the space between boxes, from the referencing column to
//! the referenced table, never through a box. Crow's feet at both ends give the
//! cardinality from nullability and uniqueness.
//!
//! [`svg`] writes the picture; [`png`] rasterizes it with resvg and [`pdf`]
//! converts it with svg2pdf (text stays text, so it can be selected and
//! searched). Both use the bundled font ([`fonts`]) and nothing from the
//! machine, so every machine draws the same picture; the SVG is byte-identical
//! for the same schema and options.
//!
//! ```no_run
//! # fn example(schema: &medicaledu_schema::Schema) -> Result<(), medicaledu_diagram::DiagramError> {
//! use medicaledu_diagram::{Options, Theme};
//! let options = Options { group: Some("scheduling".into()), theme: Theme::Dark, ..Options::default() };
//! let png = medicaledu_diagram::png(schema, &options, 2.0)?;
//! # Ok(())
//! # }
//! ```

pub mod fonts;
mod layout;
mod render;
mod route;
mod select;
mod svg;

use std::fmt;
use std::str::FromStr;

pub use layout::{Diagram, DrawnEdge, DrawnTable, End, Rect, Row};
pub use render::{pdf, png, svg};

use medicaledu_schema::Schema;

/// What to draw and how.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    /// Draw only these tables (with [`Options::group`]: these and the group's),
    /// plus their direct neighbours, faded. Empty: no subset by table.
    pub tables: Vec<String>,
    /// Draw only this area's tables, plus their direct neighbours, faded.
    pub group: Option<String>,
    pub theme: Theme,
}

impl Options {
    /// Whether a subset was asked for.
    pub fn is_subset(&self) -> bool {
        !self.tables.is_empty() || self.group.is_some()
    }
}

/// The colour scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 2] = [Theme::Light, Theme::Dark];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Theme {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown theme {s:?}; expected light or dark"))
    }
}

/// The picture formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Svg,
    Png,
    Pdf,
}

impl ImageFormat {
    pub const ALL: [ImageFormat; 3] = [ImageFormat::Svg, ImageFormat::Png, ImageFormat::Pdf];

    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Svg => "svg",
            ImageFormat::Png => "png",
            ImageFormat::Pdf => "pdf",
        }
    }

    pub fn file_extension(self) -> &'static str {
        self.name()
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Svg => "image/svg+xml",
            ImageFormat::Png => "image/png",
            ImageFormat::Pdf => "application/pdf",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ImageFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown image format {s:?}; expected svg, png or pdf"))
    }
}

/// The largest `scale` [`png`] accepts: a 2,000-pixel-wide diagram at 8× is
/// already a quarter of a gigapixel.
pub const MAX_SCALE: f32 = 8.0;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DiagramError {
    #[error("no table named {0:?} in the schema")]
    UnknownTable(String),
    #[error("no group named {name:?}; the schema has: {known}")]
    UnknownGroup { name: String, known: String },
    #[error("there is nothing to draw: the schema has no tables")]
    Empty,
    #[error("the scale must be a number above 0 and at most {MAX_SCALE}, not {0}")]
    Scale(f32),
    #[error("rendering failed: {0}")]
    Render(String),
}

/// Lays the diagram out: every box, row and connector with its coordinates.
/// [`svg`] draws exactly this.
pub fn layout(schema: &Schema, options: &Options) -> Result<Diagram, DiagramError> {
    let selection = select::select(schema, options)?;
    Ok(layout::layout(schema, &selection, options))
}

/// Renders `schema` as `format`; `scale` applies to PNG only.
pub fn render(
    schema: &Schema,
    options: &Options,
    format: ImageFormat,
    scale: f32,
) -> Result<Vec<u8>, DiagramError> {
    match format {
        ImageFormat::Svg => svg(schema, options).map(String::into_bytes),
        ImageFormat::Png => png(schema, options, scale),
        ImageFormat::Pdf => pdf(schema, options),
    }
}
