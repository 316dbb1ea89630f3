//! Bar charts drawn on the server as inline SVG, so they need no script and
//! print as they show. One horizontal bar per row: the label on the left, the
//! bar from a zero line (to the left for a negative value), the value written
//! out on the right. The chart is one image to assistive technology, named by
//! its title and described by its description; the page puts the same
//! numbers in a table beside it, which is what a screen reader reads.
//!
//! Colours are the site's brand blue and, for values below zero, its red:
//! both reach more than 4.5:1 against the white paper, above the 3:1 that
//! graphics need, and the sign is written in the value too, so colour never
//! carries meaning alone. Only presentation attributes are used: the
//! Content-Security-Policy forbids inline styles.

use std::fmt::Write as _;

/// One row of a chart.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    /// In any unit (minor units of money here): only the proportions count.
    pub value: i64,
    /// The value as the page writes it, e.g. `EUR 34.00`.
    pub value_text: String,
}

/// A chart of one series of bars.
#[derive(Clone, Debug)]
pub struct BarChart<'a> {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub bars: &'a [Bar],
}

const WIDTH: i64 = 640;
/// The label column, right-aligned against the bars.
const LABEL_WIDTH: i64 = 200;
/// The value column, right-aligned at the chart's right edge.
const VALUE_WIDTH: i64 = 130;
const GAP: i64 = 8;
const ROW_HEIGHT: i64 = 28;
const BAR_HEIGHT: i64 = 18;
const PADDING: i64 = 6;
/// Longer labels are cut with an ellipsis: the table beside has them whole.
const LABEL_CHARS: usize = 24;

const PLOT_LEFT: i64 = LABEL_WIDTH + GAP;
const PLOT_WIDTH: i64 = WIDTH - VALUE_WIDTH - GAP - PLOT_LEFT;

const INK: &str = "#14202b";
const AXIS: &str = "#4a5866";
const POSITIVE: &str = "#0b5cad";
const NEGATIVE: &str = "#a3202a";

/// Where a bar is drawn: its left edge and width in the chart's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Placed {
    x: i64,
    width: i64,
}

/// The zero line's position and each value's bar. The bars span from the
/// smallest value (or zero) to the largest (or zero), so the longest bar
/// fills the plot; all zeros draw no bar at all.
fn place(values: &[i64]) -> (i64, Vec<Placed>) {
    let low = i128::from(values.iter().copied().min().unwrap_or(0).min(0));
    let high = i128::from(values.iter().copied().max().unwrap_or(0).max(0));
    let span = high - low;
    let plot = i128::from(PLOT_WIDTH);
    let scale = |amount: i128| -> i64 {
        if span == 0 {
            0
        } else {
            // At most PLOT_WIDTH: the quotient fits.
            i64::try_from(amount * plot / span).unwrap_or(PLOT_WIDTH)
        }
    };
    let zero = PLOT_LEFT + scale(-low);
    let bars = values
        .iter()
        .map(|&value| {
            let width = scale(i128::from(value).abs());
            Placed {
                x: if value < 0 { zero - width } else { zero },
                width,
            }
        })
        .collect();
    (zero, bars)
}

/// Text safe inside an element and inside a quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to what fits its column, by characters, before escaping.
fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

impl BarChart<'_> {
    /// The chart as an `<svg>` element, every text escaped.
    pub fn svg(&self) -> String {
        let rows = i64::try_from(self.bars.len()).unwrap_or(i64::MAX).max(1);
        let height = 2 * PADDING + rows * ROW_HEIGHT;
        let id = escape(self.id);
        let values: Vec<i64> = self.bars.iter().map(|b| b.value).collect();
        let (zero, placed) = place(&values);
        let mut svg = String::with_capacity(512 + self.bars.len() * 320);
        // Writing into a String cannot fail.
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="15"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(self.title),
            escape(self.description),
        );
        for (row, (bar, at)) in (0_i64..).zip(self.bars.iter().zip(&placed)) {
            let top = PADDING + row * ROW_HEIGHT;
            let middle = top + ROW_HEIGHT / 2;
            let _ = write!(
                svg,
                r#"<text x="{}" y="{middle}" dy="0.35em" text-anchor="end" fill="{INK}">{}</text>"#,
                LABEL_WIDTH,
                escape(&shorten(&bar.label)),
            );
            if at.width > 0 {
                let colour = if bar.value < 0 { NEGATIVE } else { POSITIVE };
                let _ = write!(
                    svg,
                    r#"<rect x="{}" y="{}" width="{}" height="{BAR_HEIGHT}" fill="{colour}"/>"#,
                    at.x,
                    top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
                    at.width,
                );
            }
            let _ = write!(
                svg,
                r#"<text x="{}" y="{middle}" dy="0.35em" text-anchor="end" fill="{INK}">{}</text>"#,
                WIDTH - PADDING,
                escape(&bar.value_text),
            );
        }
        let _ = write!(
            svg,
            r#"<line x1="{zero}" y1="{PADDING}" x2="{zero}" y2="{}" stroke="{AXIS}" stroke-width="1"/></svg>"#,
            height - PADDING,
        );
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            value_text: format!("EUR {value}"),
        }
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let (zero, bars) = place(&[100, 50, 25, 0]);
        assert_eq!(zero, PLOT_LEFT);
        assert_eq!(
            bars.iter().map(|b| b.width).collect::<Vec<_>>(),
            [PLOT_WIDTH, PLOT_WIDTH / 2, PLOT_WIDTH / 4, 0]
        );
        assert!(bars.iter().all(|b| b.x == PLOT_LEFT));
    }

    #[test]
    fn negative_values_go_left_of_the_zero_line() {
        let (zero, bars) = place(&[300, -100]);
        assert_eq!(zero, PLOT_LEFT + PLOT_WIDTH / 4);
        assert_eq!(
            bars[0],
            Placed {
                x: zero,
                width: PLOT_WIDTH * 3 / 4
            }
        );
        assert_eq!(
            bars[1],
            Placed {
                x: PLOT_LEFT,
                width: PLOT_WIDTH / 4
            }
        );
        let (zero, bars) = place(&[-40]);
        assert_eq!(zero, PLOT_LEFT + PLOT_WIDTH, "all below zero");
        assert_eq!(
            bars[0],
            Placed {
                x: PLOT_LEFT,
                width: PLOT_WIDTH
            }
        );
    }

    #[test]
    fn zeros_and_a_single_value_draw_without_dividing_by_zero() {
        let (zero, bars) = place(&[0, 0]);
        assert_eq!(zero, PLOT_LEFT);
        assert!(bars.iter().all(|b| b.width == 0));
        let svg = BarChart {
            id: "c",
            title: "Nothing",
            description: "d",
            bars: &[bar("March 2027", 0)],
        }
        .svg();
        assert!(!svg.contains("<rect"), "no bar for zero: {svg}");
        assert!(svg.contains(">EUR 0</text>"));

        let (_, bars) = place(&[i64::MAX]);
        assert_eq!(bars[0].width, PLOT_WIDTH, "one value fills the plot");
        let (_, bars) = place(&[i64::MIN, i64::MAX]);
        assert!(bars.iter().all(|b| b.width > 0 && b.width <= PLOT_WIDTH));
        let empty = BarChart {
            id: "e",
            title: "Empty",
            description: "d",
            bars: &[],
        }
        .svg();
        assert!(empty.starts_with("<svg") && empty.ends_with("</svg>"));
    }

    #[test]
    fn the_chart_is_one_named_image() {
        let svg = BarChart {
            id: "chart-EUR",
            title: "Net per month, EUR",
            description: "The table beside it has the same amounts.",
            bars: &[bar("March 2027", 3400), bar("April 2027", -500)],
        }
        .svg();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-labelledby="chart-EUR-title""#));
        assert!(svg.contains(r#"<title id="chart-EUR-title">Net per month, EUR</title>"#));
        assert!(svg.contains(r#"aria-describedby="chart-EUR-desc""#));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(&format!(r#"fill="{NEGATIVE}""#)));
        assert!(svg.contains(">March 2027</text>") && svg.contains(">EUR -500</text>"));
        assert!(
            !svg.contains("style="),
            "no inline style: the CSP refuses it"
        );
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = BarChart {
            id: "x\"><script>",
            title: "<b>T&C</b>",
            description: "it's",
            bars: &[Bar {
                label: "<script>x</script>".to_owned(),
                value: 1,
                value_text: "\"1\" & more".to_owned(),
            }],
        }
        .svg();
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(svg.contains("&lt;b&gt;T&amp;C&lt;/b&gt;"));
        assert!(svg.contains("it&#39;s"));
        assert!(svg.contains("&quot;1&quot; &amp; more"));
        assert!(svg.contains(r#"id="x&quot;&gt;&lt;script&gt;-title""#));
    }

    #[test]
    fn long_labels_are_cut_by_characters() {
        let long = "Ärztliche Notfallversorgung im Kindesalter: Grundkurs";
        let short = shorten(long);
        assert_eq!(short.chars().count(), LABEL_CHARS);
        assert!(short.ends_with('…') && long.starts_with(short.trim_end_matches('…')));
        assert_eq!(shorten("Short"), "Short");
        assert_eq!(
            shorten("<&>"),
            "<&>",
            "cut before escaping, never inside an entity"
        );
    }
}
