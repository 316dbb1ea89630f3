//! The diagram of a small hand-made schema: cardinalities from nullability and
//! uniqueness, connectors clear of the boxes, deterministic output, and text
//! in the PNG. (`crates/medicaledu/tests/it/diagram.rs` draws the real schema
//! from both databases.)

use medicaledu_diagram::{End, ImageFormat, Options, Theme};
use medicaledu_schema::{Column, Dialect, ForeignKey, Index, PrimaryKey, Schema, Table};

fn column(name: &str, nullable: bool) -> Column {
    Column {
        name: name.into(),
        storage_type: "uuid".into(),
        logical_type: "uuid".into(),
        nullable,
        default: None,
        note: None,
    }
}

fn table(name: &str, group: &str, columns: Vec<Column>, foreign_keys: Vec<(&str, &str)>) -> Table {
    Table {
        name: name.into(),
        group: group.into(),
        note: None,
        primary_key: Some(PrimaryKey {
            name: format!("pk_{name}"),
            columns: vec!["id".into()],
        }),
        foreign_keys: foreign_keys
            .into_iter()
            .map(|(column, target)| ForeignKey {
                name: format!("fk_{name}_{column}"),
                columns: vec![column.into()],
                references_table: target.into(),
                references_columns: vec!["id".into()],
                on_delete: "CASCADE".into(),
                on_update: "NO ACTION".into(),
            })
            .collect(),
        columns,
        indexes: Vec::new(),
        checks: Vec::new(),
        triggers: Vec::new(),
        searches: Vec::new(),
    }
}

fn schema() -> Schema {
    let users = table(
        "users",
        "identity",
        vec![column("id", false), column("email", false)],
        vec![],
    );
    let courses = table(
        "courses",
        "catalog",
        vec![
            column("id", false),
            column("author_id", false),
            column("parent_id", true),
        ],
        vec![("author_id", "users"), ("parent_id", "courses")],
    );
    let mut profiles = table(
        "profiles",
        "engagement",
        vec![
            column("id", false),
            column("user_id", false),
            column("course_id", true),
        ],
        vec![("user_id", "users"), ("course_id", "courses")],
    );
    // One profile per user: the foreign key is unique.
    profiles.indexes.push(Index {
        name: "ux_profiles_user".into(),
        unique: true,
        keys: vec!["user_id".into()],
        include: vec![],
        predicate: None,
        definition: String::new(),
    });
    Schema {
        backend: Dialect::Sqlite,
        tables: vec![users, courses, profiles],
    }
}

#[test]
fn cardinality_follows_nullability_and_uniqueness() {
    let diagram = medicaledu_diagram::layout(&schema(), &Options::default()).expect("layout");
    let edge = |name: &str| diagram.edges.iter().find(|e| e.name == name).expect(name);
    let author = edge("fk_courses_author_id");
    assert_eq!((author.from_end, author.to_end), (End::Many, End::One));
    let parent = edge("fk_courses_parent_id");
    assert_eq!(
        (parent.from_end, parent.to_end),
        (End::Many, End::ZeroOrOne)
    );
    let profile = edge("fk_profiles_user_id");
    assert_eq!(
        (profile.from_end, profile.to_end),
        (End::ZeroOrOne, End::One)
    );
}

#[test]
fn connectors_stay_out_of_the_boxes() {
    let diagram = medicaledu_diagram::layout(&schema(), &Options::default()).expect("layout");
    assert_eq!(diagram.tables.len(), 3);
    assert_eq!(diagram.edges.len(), 4);
    for edge in &diagram.edges {
        for pair in edge.points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            assert!(x0 == x1 || y0 == y1, "orthogonal");
            for table in &diagram.tables {
                let r = table.rect;
                let inside = x0.max(x1) > r.x
                    && x0.min(x1) < r.right()
                    && y0.max(y1) > r.y
                    && y0.min(y1) < r.bottom();
                assert!(!inside, "{} runs through {}", edge.name, table.name);
            }
        }
    }
}

#[test]
fn output_is_deterministic_and_has_text() {
    let schema = schema();
    let options = Options {
        theme: Theme::Dark,
        ..Options::default()
    };
    let svg = medicaledu_diagram::svg(&schema, &options).expect("svg");
    assert_eq!(
        svg,
        medicaledu_diagram::svg(&schema, &options).expect("svg")
    );
    assert!(svg.contains(">profiles</text>"));
    let png = medicaledu_diagram::render(&schema, &options, ImageFormat::Png, 1.0).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    let pdf = medicaledu_diagram::render(&schema, &options, ImageFormat::Pdf, 1.0).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn subsets_name_what_is_unknown() {
    let options = Options {
        tables: vec!["nope".into()],
        ..Options::default()
    };
    let error = medicaledu_diagram::svg(&schema(), &options).expect_err("unknown table");
    assert_eq!(error.to_string(), "no table named \"nope\" in the schema");
    let options = Options {
        group: Some("identity".into()),
        ..Options::default()
    };
    let diagram = medicaledu_diagram::layout(&schema(), &options).expect("layout");
    let faded: Vec<(&str, bool)> = diagram
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.faded))
        .collect();
    assert_eq!(faded.len(), 3);
    assert!(faded.contains(&("users", false)));
    assert!(faded.contains(&("profiles", true)));
}
