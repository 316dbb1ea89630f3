//! SVG, and from it PNG (resvg) and PDF (svg2pdf), with the bundled font.

use medicaledu_schema::Schema;

use crate::{DiagramError, MAX_SCALE, Options, fonts};

/// The diagram as SVG: byte-identical for the same schema and options.
pub fn svg(schema: &Schema, options: &Options) -> Result<String, DiagramError> {
    let diagram = crate::layout(schema, options)?;
    Ok(crate::svg::write(&diagram, options.theme))
}

fn tree(svg: &str) -> Result<usvg::Tree, DiagramError> {
    let options = usvg::Options {
        font_family: fonts::FAMILY.to_owned(),
        fontdb: fonts::database(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| DiagramError::Render(e.to_string()))
}

/// The diagram as a PNG, `scale` device pixels per SVG pixel (1 for the
/// diagram's own size, 2 for a sharp print or a high-density screen).
pub fn png(schema: &Schema, options: &Options, scale: f32) -> Result<Vec<u8>, DiagramError> {
    if !(scale > 0.0 && scale <= MAX_SCALE) {
        return Err(DiagramError::Scale(scale));
    }
    let tree = tree(&svg(schema, options)?)?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| DiagramError::Render(format!("cannot scale the picture by {scale}")))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| DiagramError::Render("the picture has no area".to_owned()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| DiagramError::Render(e.to_string()))
}

/// The diagram as a one-page PDF of the diagram's size, with the text
/// embedded as text in a subset of the bundled font (selectable, searchable).
pub fn pdf(schema: &Schema, options: &Options) -> Result<Vec<u8>, DiagramError> {
    let tree = tree(&svg(schema, options)?)?;
    // 96 SVG pixels to the inch, as CSS has it.
    let page = svg2pdf::PageOptions { dpi: 96.0 };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| DiagramError::Render(e.to_string()))
}
