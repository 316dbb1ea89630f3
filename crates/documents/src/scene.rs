//! A page as a list of shapes and lines of text at fixed positions, written
//! as SVG; and the text measuring and wrapping that places them.
//!
//! Every coordinate is in PDF points (1/72 inch); the SVG's `viewBox` is the
//! page in points and its `width` and `height` the page in millimetres, so it
//! prints and rasterizes at its real size.

use std::fmt::Write as _;

use medicaledu_diagram::fonts;

/// A4 in points.
pub(crate) const A4_SHORT: f32 = 595.28;
pub(crate) const A4_LONG: f32 = 841.89;

pub(crate) const INK: &str = "#1d2731";
pub(crate) const MUTED: &str = "#5b6770";
pub(crate) const ACCENT: &str = "#1f5f7a";
pub(crate) const GOLD: &str = "#b08d3c";
pub(crate) const RULE: &str = "#c9d1d7";
pub(crate) const SHADE: &str = "#f1f5f7";
pub(crate) const HEADER_SHADE: &str = "#e3edf2";
pub(crate) const GOOD: &str = "#2e6b34";
pub(crate) const BAD: &str = "#a3261e";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn svg(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// One line of text: `y` is its baseline.
#[derive(Clone, Debug)]
pub(crate) struct Text {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub fill: &'static str,
    pub anchor: Anchor,
    pub content: String,
}

#[derive(Clone, Debug)]
pub(crate) enum Item {
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Option<&'static str>,
        stroke: Option<(&'static str, f32)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: &'static str,
        width: f32,
    },
    Text(Text),
}

#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

impl Page {
    pub fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            items: Vec::new(),
        }
    }

    pub fn text(&mut self, text: Text) {
        if !text.content.trim().is_empty() {
            self.items.push(Item::Text(text));
        }
    }

    pub fn rect(
        &mut self,
        (x, y, width, height): (f32, f32, f32, f32),
        fill: Option<&'static str>,
        stroke: Option<(&'static str, f32)>,
    ) {
        self.items.push(Item::Rect {
            x,
            y,
            width,
            height,
            fill,
            stroke,
        });
    }

    pub fn line(
        &mut self,
        (x1, y1): (f32, f32),
        (x2, y2): (f32, f32),
        stroke: &'static str,
        width: f32,
    ) {
        self.items.push(Item::Line {
            x1,
            y1,
            x2,
            y2,
            stroke,
            width,
        });
    }

    /// The page as SVG: byte-identical for the same page.
    pub fn svg(&self) -> String {
        let mut s = String::with_capacity(4096 + self.items.len() * 160);
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w_mm}mm" height="{h_mm}mm" viewBox="0 0 {w} {h}" font-family="{family}">"#,
            w_mm = num(self.width * 25.4 / 72.0),
            h_mm = num(self.height * 25.4 / 72.0),
            w = num(self.width),
            h = num(self.height),
            family = escape(fonts::FONT_STACK),
        );
        s.push('\n');
        let _ = writeln!(
            s,
            r#"<rect width="{}" height="{}" fill="white"/>"#,
            num(self.width),
            num(self.height)
        );
        for item in &self.items {
            match item {
                Item::Rect {
                    x,
                    y,
                    width,
                    height,
                    fill,
                    stroke,
                } => {
                    let _ = write!(
                        s,
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}""#,
                        num(*x),
                        num(*y),
                        num(*width),
                        num(*height),
                        fill.unwrap_or("none"),
                    );
                    if let Some((colour, width)) = stroke {
                        let _ = write!(s, r#" stroke="{colour}" stroke-width="{}""#, num(*width));
                    }
                    s.push_str("/>\n");
                }
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    stroke,
                    width,
                } => {
                    let _ = writeln!(
                        s,
                        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
                        num(*x1),
                        num(*y1),
                        num(*x2),
                        num(*y2),
                        num(*width),
                    );
                }
                Item::Text(t) => {
                    let _ = write!(
                        s,
                        r#"<text x="{}" y="{}" font-size="{}" fill="{}""#,
                        num(t.x),
                        num(t.y),
                        num(t.size),
                        t.fill,
                    );
                    if t.anchor != Anchor::Start {
                        let _ = write!(s, r#" text-anchor="{}""#, t.anchor.svg());
                    }
                    let _ = writeln!(s, ">{}</text>", escape(&t.content));
                }
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

/// A coordinate with at most two decimals and no trailing zeros: the same
/// text for the same number on every machine.
fn num(value: f32) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Text as XML character data or attribute value. Control characters, which
/// XML 1.0 cannot carry, become spaces.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The width of `text` in points at `size` points, from the bundled font.
pub(crate) fn width(text: &str, size: f32) -> f32 {
    fonts::text_width(text, size, false)
}

/// The size at which `text` fits on one line of `max_width`, between `min`
/// and `preferred`.
pub(crate) fn fit(text: &str, max_width: f32, preferred: f32, min: f32) -> f32 {
    let at_preferred = width(text, preferred);
    if at_preferred <= max_width || at_preferred <= 0.0 {
        return preferred;
    }
    // Widths scale with the size; round down to a quarter point so the
    // result is the same whatever the float noise.
    let size = (preferred * max_width / at_preferred * 4.0).floor() / 4.0;
    size.clamp(min, preferred)
}

/// `text` broken into lines no wider than `max_width`: at spaces, and inside
/// a word only when the word alone is too wide (after a hyphen or slash if
/// possible). Line breaks in `text` are
/// kept; an empty line stands for a blank one between paragraphs.
pub(crate) fn wrap(text: &str, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word on a line of its own, broken if it must be: after a
            // hyphen or slash where one fits (codes, addresses), else
            // anywhere.
            for part in word.split_inclusive(['-', '/']) {
                let candidate = format!("{line}{part}");
                if width(&candidate, size) <= max_width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in part.chars() {
                    line.push(c);
                    if width(&line, size) > max_width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
        }
        lines.push(line);
    }
    // No blank lines at either end, and never more than one in a row.
    lines.dedup_by(|b, a| a.is_empty() && b.is_empty());
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(841.89), "841.89");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(0.126), "0.13");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("O'Brien & <Sons> \"Ltd\"\u{7}"),
            "O&apos;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot; "
        );
    }

    #[test]
    fn lines_wrap_at_spaces_and_keep_paragraphs() {
        let text = "one two three four five six seven eight nine ten\n\nnext paragraph";
        let lines = wrap(text, 10.0, 100.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(width(line, 10.0) <= 100.0, "{line:?}");
        }
        let blank = lines
            .iter()
            .position(String::is_empty)
            .expect("a blank line");
        assert_eq!(lines[blank + 1], "next paragraph");
        let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(
            joined.join(" "),
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }

    #[test]
    fn words_too_wide_for_a_line_are_broken() {
        let url = "https://verify.example.org/certificates/MEDU-7K2M-9QXP-4RTV-H3WZ";
        let lines = wrap(url, 10.0, 80.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
        for line in &lines {
            assert!(width(line, 10.0) <= 80.0, "{line:?}");
        }
        // After a hyphen where one fits.
        let lines = wrap("certificate MEDU-7K2M-9QXP-4RTV-H3WZ", 10.0, 110.0);
        assert_eq!(lines, ["certificate", "MEDU-7K2M-9QXP-", "4RTV-H3WZ"]);
        // Anywhere in a part too long for a line.
        let lines = wrap("abcdefghijklmnopqrstuvwxyz", 10.0, 50.0);
        assert!(lines.len() > 2 && lines.iter().all(|l| width(l, 10.0) <= 50.0));
        assert!(wrap("\n\n  \n", 10.0, 80.0).is_empty());
    }

    #[test]
    fn long_text_shrinks_to_fit_within_limits() {
        assert_eq!(fit("Ann", 300.0, 30.0, 16.0), 30.0);
        let long = "Dr. Maria Fernanda de los Santos";
        let size = fit(long, 400.0, 30.0, 16.0);
        assert!((16.0..30.0).contains(&size), "{size}");
        assert!(width(long, size) <= 400.0);
        assert_eq!(fit(&long.repeat(5), 400.0, 30.0, 16.0), 16.0);
    }

    #[test]
    fn pages_are_written_as_svg() {
        let mut page = Page::new(100.0, 50.0);
        page.rect((1.0, 1.0, 10.0, 10.0), Some(SHADE), Some((RULE, 0.5)));
        page.line((0.0, 20.0), (100.0, 20.0), RULE, 0.5);
        page.text(Text {
            x: 50.0,
            y: 30.0,
            size: 10.0,
            fill: INK,
            anchor: Anchor::Middle,
            content: "light & airy".into(),
        });
        page.text(Text {
            x: 5.0,
            y: 40.0,
            size: 10.0,
            fill: INK,
            anchor: Anchor::Start,
            content: "  ".into(),
        });
        let svg = page.svg();
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="35.28mm" height="17.64mm" viewBox="0 0 100 50""#), "{svg}");
        assert!(svg.contains(r##"<text x="50" y="30" font-size="10" fill="#1d2731" text-anchor="middle">light &amp; airy</text>"##), "{svg}");
        assert_eq!(svg.matches("<text").count(), 1, "blank text is left out");
        // One weight only: see the crate's documentation.
        assert!(!svg.contains("font-weight"));
        assert_eq!(page.svg(), svg);
    }
}
