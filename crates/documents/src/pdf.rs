//! Pages to one PDF: every page's SVG converted by svg2pdf into a form
//! XObject (`to_chunk`), renumbered into one document with pdf-writer and
//! drawn on a page of the page's size.

use std::collections::BTreeMap;

use medicaledu_diagram::fonts;
use pdf_writer::{Content, Finish as _, Name, Pdf, Rect, Ref, TextStr};

use crate::DocumentError;
use crate::scene::Page;

/// The page's SVG as a usvg tree, with the bundled fonts and nothing from the
/// machine (as the diagram crate renders).
pub(crate) fn tree(page: &Page) -> Result<usvg::Tree, DocumentError> {
    let options = usvg::Options {
        font_family: fonts::FAMILY.to_owned(),
        fontdb: fonts::database(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(&page.svg(), &options).map_err(|e| DocumentError::Svg(e.to_string()))
}

/// The PDF of `pages`, titled `title` in its document information. Nothing
/// but the pages and the title goes in (no dates, no random file ID), so the
/// same pages always give the same bytes.
pub(crate) fn document(pages: &[Page], title: &str) -> Result<Vec<u8>, DocumentError> {
    let mut alloc = Ref::new(1);
    let catalog_id = alloc.bump();
    let tree_id = alloc.bump();
    let info_id = alloc.bump();
    let page_ids: Vec<Ref> = pages.iter().map(|_| alloc.bump()).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("MedicalEdu"));

    let name = Name(b"P0");
    for (page, &page_id) in pages.iter().zip(&page_ids) {
        let (chunk, root) = svg2pdf::to_chunk(&tree(page)?, svg2pdf::ConversionOptions::default())
            .map_err(|e| DocumentError::Pdf(e.to_string()))?;
        // Numbered in the order svg2pdf wrote them, after the document's own.
        let mut numbers = BTreeMap::new();
        let chunk = chunk.renumber(|old| *numbers.entry(old).or_insert_with(|| alloc.bump()));
        let root = numbers
            .get(&root)
            .copied()
            .ok_or_else(|| DocumentError::Pdf("svg2pdf wrote no page".to_owned()))?;
        pdf.extend(&chunk);

        // The XObject is one point square: scale it to the page.
        let mut content = Content::new();
        content.save_state();
        content.transform([page.width, 0.0, 0.0, page.height, 0.0, 0.0]);
        content.x_object(name);
        content.restore_state();
        let content_id = alloc.bump();
        pdf.stream(content_id, &content.finish());

        let mut pdf_page = pdf.page(page_id);
        pdf_page
            .media_box(Rect::new(0.0, 0.0, page.width, page.height))
            .parent(tree_id)
            .contents(content_id);
        pdf_page.resources().x_objects().pair(name, root);
        pdf_page.finish();
    }
    Ok(pdf.finish())
}
