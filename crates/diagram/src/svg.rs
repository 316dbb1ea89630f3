//! Writes a laid-out [`Diagram`] as SVG.
//!
//! The markup is plain: rectangles, paths, circles and `<text>` in the bundled
//! font's family with every coordinate an integer, so the output is
//! byte-identical for the same layout and renders alike in resvg, svg2pdf and
//! browsers. Elements carry `class` and `data-*` attributes (`data-table`,
//! `data-column`, `data-from`, `data-to`) for the interactive viewer.

use std::fmt::Write;

use crate::Theme;
use crate::fonts::{FONT_STACK, text_width};
use crate::layout::{
    BADGE_SIZE, Diagram, DrawnEdge, DrawnTable, End, GROUP_LABEL_SIZE, HEADER_SIZE, NAME_SIZE,
    SUBTITLE_SIZE, TITLE_SIZE, TYPE_SIZE,
};

struct Palette {
    background: &'static str,
    box_fill: &'static str,
    stripe: &'static str,
    outline: &'static str,
    text: &'static str,
    muted: &'static str,
    not_null: &'static str,
    primary: &'static str,
    foreign: &'static str,
    unique: &'static str,
    group_opacity: &'static str,
}

const LIGHT: Palette = Palette {
    background: "#ffffff",
    box_fill: "#ffffff",
    stripe: "#f3f5f8",
    outline: "#a8b1bd",
    text: "#1f2328",
    muted: "#59636e",
    not_null: "#8c959f",
    primary: "#9a6700",
    foreign: "#0969da",
    unique: "#1a7f37",
    group_opacity: "0.07",
};

const DARK: Palette = Palette {
    background: "#0d1117",
    box_fill: "#161b22",
    stripe: "#1c232c",
    outline: "#3d444d",
    text: "#e6edf3",
    muted: "#9198a1",
    not_null: "#6e7681",
    primary: "#d29922",
    foreign: "#58a6ff",
    unique: "#3fb950",
    group_opacity: "0.13",
};

fn palette(theme: Theme) -> &'static Palette {
    match theme {
        Theme::Light => &LIGHT,
        Theme::Dark => &DARK,
    }
}

/// A group's colour: its header fill, and its connectors' stroke.
fn group_colour(group: &str, theme: Theme) -> (&'static str, &'static str) {
    let (header, light_line, dark_line) = match group {
        "identity" => ("#1d4ed8", "#1d4ed8", "#6ea8fe"),
        "catalog" => ("#047857", "#047857", "#34d399"),
        "scheduling" => ("#b45309", "#b45309", "#fbbf24"),
        "commerce" => ("#6d28d9", "#6d28d9", "#b197fc"),
        "engagement" => ("#be185d", "#be185d", "#f783ac"),
        _ => ("#475569", "#475569", "#a5b4c8"),
    };
    match theme {
        Theme::Light => (header, light_line),
        Theme::Dark => (header, dark_line),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Baseline offset that centres text of `size` pixels on a line.
fn baseline(size: f32) -> i32 {
    (size * 0.36).round() as i32
}

const LEGEND_GAP: f32 = 22.0;
const LEGEND_SAMPLE: f32 = 44.0;

fn legend_badges() -> [(&'static str, &'static str); 4] {
    [
        ("PK", "primary key"),
        ("FK", "foreign key"),
        ("UK", "unique"),
        ("NN", "not null"),
    ]
}

fn legend_ends() -> [(End, &'static str); 3] {
    [
        (End::One, "exactly one"),
        (End::ZeroOrOne, "zero or one"),
        (End::Many, "zero or many"),
    ]
}

/// Width of the legend in the title band.
pub fn legend_width() -> i32 {
    let first: f32 = legend_badges()
        .iter()
        .map(|(badge, text)| {
            text_width(badge, BADGE_SIZE, true) + 5.0 + text_width(text, SUBTITLE_SIZE, false)
        })
        .sum::<f32>()
        + LEGEND_GAP * 3.0;
    let second: f32 = legend_ends()
        .iter()
        .map(|(_, text)| LEGEND_SAMPLE + 6.0 + text_width(text, SUBTITLE_SIZE, false))
        .sum::<f32>()
        + LEGEND_GAP * 2.0;
    first.max(second).ceil() as i32
}

pub fn write(diagram: &Diagram, theme: Theme) -> String {
    let p = palette(theme);
    let mut s = String::with_capacity(256 * 1024);
    let (w, h) = (diagram.width, diagram.height);
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{font}" class="medicaledu-schema theme-{theme}" data-theme="{theme}">"#,
        font = FONT_STACK,
    );
    let _ = writeln!(
        s,
        "<title>{}: {}</title>",
        escape(&diagram.title),
        escape(&diagram.subtitle)
    );
    let _ = writeln!(
        s,
        r#"<rect class="background" width="{w}" height="{h}" fill="{}"/>"#,
        p.background
    );

    heading(&mut s, diagram, theme);

    s.push_str("<g class=\"groups\">\n");
    for group in &diagram.groups {
        let (colour, _) = group_colour(&group.name, theme);
        let r = group.rect;
        let _ = writeln!(
            s,
            r#"<g class="group" data-group="{name}"><rect x="{}" y="{}" width="{}" height="{}" rx="10" fill="{colour}" fill-opacity="{}"/><text x="{}" y="{}" font-size="{GROUP_LABEL_SIZE}" font-weight="bold" letter-spacing="1" fill="{colour}">{label}</text></g>"#,
            r.x,
            r.y,
            r.width,
            r.height,
            p.group_opacity,
            group.label.x + 12,
            group.label.y + group.label.height / 2 + baseline(GROUP_LABEL_SIZE),
            name = escape(&group.name),
            label = escape(&group.name.to_uppercase()),
            colour = if theme == Theme::Dark {
                group_colour(&group.name, theme).1
            } else {
                colour
            },
        );
    }
    s.push_str("</g>\n");

    s.push_str("<g class=\"tables\">\n");
    for table in &diagram.tables {
        table_box(&mut s, table, theme);
    }
    s.push_str("</g>\n");

    s.push_str("<g class=\"edges\" fill=\"none\" stroke-width=\"1.6\">\n");
    for edge in &diagram.edges {
        connector(&mut s, edge, theme);
    }
    s.push_str("</g>\n");
    s.push_str("</svg>\n");
    s
}

fn heading(s: &mut String, diagram: &Diagram, theme: Theme) {
    let p = palette(theme);
    s.push_str("<g class=\"heading\">\n");
    let _ = writeln!(
        s,
        r#"<text x="40" y="42" font-size="{TITLE_SIZE}" font-weight="bold" fill="{}">{}</text>"#,
        p.text,
        escape(&diagram.title)
    );
    let _ = writeln!(
        s,
        r#"<text x="40" y="68" font-size="{SUBTITLE_SIZE}" fill="{}">{}</text>"#,
        p.muted,
        escape(&diagram.subtitle)
    );

    // The legend, right-aligned: the markers, then the cardinality ends.
    let right = diagram.width - 40;
    let mut x = (right - legend_width()) as f32;
    let y = 36;
    for (i, (badge, text)) in legend_badges().iter().enumerate() {
        if i > 0 {
            x += LEGEND_GAP;
        }
        let colour = badge_colour(p, badge);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="{BADGE_SIZE}" font-weight="bold" fill="{colour}">{badge}</text>"#,
            x.round() as i32,
            y + baseline(BADGE_SIZE) - 1,
        );
        x += text_width(badge, BADGE_SIZE, true) + 5.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="{SUBTITLE_SIZE}" fill="{}">{text}</text>"#,
            x.round() as i32,
            y + baseline(SUBTITLE_SIZE),
            p.muted,
        );
        x += text_width(text, SUBTITLE_SIZE, false);
    }
    let mut x = (right - legend_width()) as f32;
    let y = 64;
    for (i, (end, text)) in legend_ends().iter().enumerate() {
        if i > 0 {
            x += LEGEND_GAP;
        }
        let x0 = x.round() as i32;
        let x1 = x0 + LEGEND_SAMPLE as i32;
        let _ = writeln!(
            s,
            r#"<g fill="none" stroke="{muted}" stroke-width="1.6"><path d="M{x0} {top}V{bottom}"/><path d="M{x0} {y}H{x1}"/>{ends}</g>"#,
            muted = p.muted,
            top = y - 9,
            bottom = y + 9,
            ends = end_marks(*end, x0, y, 1, p.background),
        );
        x += LEGEND_SAMPLE + 6.0;
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="{SUBTITLE_SIZE}" fill="{}">{text}</text>"#,
            x.round() as i32,
            y + baseline(SUBTITLE_SIZE),
            p.muted,
        );
        x += text_width(text, SUBTITLE_SIZE, false);
    }
    s.push_str("</g>\n");
}

fn badge_colour(p: &Palette, badge: &str) -> &'static str {
    match badge {
        "PK" => p.primary,
        "FK" => p.foreign,
        "UK" => p.unique,
        _ => p.not_null,
    }
}

fn table_box(s: &mut String, table: &DrawnTable, theme: Theme) {
    let p = palette(theme);
    let (colour, _) = group_colour(&table.group, theme);
    let r = table.rect;
    let name = escape(&table.name);
    let _ = writeln!(
        s,
        r#"<g class="table{faded}" id="table-{name}" data-table="{name}" data-group="{group}"{opacity}>"#,
        faded = if table.faded { " neighbour" } else { "" },
        group = escape(&table.group),
        opacity = if table.faded {
            r#" opacity="0.45""#
        } else {
            ""
        },
    );
    let _ = writeln!(
        s,
        r#"<rect class="box" x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}"/>"#,
        r.x, r.y, r.width, r.height, p.box_fill
    );
    let hh = table.header.height;
    let _ = writeln!(
        s,
        r#"<path class="header" d="M{x} {y1}A6 6 0 0 1 {x6} {y}H{x2}A6 6 0 0 1 {xr} {y1}V{yb}H{x}Z" fill="{colour}"/>"#,
        x = r.x,
        y = r.y,
        y1 = r.y + 6,
        x6 = r.x + 6,
        x2 = r.right() - 6,
        xr = r.right(),
        yb = r.y + hh,
    );
    let _ = writeln!(
        s,
        r##"<text class="table-name" x="{}" y="{}" font-size="{HEADER_SIZE}" font-weight="bold" fill="#ffffff">{name}</text>"##,
        r.x + 12,
        r.y + hh / 2 + baseline(HEADER_SIZE),
    );
    let nn_width = text_width("NN", BADGE_SIZE, true).ceil() as i32;
    for (i, row) in table.rows.iter().enumerate() {
        let top = row.y - 10;
        let column_attr = row
            .column
            .as_deref()
            .map(|c| format!(r#" data-column="{}""#, escape(c)))
            .unwrap_or_default();
        let _ = write!(
            s,
            r#"<g class="column"{column_attr}><rect class="row" x="{}" y="{top}" width="{}" height="20" fill="{}"/>"#,
            r.x + 1,
            r.width - 2,
            if i % 2 == 1 { p.stripe } else { p.box_fill },
        );
        let mut x = (r.x + 10) as f32;
        for badge in &row.badges {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" font-size="{BADGE_SIZE}" font-weight="bold" fill="{}">{badge}</text>"#,
                x.round() as i32,
                row.y + baseline(BADGE_SIZE),
                badge_colour(p, badge),
            );
            x += text_width(badge, BADGE_SIZE, true) + text_width(" ", BADGE_SIZE, true);
        }
        let name_x = r.x + 10 + table.badge_width;
        if row.column.is_some() {
            let _ = write!(
                s,
                r#"<text class="name" x="{name_x}" y="{}" font-size="{NAME_SIZE}" fill="{}">{}</text>"#,
                row.y + baseline(NAME_SIZE),
                p.text,
                escape(&row.label),
            );
            let _ = write!(
                s,
                r#"<text class="type" x="{}" y="{}" font-size="{TYPE_SIZE}" text-anchor="end" fill="{}">{}</text>"#,
                r.right() - 10 - nn_width - 8,
                row.y + baseline(TYPE_SIZE),
                p.muted,
                escape(&row.type_name),
            );
            if row.not_null {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" font-size="{BADGE_SIZE}" font-weight="bold" text-anchor="end" fill="{}">NN</text>"#,
                    r.right() - 10,
                    row.y + baseline(BADGE_SIZE),
                    p.not_null,
                );
            }
        } else {
            let _ = write!(
                s,
                r#"<text class="more" x="{name_x}" y="{}" font-size="{TYPE_SIZE}" fill="{}">{}</text>"#,
                row.y + baseline(TYPE_SIZE),
                p.muted,
                escape(&row.label),
            );
        }
        s.push_str("</g>\n");
    }
    let _ = writeln!(
        s,
        r#"<rect class="outline" x="{}" y="{}" width="{}" height="{}" rx="6" fill="none" stroke="{}" stroke-width="1"/>"#,
        r.x, r.y, r.width, r.height, p.outline
    );
    s.push_str("</g>\n");
}

/// The polyline with its corners rounded.
fn path_data(points: &[(i32, i32)]) -> String {
    const RADIUS: i32 = 6;
    let mut d = String::new();
    let Some(&(x0, y0)) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{x0} {y0}");
    for i in 1..points.len() {
        let (x, y) = points[i];
        if i + 1 < points.len() {
            let (px, py) = points[i - 1];
            let (nx, ny) = points[i + 1];
            let into = (x - px).abs() + (y - py).abs();
            let out = (nx - x).abs() + (ny - y).abs();
            let r = RADIUS.min(into / 2).min(out / 2);
            let (ax, ay) = (x - (x - px).signum() * r, y - (y - py).signum() * r);
            let (bx, by) = (x + (nx - x).signum() * r, y + (ny - y).signum() * r);
            let _ = write!(d, "L{ax} {ay}Q{x} {y} {bx} {by}");
        } else {
            let _ = write!(d, "L{x} {y}");
        }
    }
    d
}

/// Crow's-foot marks for an end at the box edge `(x, y)`, the connector
/// leaving the box in direction `d` (+1 right, -1 left).
fn end_marks(end: End, x: i32, y: i32, d: i32, background: &str) -> String {
    let bar = |at: i32| format!(r#"<path d="M{} {}V{}"/>"#, x + d * at, y - 6, y + 6);
    let circle = |at: i32| {
        format!(
            r#"<circle cx="{}" cy="{y}" r="4" fill="{background}"/>"#,
            x + d * at
        )
    };
    match end {
        End::One => format!("{}{}", bar(8), bar(13)),
        End::ZeroOrOne => format!("{}{}", bar(9), circle(18)),
        End::Many => format!(
            r#"<path d="M{x} {} L{} {y} L{x} {}"/>{}"#,
            y - 7,
            x + d * 12,
            y + 7,
            circle(18),
        ),
    }
}

fn connector(s: &mut String, edge: &DrawnEdge, theme: Theme) {
    let p = palette(theme);
    let (_, colour) = group_colour(&edge.group, theme);
    let points = &edge.points;
    let _ = write!(
        s,
        r#"<g class="edge{faded}" data-fk="{fk}" data-from="{from}" data-from-columns="{fc}" data-to="{to}" data-to-columns="{tc}" data-from-end="{fe}" data-to-end="{te}" stroke="{colour}"{opacity}>"#,
        faded = if edge.faded { " neighbour" } else { "" },
        fk = escape(&edge.name),
        from = escape(&edge.from),
        fc = escape(&edge.from_columns.join(",")),
        to = escape(&edge.to),
        tc = escape(&edge.to_columns.join(",")),
        fe = edge.from_end.name(),
        te = edge.to_end.name(),
        opacity = if edge.faded { r#" opacity="0.55""# } else { "" },
    );
    let _ = write!(s, r#"<path class="line" d="{}"/>"#, path_data(points));
    if points.len() >= 2 {
        let (a, b) = (points[0], points[1]);
        let d = if b.0 >= a.0 { 1 } else { -1 };
        s.push_str(&end_marks(edge.from_end, a.0, a.1, d, p.background));
        let (z, y) = (points[points.len() - 1], points[points.len() - 2]);
        let d = if y.0 >= z.0 { 1 } else { -1 };
        s.push_str(&end_marks(edge.to_end, z.0, z.1, d, p.background));
    }
    s.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_are_rounded_and_integral() {
        assert_eq!(
            path_data(&[(0, 0), (30, 0), (30, 40), (60, 40)]),
            "M0 0L24 0Q30 0 30 6L30 34Q30 40 36 40L60 40"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
