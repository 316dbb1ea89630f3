//! The transcript: A4 portrait pages of a learner's credits in a period,
//! their totals per credit type and where each licence stands.

use chrono::NaiveDate;
use medicaledu_domain::{CreditAmount, TypeTotal};

use crate::certificate::iso;
use crate::scene::{
    A4_LONG, A4_SHORT, ACCENT, Anchor, BAD, GOOD, HEADER_SHADE, INK, MUTED, Page, RULE, SHADE,
    Text, fit, wrap,
};
use crate::{DocumentError, pdf};

/// What a transcript prints, gathered and worded by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptDocument {
    pub learner_name: String,
    /// The period covered, both days included.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Printed as the transcript's date: the caller's "today", passed in so
    /// that the document depends on nothing else.
    pub generated_on: NaiveDate,
    /// In the order to print them (usually by date).
    pub rows: Vec<TranscriptRow>,
    /// Per credit type, as [`totals_by_type`](medicaledu_domain::totals_by_type)
    /// gives them.
    pub totals: Vec<TypeTotal>,
    pub licences: Vec<TranscriptLicence>,
}

/// One credit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptRow {
    pub date: NaiveDate,
    /// The activity's title, or the learner's description of a
    /// self-reported one.
    pub activity: String,
    pub credit_type: String,
    pub credits: CreditAmount,
    /// Where the entry comes from, worded by the caller:
    /// "MedicalEdu certificate MEDU-…", "Self-reported".
    pub source: String,
}

/// One licence and where its current cycle stands, worded by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLicence {
    /// Profession, jurisdiction, number, renewal date: "Physician, California,
    /// A123456 (renews 2027-03-31)".
    pub licence: String,
    /// "Met", or "Short by 3.5 (opioid prescribing: short by 1)".
    pub status: String,
    /// Whether the status is good news (drawn in green, otherwise red).
    pub met: bool,
}

/// The fixed words of a transcript, for the caller to translate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLabels {
    pub title: String,
    pub learner: String,
    pub period: String,
    pub generated_on: String,
    /// Column captions of the entries.
    pub date: String,
    pub activity: String,
    pub credit_type: String,
    pub credits: String,
    pub source: String,
    /// In place of the entries when there are none.
    pub no_rows: String,
    /// The totals' heading and column captions (the credit type column
    /// reuses [`credit_type`](Self::credit_type)).
    pub totals: String,
    pub total: String,
    pub self_reported: String,
    /// The licences' heading and column captions.
    pub licences: String,
    pub licence: String,
    pub status: String,
    /// The page number; `{page}` and `{pages}` are replaced.
    pub page: String,
}

impl TranscriptLabels {
    pub fn english() -> Self {
        Self {
            title: "Continuing education transcript".into(),
            learner: "Learner".into(),
            period: "Period".into(),
            generated_on: "Generated on".into(),
            date: "Date".into(),
            activity: "Activity".into(),
            credit_type: "Credit type".into(),
            credits: "Credits".into(),
            source: "Source".into(),
            no_rows: "No credits were recorded in this period.".into(),
            totals: "Totals by credit type".into(),
            total: "Total".into(),
            self_reported: "Of which self-reported".into(),
            licences: "Licences".into(),
            licence: "Licence".into(),
            status: "Current cycle".into(),
            page: "Page {page} of {pages}".into(),
        }
    }
}

impl Default for TranscriptLabels {
    fn default() -> Self {
        Self::english()
    }
}

const WIDTH: f32 = A4_SHORT;
const HEIGHT: f32 = A4_LONG;
const LEFT: f32 = 48.0;
const CONTENT: f32 = WIDTH - 2.0 * LEFT;
/// No row runs below this; the footer sits under it.
const BOTTOM: f32 = HEIGHT - 58.0;
/// Where a continued page's content starts.
const CONTINUED_TOP: f32 = 72.0;

const BODY: f32 = 8.5;
const LINE: f32 = 10.5;
const CAPTION: f32 = 8.0;
const PAD: f32 = 4.0;
const GUTTER: f32 = 4.0;
/// No cell runs longer, so that every row fits on a page; longer text is
/// cut with an ellipsis.
const MAX_CELL_LINES: usize = 40;

struct Column<'a> {
    caption: &'a str,
    width: f32,
    anchor: Anchor,
}

struct Cell {
    text: String,
    fill: &'static str,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            fill: INK,
        }
    }
}

fn cell_lines(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = wrap(text, size, width - 2.0 * GUTTER);
    if lines.len() > MAX_CELL_LINES {
        lines.truncate(MAX_CELL_LINES);
        if let Some(last) = lines.last_mut() {
            last.push('…');
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

struct Flow<'a> {
    doc: &'a TranscriptDocument,
    labels: &'a TranscriptLabels,
    pages: Vec<Page>,
    y: f32,
    /// Where content starts on the current page: a block that does not fit
    /// there is placed anyway, since no other page has more room.
    top: f32,
}

impl<'a> Flow<'a> {
    fn new(doc: &'a TranscriptDocument, labels: &'a TranscriptLabels) -> Self {
        let mut page = Page::new(WIDTH, HEIGHT);
        let title_size = fit(&labels.title, CONTENT, 21.0, 12.0);
        let mut y = 70.0;
        for (i, line) in wrap(&labels.title, title_size, CONTENT)
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                y += title_size * 1.2;
            }
            page.text(text(LEFT, y, title_size, ACCENT, Anchor::Start, line));
        }
        let period = if doc.period_from == doc.period_to {
            iso(doc.period_from)
        } else {
            format!("{} – {}", iso(doc.period_from), iso(doc.period_to))
        };
        let generated = iso(doc.generated_on);
        let facts = [
            (&labels.learner, doc.learner_name.as_str(), 250.0),
            (&labels.period, period.as_str(), 158.0),
            (&labels.generated_on, generated.as_str(), CONTENT - 408.0),
        ];
        let mut x = LEFT;
        let captions_y = y + 30.0;
        let mut bottom = captions_y;
        for (caption, value, width) in facts {
            page.text(text(
                x,
                captions_y,
                CAPTION,
                MUTED,
                Anchor::Start,
                caption.clone(),
            ));
            let size = fit(value, width - 8.0, 11.5, 8.0);
            for (i, line) in wrap(value, size, width - 8.0).into_iter().enumerate() {
                let line_y = captions_y + 15.0 + i as f32 * size * 1.2;
                bottom = bottom.max(line_y);
                page.text(text(x, line_y, size, INK, Anchor::Start, line));
            }
            x += width;
        }
        let rule = bottom + 12.0;
        page.line((LEFT, rule), (LEFT + CONTENT, rule), RULE, 0.8);
        let top = rule + 20.0;
        Self {
            doc,
            labels,
            pages: vec![page],
            y: top,
            top,
        }
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::new(WIDTH, HEIGHT));
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        let mut page = Page::new(WIDTH, HEIGHT);
        let running = format!("{} · {}", self.labels.title, self.doc.learner_name);
        let size = fit(&running, CONTENT, 8.5, 5.0);
        page.text(text(LEFT, 44.0, size, MUTED, Anchor::Start, running));
        page.line((LEFT, 52.0), (LEFT + CONTENT, 52.0), RULE, 0.6);
        self.pages.push(page);
        self.y = CONTINUED_TOP;
        self.top = CONTINUED_TOP;
    }

    /// Starts a new page unless `height` fits on this one; true if it did.
    fn room(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > self.top {
            self.new_page();
            true
        } else {
            false
        }
    }

    fn heading(&mut self, title: &str, keep_with: f32) {
        let size = fit(title, CONTENT, 12.5, 8.0);
        let lines = wrap(title, size, CONTENT);
        let height = 10.0 + lines.len() as f32 * size * 1.25 + 6.0;
        if self.y > self.top {
            self.y += 8.0;
        }
        self.room(height + keep_with);
        let mut y = self.y + 10.0;
        for line in lines {
            y += size;
            self.page()
                .text(text(LEFT, y, size, ACCENT, Anchor::Start, line));
            y += size * 0.25;
        }
        self.y = y + 8.0;
    }

    fn header_height(columns: &[Column<'_>]) -> f32 {
        let lines = columns
            .iter()
            .map(|c| cell_lines(c.caption, CAPTION, c.width).len())
            .max()
            .unwrap_or(1);
        lines as f32 * (CAPTION + 2.0) + 2.0 * PAD
    }

    fn header(&mut self, columns: &[Column<'_>]) {
        let height = Self::header_height(columns);
        let y = self.y;
        let page = self.page();
        page.rect((LEFT, y, CONTENT, height), Some(HEADER_SHADE), None);
        let mut x = LEFT;
        for column in columns {
            let lines = cell_lines(column.caption, CAPTION, column.width);
            for (i, line) in lines.into_iter().enumerate() {
                let baseline = y + PAD + CAPTION * 0.85 + i as f32 * (CAPTION + 2.0);
                page.text(text(
                    anchor_x(x, column),
                    baseline,
                    CAPTION,
                    ACCENT,
                    column.anchor,
                    line,
                ));
            }
            x += column.width;
        }
        self.y += height;
    }

    /// A table whose header is repeated on every page it runs onto.
    fn table(&mut self, columns: &[Column<'_>], rows: Vec<Vec<Cell>>) {
        let laid: Vec<Vec<Vec<String>>> = rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(columns)
                    .map(|(cell, column)| cell_lines(&cell.text, BODY, column.width))
                    .collect()
            })
            .collect();
        let heights: Vec<f32> = laid
            .iter()
            .map(|cells| {
                let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
                lines as f32 * LINE + 2.0 * PAD
            })
            .collect();
        self.header(columns);
        for (index, ((row, cells), height)) in rows.iter().zip(laid).zip(heights).enumerate() {
            if self.room(height) {
                self.header(columns);
            }
            let y = self.y;
            let page = self.page();
            if index % 2 == 1 {
                page.rect((LEFT, y, CONTENT, height), Some(SHADE), None);
            }
            let mut x = LEFT;
            for ((cell, lines), column) in row.iter().zip(cells).zip(columns) {
                for (i, line) in lines.into_iter().enumerate() {
                    let baseline = y + PAD + BODY * 0.85 + i as f32 * LINE;
                    page.text(text(
                        anchor_x(x, column),
                        baseline,
                        BODY,
                        cell.fill,
                        column.anchor,
                        line,
                    ));
                }
                x += column.width;
            }
            self.y += height;
        }
        let y = self.y;
        self.page().line((LEFT, y), (LEFT + CONTENT, y), RULE, 0.6);
    }

    fn first_row_height(columns: &[Column<'_>], row: Option<&Vec<Cell>>) -> f32 {
        let lines = row
            .map(|row| {
                row.iter()
                    .zip(columns)
                    .map(|(cell, column)| cell_lines(&cell.text, BODY, column.width).len())
                    .max()
                    .unwrap_or(1)
            })
            .unwrap_or(1);
        Self::header_height(columns) + lines as f32 * LINE + 2.0 * PAD
    }

    fn entries(&mut self) {
        let labels = self.labels;
        let columns = [
            Column {
                caption: &labels.date,
                width: 58.0,
                anchor: Anchor::Start,
            },
            Column {
                caption: &labels.activity,
                width: 150.0,
                anchor: Anchor::Start,
            },
            Column {
                caption: &labels.credit_type,
                width: 108.0,
                anchor: Anchor::Start,
            },
            Column {
                caption: &labels.credits,
                width: 40.0,
                anchor: Anchor::End,
            },
            Column {
                caption: &labels.source,
                width: CONTENT - 356.0,
                anchor: Anchor::Start,
            },
        ];
        if self.doc.rows.is_empty() {
            self.header(&columns);
            let y = self.y + PAD + BODY;
            let note = labels.no_rows.clone();
            self.page().text(text(
                LEFT + GUTTER,
                y + 4.0,
                BODY + 0.5,
                MUTED,
                Anchor::Start,
                note,
            ));
            self.y = y + 14.0;
            return;
        }
        let rows: Vec<Vec<Cell>> = self
            .doc
            .rows
            .iter()
            .map(|row| {
                vec![
                    Cell::plain(iso(row.date)),
                    Cell::plain(row.activity.as_str()),
                    Cell::plain(row.credit_type.as_str()),
                    Cell::plain(row.credits.to_string()),
                    Cell::plain(row.source.as_str()),
                ]
            })
            .collect();
        self.table(&columns, rows);
    }

    fn totals(&mut self) {
        if self.doc.totals.is_empty() {
            return;
        }
        let labels = self.labels;
        let columns = [
            Column {
                caption: &labels.credit_type,
                width: CONTENT - 230.0,
                anchor: Anchor::Start,
            },
            Column {
                caption: &labels.total,
                width: 100.0,
                anchor: Anchor::End,
            },
            Column {
                caption: &labels.self_reported,
                width: 130.0,
                anchor: Anchor::End,
            },
        ];
        let rows: Vec<Vec<Cell>> = self
            .doc
            .totals
            .iter()
            .map(|total| {
                vec![
                    Cell::plain(total.credit_type.as_str()),
                    Cell::plain(total.total.to_string()),
                    Cell::plain(total.self_reported.to_string()),
                ]
            })
            .collect();
        self.heading(
            &labels.totals,
            Self::first_row_height(&columns, rows.first()),
        );
        self.table(&columns, rows);
    }

    fn licences(&mut self) {
        if self.doc.licences.is_empty() {
            return;
        }
        let labels = self.labels;
        let columns = [
            Column {
                caption: &labels.licence,
                width: CONTENT - 190.0,
                anchor: Anchor::Start,
            },
            Column {
                caption: &labels.status,
                width: 190.0,
                anchor: Anchor::Start,
            },
        ];
        let rows: Vec<Vec<Cell>> = self
            .doc
            .licences
            .iter()
            .map(|licence| {
                vec![
                    Cell::plain(licence.licence.as_str()),
                    Cell {
                        text: licence.status.clone(),
                        fill: if licence.met { GOOD } else { BAD },
                    },
                ]
            })
            .collect();
        self.heading(
            &labels.licences,
            Self::first_row_height(&columns, rows.first()),
        );
        self.table(&columns, rows);
    }

    /// Every page's footer, now that the number of pages is known.
    fn finish(mut self) -> Vec<Page> {
        let pages = self.pages.len();
        let left = format!("{} · {}", self.labels.title, self.doc.learner_name);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = self
                .labels
                .page
                .replace("{page}", &(i + 1).to_string())
                .replace("{pages}", &pages.to_string());
            let number_width = crate::scene::width(&number, 8.0);
            let y = HEIGHT - 32.0;
            page.line((LEFT, y - 12.0), (LEFT + CONTENT, y - 12.0), RULE, 0.6);
            let room = CONTENT - number_width - 16.0;
            let size = fit(&left, room, 8.0, 4.0);
            page.text(text(LEFT, y, size, MUTED, Anchor::Start, left.clone()));
            page.text(text(LEFT + CONTENT, y, 8.0, MUTED, Anchor::End, number));
        }
        self.pages
    }
}

fn anchor_x(x: f32, column: &Column<'_>) -> f32 {
    match column.anchor {
        Anchor::Start => x + GUTTER,
        Anchor::Middle => x + column.width / 2.0,
        Anchor::End => x + column.width - GUTTER,
    }
}

fn text(x: f32, y: f32, size: f32, fill: &'static str, anchor: Anchor, content: String) -> Text {
    Text {
        x,
        y,
        size,
        fill,
        anchor,
        content,
    }
}

pub(crate) fn layout(doc: &TranscriptDocument, labels: &TranscriptLabels) -> Vec<Page> {
    let mut flow = Flow::new(doc, labels);
    flow.entries();
    flow.totals();
    flow.licences();
    flow.finish()
}

/// The transcript's pages as SVG (A4 portrait, sized in millimetres): what
/// [`transcript_pdf`] prints, page by page.
pub fn transcript_svgs(doc: &TranscriptDocument, labels: &TranscriptLabels) -> Vec<String> {
    layout(doc, labels)
        .iter()
        .map(crate::scene::Page::svg)
        .collect()
}

/// The transcript as a PDF of as many A4 pages as its entries need, the
/// entries' column captions repeated at the top of each page they run onto
/// and every page numbered. A pure function of its arguments: the same
/// arguments give the same bytes.
pub fn transcript_pdf(
    doc: &TranscriptDocument,
    labels: &TranscriptLabels,
) -> Result<Vec<u8>, DocumentError> {
    let pages = layout(doc, labels);
    pdf::document(&pages, &format!("{} · {}", labels.title, doc.learner_name))
}
