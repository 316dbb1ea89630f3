//! The schema diagram (`medicaledu schema export --format svg|png|pdf`,
//! `GET /api/v1/schema`, `GET /schema`) drawn from the live schema of each
//! backend: one box per table, connectors that never cross a box, identical
//! output for the same schema, text really drawn into the PNG and embedded in
//! the PDF, and a viewer page that loads nothing from elsewhere.

use std::path::PathBuf;
use std::process::Command;

use medicaledu_diagram::{Diagram, ImageFormat, Options, Rect, Theme};
use medicaledu_schema::{Schema, introspect};
use medicaledu_store::Backend;

use crate::support::{POSTGRES_URL_VAR, TestDb, both_backends, spawn_app};

/// Set `MEDICALEDU_WRITE_DIAGRAM=1` to rewrite the committed SVG instead of checking it.
const WRITE_DIAGRAM_VAR: &str = "MEDICALEDU_WRITE_DIAGRAM";

async fn schema_of(backend: Backend) -> Option<(TestDb, Schema)> {
    let test_db = TestDb::migrated(backend).await?;
    let schema = introspect(&test_db.db).await.expect("introspect");
    Some((test_db, schema))
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Whether the segment from `a` to `b` (horizontal or vertical) enters the
/// inside of `r`; running along its border does not count.
fn crosses(a: (i32, i32), b: (i32, i32), r: &Rect) -> bool {
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    x1 > r.x && x0 < r.right() && y1 > r.y && y0 < r.bottom()
}

/// The geometric promises of the layout.
fn assert_sound(diagram: &Diagram, schema: &Schema) {
    for (i, a) in diagram.tables.iter().enumerate() {
        assert!(
            a.rect.x >= 0 && a.rect.right() <= diagram.width,
            "{} fits",
            a.name
        );
        assert!(
            a.rect.y >= 0 && a.rect.bottom() <= diagram.height,
            "{} fits",
            a.name
        );
        for b in &diagram.tables[i + 1..] {
            assert!(
                !a.rect.intersects(&b.rect),
                "{} overlaps {}",
                a.name,
                b.name
            );
        }
    }
    let foreign_keys: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(
        diagram.edges.len(),
        foreign_keys,
        "a connector per foreign key"
    );
    for edge in &diagram.edges {
        let points = &edge.points;
        assert!(points.len() >= 2, "{} has a path", edge.name);
        for pair in points.windows(2) {
            assert!(
                pair[0].0 == pair[1].0 || pair[0].1 == pair[1].1,
                "{}: orthogonal segments only",
                edge.name
            );
            for table in &diagram.tables {
                assert!(
                    !crosses(pair[0], pair[1], &table.rect),
                    "{} runs through {} ({:?} to {:?})",
                    edge.name,
                    table.name,
                    pair[0],
                    pair[1]
                );
            }
        }
        // It starts beside the referencing column and ends on the referenced box.
        let from = diagram.table(&edge.from).expect("referencing box");
        let row = from.row(&edge.from_columns[0]).expect("referencing row");
        let start = points[0];
        assert_eq!(start.1, row.y, "{} starts at its column", edge.name);
        assert!(start.0 == from.rect.x || start.0 == from.rect.right());
        let to = diagram.table(&edge.to).expect("referenced box");
        let end = points[points.len() - 1];
        assert!(
            end.0 == to.rect.x || end.0 == to.rect.right(),
            "{} ends on {}",
            edge.name,
            to.name
        );
        assert!(end.1 > to.header.bottom() && end.1 < to.rect.bottom());
    }
}

async fn svg_draws_every_table_and_is_deterministic(backend: Backend) {
    let Some((_db, schema)) = schema_of(backend).await else {
        return;
    };
    let options = Options::default();
    let svg = medicaledu_diagram::svg(&schema, &options).expect("svg");
    assert_eq!(
        svg,
        medicaledu_diagram::svg(&schema, &options).expect("svg again"),
        "the same schema gives byte-identical SVG"
    );
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        count(&svg, "<g class=\"table\""),
        schema.tables.len(),
        "one box per table"
    );
    for table in &schema.tables {
        assert_eq!(
            count(&svg, &format!("data-table=\"{}\"", table.name)),
            1,
            "{}",
            table.name
        );
        for column in &table.columns {
            assert!(svg.contains(&format!("data-column=\"{}\"", column.name)));
        }
        for fk in &table.foreign_keys {
            assert!(
                svg.contains(&format!("data-fk=\"{}\"", fk.name)),
                "{}",
                fk.name
            );
        }
    }
    // Markers: keys, uniqueness, not-null, and the crow's feet.
    for marker in [
        ">PK<",
        ">FK<",
        ">UK<",
        ">NN<",
        "data-from-end=\"many\"",
        "data-to-end=\"one\"",
        "data-to-end=\"zero-or-one\"",
    ] {
        assert!(svg.contains(marker), "{marker}");
    }
    let diagram = medicaledu_diagram::layout(&schema, &options).expect("layout");
    assert_sound(&diagram, &schema);
    // Grouped by area: every group's boxes share one column.
    for group in &diagram.groups {
        let xs: std::collections::BTreeSet<i32> = diagram
            .tables
            .iter()
            .filter(|t| t.group == group.name)
            .map(|t| t.rect.x)
            .collect();
        assert_eq!(xs.len(), 1, "{} is one column", group.name);
    }

    let dark = Options {
        theme: Theme::Dark,
        ..Options::default()
    };
    let dark_svg = medicaledu_diagram::svg(&schema, &dark).expect("dark svg");
    assert!(dark_svg.contains("theme-dark") && dark_svg != svg);
}

async fn subsets_fade_the_neighbours(backend: Backend) {
    let Some((_db, schema)) = schema_of(backend).await else {
        return;
    };
    let options = Options {
        group: Some("scheduling".into()),
        ..Options::default()
    };
    let diagram = medicaledu_diagram::layout(&schema, &options).expect("layout");
    let faded = |name: &str| diagram.table(name).map(|t| t.faded);
    assert_eq!(faded("bookings"), Some(false));
    assert_eq!(faded("availability_slots"), Some(false));
    for neighbour in ["users", "courses", "payments", "booking_promo_codes"] {
        assert_eq!(
            faded(neighbour),
            Some(true),
            "{neighbour} is a faded neighbour"
        );
    }
    assert_eq!(
        faded("notifications"),
        None,
        "unrelated tables are left out"
    );
    assert!(diagram.edges.iter().all(|e| e.from == "bookings"
        || e.to == "bookings"
        || e.from == "availability_slots"
        || e.to == "availability_slots"));
    for edge in &diagram.edges {
        for pair in edge.points.windows(2) {
            for table in &diagram.tables {
                assert!(
                    !crosses(pair[0], pair[1], &table.rect),
                    "{} runs through {}",
                    edge.name,
                    table.name
                );
            }
        }
    }
    let svg = medicaledu_diagram::svg(&schema, &options).expect("svg");
    assert!(svg.contains("class=\"table neighbour\""));

    let tables = Options {
        tables: vec!["course_progress".into()],
        ..Options::default()
    };
    let diagram = medicaledu_diagram::layout(&schema, &tables).expect("layout");
    let names: Vec<&str> = diagram.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for name in ["course_progress", "enrollments", "course_materials"] {
        assert!(names.contains(&name), "{names:?}");
    }

    let unknown = Options {
        tables: vec!["no_such_table".into()],
        ..Options::default()
    };
    assert!(medicaledu_diagram::svg(&schema, &unknown).is_err());
    let unknown = Options {
        group: Some("nowhere".into()),
        ..Options::default()
    };
    let error = medicaledu_diagram::svg(&schema, &unknown).expect_err("unknown group");
    assert!(error.to_string().contains("scheduling"), "{error}");
}

/// RGBA pixels of a PNG.
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("decode the PNG");
    assert_eq!(info.color_type, png::ColorType::Rgba);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Share of the pixels inside `r` (in diagram pixels, scaled) whose colour
/// differs clearly from the most common colour there: the text on a fill.
fn ink_share(width: u32, pixels: &[u8], r: &Rect, scale: i32) -> f64 {
    let mut colours = std::collections::BTreeMap::<[u8; 3], usize>::new();
    let mut all = Vec::new();
    // Inset by the corner radius, so the rounded corners do not count.
    for y in (r.y + 8) * scale..(r.bottom() - 4) * scale {
        for x in (r.x + 8) * scale..(r.right() - 8) * scale {
            let i = ((y as u32 * width + x as u32) * 4) as usize;
            let rgb = [pixels[i], pixels[i + 1], pixels[i + 2]];
            *colours.entry(rgb).or_default() += 1;
            all.push(rgb);
        }
    }
    let (background, _) = colours.iter().max_by_key(|(_, n)| **n).expect("pixels");
    let differs = all
        .iter()
        .filter(|p| {
            p.iter()
                .zip(background)
                .map(|(a, b)| a.abs_diff(*b) as u32)
                .sum::<u32>()
                > 120
        })
        .count();
    differs as f64 / all.len() as f64
}

async fn png_really_contains_text(backend: Backend) {
    let Some((_db, schema)) = schema_of(backend).await else {
        return;
    };
    let options = Options::default();
    let diagram = medicaledu_diagram::layout(&schema, &options).expect("layout");
    let png = medicaledu_diagram::png(&schema, &options, 1.0).expect("png");
    let (width, height, pixels) = decode_png(&png);
    assert_eq!(
        (width as i32, height as i32),
        (diagram.width, diagram.height)
    );
    // Without a font resvg silently draws no text at all: the table names in
    // the coloured headers are the proof that it drew some.
    for name in ["bookings", "users", "course_progress"] {
        let header = diagram.table(name).expect("box").header;
        let share = ink_share(width, &pixels, &header, 1);
        assert!(
            share > 0.04,
            "the header of {name} has text in it ({share:.3})"
        );
    }
    // An empty stretch of background has none.
    let blank = Rect {
        x: 4,
        y: diagram.height - 30,
        width: 30,
        height: 24,
    };
    assert_eq!(ink_share(width, &pixels, &blank, 1), 0.0);

    let sharp = medicaledu_diagram::png(&schema, &options, 2.0).expect("png at 2x");
    let (width2, height2, pixels2) = decode_png(&sharp);
    assert_eq!((width2, height2), (width * 2, height * 2));
    let header = diagram.table("bookings").expect("box").header;
    assert!(ink_share(width2, &pixels2, &header, 2) > 0.04);
    assert!(medicaledu_diagram::png(&schema, &options, 0.0).is_err());
}

async fn pdf_has_selectable_text(backend: Backend) {
    let Some((_db, schema)) = schema_of(backend).await else {
        return;
    };
    let pdf = medicaledu_diagram::pdf(&schema, &Options::default()).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = pdf_extract::extract_text_from_mem(&pdf).expect("extract the PDF's text");
    // Extraction puts spaces between glyphs placed one by one; the letters
    // themselves are what matters.
    let letters: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for table in &schema.tables {
        assert!(
            letters.contains(&table.name),
            "the PDF has the text {}",
            table.name
        );
    }
    assert!(letters.contains("MedicalEdudatabaseschema"));
}

async fn the_api_serves_every_format(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let formats = [
        ("dbml", "text/plain"),
        ("postgres", "application/sql"),
        ("sqlite", "application/sql"),
        ("json", "application/json"),
        ("mermaid", "text/plain"),
        ("svg", "image/svg+xml"),
        ("png", "image/png"),
        ("pdf", "application/pdf"),
    ];
    for (format, media_type) in formats {
        let response = app.get(&format!("/api/v1/schema?format={format}")).await;
        assert_eq!(response.status(), 200, "{format}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            content_type.starts_with(media_type),
            "{format}: {content_type}"
        );
        let body = response.bytes().await.expect("body");
        let starts = |prefix: &[u8]| body.starts_with(prefix);
        match format {
            "svg" => assert!(
                starts(b"<?xml")
                    && String::from_utf8_lossy(&body).contains("data-table=\"bookings\"")
            ),
            "png" => assert!(starts(b"\x89PNG\r\n\x1a\n")),
            "pdf" => assert!(starts(b"%PDF-")),
            "json" => {
                let schema: Schema = serde_json::from_slice(&body).expect("the JSON export");
                assert!(schema.table("bookings").is_some());
            }
            "dbml" => assert!(String::from_utf8_lossy(&body).contains("Table bookings")),
            "postgres" | "sqlite" => {
                assert!(String::from_utf8_lossy(&body).contains("CREATE TABLE"))
            }
            _ => assert!(String::from_utf8_lossy(&body).contains("erDiagram")),
        }
    }
    // JSON without a format; the diagram's options.
    let response = app.get("/api/v1/schema").await;
    assert_eq!(response.headers()["content-type"], "application/json");
    let dark = app
        .get("/api/v1/schema?format=svg&theme=dark&group=commerce")
        .await;
    assert_eq!(dark.status(), 200);
    let dark = dark.text().await.expect("svg");
    assert!(dark.contains("theme-dark") && dark.contains("class=\"table neighbour\""));
    let big = app
        .get("/api/v1/schema?format=png&scale=2&tables=bookings")
        .await;
    assert_eq!(big.status(), 200);

    for (query, field) in [
        ("format=bmp", "format"),
        ("format=svg&theme=sepia", "theme"),
        ("format=svg&tables=nope", "tables"),
        ("format=svg&group=nowhere", "group"),
        ("format=png&scale=100", "scale"),
        ("format=png&scale=x", "scale"),
    ] {
        let response = app.get(&format!("/api/v1/schema?{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value = response.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }

    // Documented in the OpenAPI document like every other route.
    let openapi: serde_json::Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("openapi");
    assert!(openapi["paths"]["/api/v1/schema"]["get"].is_object());
}

async fn the_viewer_is_one_self_contained_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get("/schema").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let page = response.text().await.expect("html");
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<svg") && page.contains("data-table=\"bookings\""));
    assert!(page.contains("id=\"schema-data\"") && page.contains("ix_bookings"));
    assert!(!page.contains("{{"), "every placeholder is filled");
    // Nothing from elsewhere: no external script, and every `src`, `href`
    // and CSS `url()` points at this server.
    assert!(!page.contains("<script src"), "no external script");
    for attribute in ["src=\"", "href=\"", "url(\"", "url("] {
        for (i, _) in page.match_indices(attribute) {
            let value = &page[i + attribute.len()..];
            assert!(
                !value.starts_with("http") && !value.starts_with("//"),
                "external reference: {}",
                &page[i..(i + 80).min(page.len())]
            );
        }
    }
    for format in ["svg", "png", "pdf", "dbml", "postgres", "sqlite", "json"] {
        assert!(
            page.contains(&format!("api/v1/schema?format={format}")),
            "download {format}"
        );
    }

    for font in ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] {
        let response = app.get(&format!("/schema/fonts/{font}")).await;
        assert_eq!(response.status(), 200, "{font}");
        assert_eq!(response.headers()["content-type"], "font/ttf");
    }
    assert_eq!(app.get("/schema/fonts/other.ttf").await.status(), 404);
    let dark = app
        .get("/schema?theme=dark")
        .await
        .text()
        .await
        .expect("html");
    assert!(dark.contains("data-theme=\"dark\"") && dark.contains("theme-dark"));
}

fn medicaledu() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_medicaledu"));
    command
        .env_remove("MEDICALEDU_DATABASE_URL")
        .env_remove("MEDICALEDU_CONFIG");
    command
}

async fn the_command_line_writes_every_picture(backend: Backend) {
    let Some(test_db) = TestDb::migrated(backend).await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("medicaledu-diagram-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let export = |args: &[&str]| {
        medicaledu()
            .args(["schema", "export", "--database-url", &test_db.url])
            .args(args)
            .output()
            .expect("run medicaledu")
    };
    for format in ImageFormat::ALL {
        let path = dir.join(format!("schema.{format}"));
        let output = export(&[
            "--format",
            format.name(),
            "--output",
            path.to_str().expect("utf-8"),
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bytes = std::fs::read(&path).expect("written");
        let magic: &[u8] = match format {
            ImageFormat::Svg => b"<?xml",
            ImageFormat::Png => b"\x89PNG",
            ImageFormat::Pdf => b"%PDF-",
        };
        assert!(bytes.starts_with(magic), "{format}");
    }
    // Standard output; a subset in the dark theme, scaled.
    let output = export(&[
        "--format",
        "svg",
        "--group",
        "scheduling",
        "--theme",
        "dark",
    ]);
    assert!(output.status.success());
    let svg = String::from_utf8(output.stdout).expect("utf-8");
    assert!(svg.contains("theme-dark") && !svg.contains("data-table=\"notifications\""));
    let output = export(&[
        "--format",
        "png",
        "--scale",
        "0.5",
        "--tables",
        "users,bookings",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.starts_with(b"\x89PNG"));
    // Options that do not apply, and bad values, are errors.
    for (args, message) in [
        (
            &["--format", "dbml", "--theme", "dark"][..],
            "--theme applies to the diagram formats",
        ),
        (
            &["--format", "svg", "--scale", "2"][..],
            "--scale applies to --format png",
        ),
        (
            &["--format", "svg", "--tables", "nope"][..],
            "no table named \"nope\"",
        ),
        (&["--format", "bmp"][..], "svg, png, pdf"),
        (&["--format", "png", "--scale", "100"][..], "scale"),
    ] {
        let output = export(args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

both_backends!(
    svg_draws_every_table_and_is_deterministic,
    subsets_fade_the_neighbours,
    png_really_contains_text,
    pdf_has_selectable_text,
    the_api_serves_every_format,
    the_viewer_is_one_self_contained_page,
    the_command_line_writes_every_picture,
);

fn skip_without_postgres(test: &str) {
    eprintln!("SKIPPED: {test} needs PostgreSQL (set {POSTGRES_URL_VAR} to run it)");
}

/// Both backends' schemas give the very same picture: the diagram shows the
/// logical schema (types as PostgreSQL names them), not the storage.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn both_backends_draw_the_same_diagram() {
    let Some((_pg, postgres)) = schema_of(Backend::Postgres).await else {
        return skip_without_postgres("both_backends_draw_the_same_diagram");
    };
    let (_lite, sqlite) = schema_of(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let options = Options::default();
    assert_eq!(
        medicaledu_diagram::svg(&sqlite, &options).expect("svg"),
        medicaledu_diagram::svg(&postgres, &options).expect("svg"),
    );
}

fn committed_svg_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema/diagram.svg")
}

/// `docs/schema/diagram.svg`, shown in `docs/schema.md`, is what the
/// migrations draw (CI also checks it with the command line).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn committed_svg_is_current() {
    let Some((_db, schema)) = schema_of(Backend::Postgres).await else {
        return skip_without_postgres("committed_svg_is_current");
    };
    let svg = medicaledu_diagram::svg(&schema, &Options::default()).expect("svg");
    let path = committed_svg_path();
    if std::env::var(WRITE_DIAGRAM_VAR).is_ok_and(|v| v == "1") {
        std::fs::write(&path, &svg).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == svg,
        "docs/schema/diagram.svg does not match the migrations. Regenerate it with\n  \
         {WRITE_DIAGRAM_VAR}=1 {POSTGRES_URL_VAR}=postgres://... cargo test -p medicaledu --test it diagram::committed_svg_is_current\n\
         and commit the result."
    );
}
