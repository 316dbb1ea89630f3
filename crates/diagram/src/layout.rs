//! Where everything goes.
//!
//! A layered layout with the product's areas as the layers:
//!
//! 1. Boxes: one per table, sized to its text with the bundled font's metrics.
//! 2. Columns: one per area. Their left-to-right order is the permutation
//!    that makes relationships skip the fewest columns (every skipped column
//!    is a detour), ties broken by the catalog's order.
//! 3. Order within a column: barycenter sweeps (Sugiyama's heuristic), keeping
//!    the order with the fewest crossings between neighbouring columns.
//! 4. Vertical positions: each box moves towards the rows it connects to, as
//!    far as the boxes above and below it allow (an isotonic regression per
//!    column), so connectors run as straight as they can.
//! 5. Connectors: routed on a 10-pixel lattice around the boxes ([`crate::route`]).
//!
//! Every coordinate is an integer and every choice has a deterministic tie
//! break, so the same schema always gives the same picture.

use medicaledu_schema::{Schema, Table};

use crate::Options;
use crate::fonts::text_width;
use crate::route::{Dir, Port, Router};
use crate::select::{EdgeSpec, Selection};

/// The lattice connectors run on; every box edge and row centre is on it.
pub const GRID: i32 = 10;
pub const HEADER_HEIGHT: i32 = 30;
pub const ROW_HEIGHT: i32 = 20;
/// Space under the last row.
const BOX_PADDING: i32 = 10;
/// Straight run of a connector next to a box, where its cardinality marks go.
pub const STUB: i32 = 30;

pub const TITLE_SIZE: f32 = 22.0;
pub const SUBTITLE_SIZE: f32 = 13.0;
pub const GROUP_LABEL_SIZE: f32 = 13.0;
pub const HEADER_SIZE: f32 = 14.0;
pub const NAME_SIZE: f32 = 13.0;
pub const TYPE_SIZE: f32 = 12.0;
pub const BADGE_SIZE: f32 = 9.0;

const MARGIN: i32 = 40;
/// The title, subtitle and legend.
pub const TITLE_BAND: i32 = 90;
/// Free lattice above the group labels, for connectors that go over the top.
const TOP_CHANNEL: i32 = 40;
const GROUP_LABEL_HEIGHT: i32 = 30;
const MIN_TABLE_GAP: i32 = 50;
const BOTTOM_CHANNEL: i32 = 60;
/// Padding of a group's background around its boxes.
pub const GROUP_PADDING: i32 = 14;

/// An axis-aligned rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Rect {
    pub fn right(&self) -> i32 {
        self.x + self.width
    }

    pub fn bottom(&self) -> i32 {
        self.y + self.height
    }

    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// One line of a table box.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The column, or `None` for the line that counts columns left out of a
    /// faded neighbour.
    pub column: Option<String>,
    /// What the line says: the column name, or `… N more columns`.
    pub label: String,
    /// The backend-independent type (`uuid`, `timestamptz`, ...).
    pub type_name: String,
    /// `PK`, `FK` and `UK` as they apply.
    pub badges: Vec<&'static str>,
    pub not_null: bool,
    /// Vertical centre of the line.
    pub y: i32,
}

/// A table's box.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnTable {
    pub name: String,
    pub group: String,
    /// A neighbour of the asked-for subset, drawn faded with only the columns
    /// its connectors need.
    pub faded: bool,
    pub rect: Rect,
    /// The coloured band with the table's name.
    pub header: Rect,
    pub rows: Vec<Row>,
    /// Width of the badge gutter on the left of the rows.
    pub badge_width: i32,
}

impl DrawnTable {
    pub fn row(&self, column: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.column.as_deref() == Some(column))
    }
}

/// Cardinality at one end of a relationship, drawn in crow's-foot notation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Exactly one: two bars.
    One,
    /// Zero or one: a circle and a bar.
    ZeroOrOne,
    /// Zero or more: a circle and a crow's foot.
    Many,
}

impl End {
    pub fn name(self) -> &'static str {
        match self {
            End::One => "one",
            End::ZeroOrOne => "zero-or-one",
            End::Many => "many",
        }
    }
}

/// A foreign key's connector.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnEdge {
    /// The constraint's name.
    pub name: String,
    pub from: String,
    pub from_columns: Vec<String>,
    pub to: String,
    pub to_columns: Vec<String>,
    /// Cardinality at the referencing table: how many rows may point at one
    /// referenced row.
    pub from_end: End,
    /// Cardinality at the referenced table: one, or zero-or-one when the
    /// referencing column is nullable.
    pub to_end: End,
    /// The referenced table's group, which colours the connector.
    pub group: String,
    /// Whether either end is a faded neighbour.
    pub faded: bool,
    /// The orthogonal polyline from the referencing box's edge (beside the
    /// referencing column) to the referenced box's edge; the first and last
    /// segments are horizontal and at least [`STUB`] long.
    pub points: Vec<(i32, i32)>,
}

/// The background and label of one area.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnGroup {
    pub name: String,
    pub rect: Rect,
    pub label: Rect,
}

/// Everything that is drawn, with coordinates in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagram {
    pub width: i32,
    pub height: i32,
    pub title: String,
    pub subtitle: String,
    pub groups: Vec<DrawnGroup>,
    pub tables: Vec<DrawnTable>,
    pub edges: Vec<DrawnEdge>,
}

impl Diagram {
    pub fn table(&self, name: &str) -> Option<&DrawnTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

fn round_up(value: f32, step: i32) -> i32 {
    let v = value.ceil() as i32;
    (v + step - 1).div_euclid(step) * step
}

/// Whether a single-key unique index makes `column` unique: its key is the
/// column or a function of it alone (`lower(email)`).
fn unique_key_is(key: &str, column: &str) -> bool {
    let key = key.trim().trim_end_matches(" DESC");
    if key == column {
        return true;
    }
    match key.split_once('(') {
        Some((function, rest)) => {
            !function.is_empty()
                && function
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && rest.strip_suffix(')') == Some(column)
        }
        None => false,
    }
}

fn badges(table: &Table, column: &str) -> Vec<&'static str> {
    let mut badges = Vec::new();
    let primary = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.iter().any(|c| c == column));
    if primary {
        badges.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.iter().any(|c| c == column))
    {
        badges.push("FK");
    }
    let unique = table
        .indexes
        .iter()
        .any(|i| i.unique && i.keys.len() == 1 && unique_key_is(&i.keys[0], column));
    let sole_primary = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && primary);
    if unique && !sole_primary {
        badges.push("UK");
    }
    badges
}

/// Whether the columns hold at most one row each: they cover the primary key
/// or a unique index that applies to every row.
fn columns_unique(table: &Table, columns: &[String]) -> bool {
    let covers = |keys: &[String]| !keys.is_empty() && keys.iter().all(|k| columns.contains(k));
    table
        .primary_key
        .as_ref()
        .is_some_and(|pk| covers(&pk.columns))
        || table
            .indexes
            .iter()
            .any(|i| i.unique && i.predicate.is_none() && covers(&i.keys))
}

/// A box before it has a place.
struct Node {
    table: usize,
    name: String,
    group: String,
    faded: bool,
    rows: Vec<Row>,
    width: i32,
    height: i32,
    badge_width: i32,
    /// Index into the area columns.
    column: usize,
    /// Top, relative to the first box's top.
    y: i32,
}

impl Node {
    /// Offset of a row's centre from the box top.
    fn row_offset(&self, column: &str) -> i32 {
        let index = self
            .rows
            .iter()
            .position(|r| r.column.as_deref() == Some(column))
            .unwrap_or(0);
        row_offset(index)
    }
}

fn row_offset(index: usize) -> i32 {
    HEADER_HEIGHT + ROW_HEIGHT * index as i32 + ROW_HEIGHT / 2
}

fn build_node(schema: &Schema, table: usize, faded: bool, edges: &[EdgeSpec]) -> Node {
    let t = &schema.tables[table];
    let mut shown: Vec<&medicaledu_schema::Column> = if faded {
        // A faded neighbour shows its key and the columns its connectors use.
        let mut wanted: Vec<&str> = t
            .primary_key
            .iter()
            .flat_map(|pk| pk.columns.iter().map(String::as_str))
            .collect();
        for edge in edges {
            if edge.from == table {
                let fk = &t.foreign_keys[edge.foreign_key];
                wanted.extend(fk.columns.iter().map(String::as_str));
            }
            if edge.to == table {
                let fk = &schema.tables[edge.from].foreign_keys[edge.foreign_key];
                wanted.extend(fk.references_columns.iter().map(String::as_str));
            }
        }
        t.columns
            .iter()
            .filter(|c| wanted.contains(&c.name.as_str()))
            .collect()
    } else {
        t.columns.iter().collect()
    };
    if shown.is_empty() && !t.columns.is_empty() && !faded {
        shown = t.columns.iter().collect();
    }
    let mut rows: Vec<Row> = shown
        .iter()
        .map(|c| Row {
            column: Some(c.name.clone()),
            label: c.name.clone(),
            type_name: c.logical_type.clone(),
            badges: badges(t, &c.name),
            not_null: !c.nullable,
            y: 0,
        })
        .collect();
    let hidden = t.columns.len() - rows.len();
    if hidden > 0 {
        rows.push(Row {
            column: None,
            label: format!(
                "… {hidden} more column{}",
                if hidden == 1 { "" } else { "s" }
            ),
            type_name: String::new(),
            badges: Vec::new(),
            not_null: false,
            y: 0,
        });
    }

    let badge_text_width = rows
        .iter()
        .map(|r| text_width(&r.badges.join(" "), BADGE_SIZE, true))
        .fold(0.0_f32, f32::max);
    let badge_width = if badge_text_width > 0.0 {
        badge_text_width.ceil() as i32 + 6
    } else {
        0
    };
    let nn_width = text_width("NN", BADGE_SIZE, true).ceil() as i32;
    let row_width = rows
        .iter()
        .map(|r| {
            let name = text_width(&r.label, NAME_SIZE, false);
            let type_width = text_width(&r.type_name, TYPE_SIZE, false);
            10.0 + badge_width as f32 + name + 18.0 + type_width + 8.0 + nn_width as f32 + 10.0
        })
        .fold(0.0_f32, f32::max);
    let header_width = text_width(&t.name, HEADER_SIZE, true) + 24.0;
    let width = round_up(row_width.max(header_width).max(160.0), GRID);
    let height = HEADER_HEIGHT + ROW_HEIGHT * rows.len() as i32 + BOX_PADDING;
    Node {
        table,
        name: t.name.clone(),
        group: t.group.clone(),
        faded,
        rows,
        width,
        height,
        badge_width,
        column: 0,
        y: 0,
    }
}

/// The order of the areas left to right: the permutation in which
/// relationships skip the fewest columns, the catalog's order breaking ties
/// (permutations are tried in lexicographic order and only a strictly better
/// one replaces the best so far).
fn order_groups(count: usize, links: &[(usize, usize)]) -> Vec<usize> {
    let identity: Vec<usize> = (0..count).collect();
    if count > 8 {
        return identity;
    }
    let cost = |order: &[usize]| -> (u64, u64) {
        let mut position = vec![0usize; count];
        for (p, &g) in order.iter().enumerate() {
            position[g] = p;
        }
        let mut skipped = 0u64;
        let mut span = 0u64;
        for &(a, b) in links {
            let d = position[a].abs_diff(position[b]) as u64;
            skipped += d.saturating_sub(1);
            span += d;
        }
        (skipped, span)
    };
    let mut best = identity.clone();
    let mut best_cost = cost(&best);
    let mut current = identity;
    while next_permutation(&mut current) {
        let c = cost(&current);
        if c < best_cost {
            best_cost = c;
            best = current.clone();
        }
    }
    best
}

fn next_permutation(values: &mut [usize]) -> bool {
    let n = values.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && values[i - 1] >= values[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while values[j] <= values[i - 1] {
        j -= 1;
    }
    values.swap(i - 1, j);
    values[i..].reverse();
    true
}

/// Stacks each column's boxes from the top with the minimum gap.
fn stack(nodes: &mut [Node], columns: &[Vec<usize>]) {
    for column in columns {
        let mut y = 0;
        for &n in column {
            nodes[n].y = y;
            y += nodes[n].height + MIN_TABLE_GAP;
        }
    }
}

/// Crossings between straight lines from port to port, counted between each
/// pair of neighbouring columns; a proxy for what routing will meet.
fn crossings(nodes: &[Node], edges: &[Link], column_count: usize) -> usize {
    let mut total = 0;
    for c in 0..column_count.saturating_sub(1) {
        // Each edge spanning the gap between columns c and c+1, as its heights
        // on both sides of the gap (interpolated for edges spanning more).
        let mut spans: Vec<(f32, f32)> = Vec::new();
        for link in edges {
            let (a, b) = (&nodes[link.from], &nodes[link.to]);
            let (ya, yb) = (
                (a.y + link.from_offset) as f32,
                (b.y + link.to_offset) as f32,
            );
            let (ca, cb) = (a.column, b.column);
            let (lo, hi, ylo, yhi) = if ca <= cb {
                (ca, cb, ya, yb)
            } else {
                (cb, ca, yb, ya)
            };
            if lo <= c && c < hi {
                let t0 = (c - lo) as f32 / (hi - lo) as f32;
                let t1 = (c + 1 - lo) as f32 / (hi - lo) as f32;
                spans.push((ylo + (yhi - ylo) * t0, ylo + (yhi - ylo) * t1));
            }
        }
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                let (a, b) = (spans[i], spans[j]);
                if (a.0 - b.0) * (a.1 - b.1) < 0.0 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// A relationship between two nodes, with the offsets of its ends from the
/// boxes' tops.
struct Link {
    from: usize,
    to: usize,
    from_offset: i32,
    to_offset: i32,
}

/// Reorders each column by the barycenter of its boxes' neighbours, sweeping
/// back and forth, and keeps the order with the fewest crossings.
fn order_within_columns(nodes: &mut [Node], columns: &mut [Vec<usize>], links: &[Link]) {
    stack(nodes, columns);
    let mut best = columns.to_vec();
    let mut best_crossings = crossings(nodes, links, columns.len());
    for sweep in 0..8 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> = if forward {
            (0..columns.len()).collect()
        } else {
            (0..columns.len()).rev().collect()
        };
        for c in order {
            let mut keyed: Vec<(f32, usize, usize)> = columns[c]
                .iter()
                .enumerate()
                .map(|(position, &n)| {
                    let mut sum = 0.0;
                    let mut count = 0.0;
                    for link in links {
                        let (me, other, other_offset) = if link.from == n {
                            (n, link.to, link.to_offset)
                        } else if link.to == n {
                            (n, link.from, link.from_offset)
                        } else {
                            continue;
                        };
                        if other == me {
                            continue;
                        }
                        sum += (nodes[other].y + other_offset) as f32;
                        count += 1.0;
                    }
                    let node = &nodes[n];
                    let centre = (node.y + node.height / 2) as f32;
                    let key = if count > 0.0 { sum / count } else { centre };
                    (key, position, n)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            columns[c] = keyed.into_iter().map(|(_, _, n)| n).collect();
            stack(nodes, columns);
        }
        let count = crossings(nodes, links, columns.len());
        if count < best_crossings {
            best_crossings = count;
            best = columns.to_vec();
        }
    }
    columns.clone_from_slice(&best);
    stack(nodes, columns);
}

/// Weighted isotonic regression (pool adjacent violators): the
/// non-decreasing sequence closest to `values` in the least-squares sense.
fn isotonic(values: &[f32]) -> Vec<f32> {
    let mut blocks: Vec<(f32, usize)> = Vec::new();
    for &v in values {
        blocks.push((v, 1));
        while blocks.len() > 1 {
            let (v2, n2) = blocks[blocks.len() - 1];
            let (v1, n1) = blocks[blocks.len() - 2];
            if v1 <= v2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (
                (v1 * n1 as f32 + v2 * n2 as f32) / (n1 + n2) as f32,
                n1 + n2,
            );
        }
    }
    blocks
        .into_iter()
        .flat_map(|(v, n)| std::iter::repeat_n(v, n))
        .collect()
}

/// Moves boxes up or down, within their column's order and the diagram's
/// height, towards the rows they connect to.
fn place_vertically(nodes: &mut [Node], columns: &[Vec<usize>], links: &[Link], height: i32) {
    for sweep in 0..6 {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> = if forward {
            (0..columns.len()).collect()
        } else {
            (0..columns.len()).rev().collect()
        };
        for c in order {
            let column = &columns[c];
            let mut offsets = Vec::with_capacity(column.len());
            let mut offset = 0;
            for &n in column {
                offsets.push(offset);
                offset += nodes[n].height + MIN_TABLE_GAP;
            }
            let slack = height - (offset - MIN_TABLE_GAP);
            // Where each box would like its top, as an offset-free value z.
            let desired: Vec<f32> = column
                .iter()
                .zip(&offsets)
                .map(|(&n, &base)| {
                    let mut sum = 0.0;
                    let mut count = 0.0;
                    for link in links {
                        let (mine, other, other_offset) = if link.from == n {
                            (link.from_offset, link.to, link.to_offset)
                        } else if link.to == n {
                            (link.to_offset, link.from, link.from_offset)
                        } else {
                            continue;
                        };
                        if nodes[other].column == c {
                            continue;
                        }
                        sum += (nodes[other].y + other_offset - mine) as f32;
                        count += 1.0;
                    }
                    let target = if count > 0.0 {
                        sum / count
                    } else {
                        nodes[n].y as f32
                    };
                    target - base as f32
                })
                .collect();
            let fitted = isotonic(&desired);
            for ((&n, &base), z) in column.iter().zip(&offsets).zip(fitted) {
                let z = (z.round() as i32).clamp(0, slack.max(0));
                nodes[n].y = base + z.div_euclid(GRID) * GRID;
            }
        }
    }
}

pub fn layout(schema: &Schema, selection: &Selection, options: &Options) -> Diagram {
    let edges = &selection.edges;
    let mut nodes: Vec<Node> = selection
        .tables
        .iter()
        .map(|s| build_node(schema, s.table, !s.focus, edges))
        .collect();
    let node_of = |table: usize| nodes.iter().position(|n| n.table == table);

    // Areas, in the order their tables come in the schema (the catalog's).
    let mut group_names: Vec<String> = Vec::new();
    for node in &nodes {
        if !group_names.contains(&node.group) {
            group_names.push(node.group.clone());
        }
    }
    let group_index = |name: &str| group_names.iter().position(|g| g == name).unwrap_or(0);

    let links: Vec<Link> = edges
        .iter()
        .filter_map(|e| {
            let (from, to) = (node_of(e.from)?, node_of(e.to)?);
            let fk = &schema.tables[e.from].foreign_keys[e.foreign_key];
            Some(Link {
                from,
                to,
                from_offset: nodes[from].row_offset(&fk.columns[0]),
                to_offset: fk
                    .references_columns
                    .first()
                    .map_or(row_offset(0), |c| nodes[to].row_offset(c)),
            })
        })
        .collect();

    let group_links: Vec<(usize, usize)> = links
        .iter()
        .map(|l| {
            (
                group_index(&nodes[l.from].group),
                group_index(&nodes[l.to].group),
            )
        })
        .filter(|(a, b)| a != b)
        .collect();
    let group_order = order_groups(group_names.len(), &group_links);
    let mut columns: Vec<Vec<usize>> = group_order
        .iter()
        .map(|&g| {
            (0..nodes.len())
                .filter(|&n| group_index(&nodes[n].group) == g)
                .collect()
        })
        .collect();
    for (c, column) in columns.iter().enumerate() {
        for &n in column {
            nodes[n].column = c;
        }
    }

    order_within_columns(&mut nodes, &mut columns, &links);
    let content_height = columns
        .iter()
        .map(|column| {
            column
                .iter()
                .map(|&n| nodes[n].height + MIN_TABLE_GAP)
                .sum::<i32>()
                - MIN_TABLE_GAP
        })
        .max()
        .unwrap_or(0);
    place_vertically(&mut nodes, &columns, &links, content_height);

    // Horizontal positions: each column as wide as its widest box, channels
    // between columns wide enough for the connectors that turn in them.
    let column_widths: Vec<i32> = columns
        .iter()
        .map(|column| column.iter().map(|&n| nodes[n].width).max().unwrap_or(0))
        .collect();
    let mut channel_demand = vec![0usize; columns.len().saturating_sub(1)];
    for link in &links {
        let (a, b) = (nodes[link.from].column, nodes[link.to].column);
        if a == b {
            // Runs down one side of its column.
            if a < channel_demand.len() {
                channel_demand[a] += 1;
            } else if a > 0 {
                channel_demand[a - 1] += 1;
            }
        } else {
            // Turns next to either end.
            let (lo, hi) = (a.min(b), a.max(b));
            channel_demand[lo] += 1;
            if hi - 1 != lo {
                channel_demand[hi - 1] += 1;
            }
        }
    }
    let channels: Vec<i32> = channel_demand
        .iter()
        .map(|&d| (2 * STUB + 40 + GRID * d as i32).clamp(120, 240))
        .collect();

    let left = MARGIN + STUB + GRID;
    let mut column_x = Vec::with_capacity(columns.len());
    let mut x = left;
    for (c, width) in column_widths.iter().enumerate() {
        column_x.push(x);
        x += width + channels.get(c).copied().unwrap_or(0);
    }
    let content_right = x;
    let top = TITLE_BAND + TOP_CHANNEL + GROUP_LABEL_HEIGHT + GRID;

    let mut tables: Vec<DrawnTable> = Vec::with_capacity(nodes.len());
    let mut rects = vec![
        Rect {
            x: 0,
            y: 0,
            width: 0,
            height: 0
        };
        nodes.len()
    ];
    for (c, column) in columns.iter().enumerate() {
        for &n in column {
            let node = &nodes[n];
            let rect = Rect {
                x: column_x[c],
                y: top + node.y,
                width: column_widths[c],
                height: node.height,
            };
            rects[n] = rect;
        }
    }
    for (n, node) in nodes.iter().enumerate() {
        let rect = rects[n];
        let rows = node
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| Row {
                y: rect.y + row_offset(i),
                ..r.clone()
            })
            .collect();
        tables.push(DrawnTable {
            name: node.name.clone(),
            group: node.group.clone(),
            faded: node.faded,
            rect,
            header: Rect {
                height: HEADER_HEIGHT,
                ..rect
            },
            rows,
            badge_width: node.badge_width,
        });
    }

    let groups: Vec<DrawnGroup> = columns
        .iter()
        .enumerate()
        .filter(|(_, column)| !column.is_empty())
        .map(|(c, column)| {
            let first = column.iter().map(|&n| rects[n].y).min().unwrap_or(top);
            let last = column
                .iter()
                .map(|&n| rects[n].bottom())
                .max()
                .unwrap_or(top);
            // The label sits right above the column's first box.
            let label = Rect {
                x: column_x[c] - GROUP_PADDING,
                y: first - GRID - GROUP_LABEL_HEIGHT,
                width: column_widths[c] + 2 * GROUP_PADDING,
                height: GROUP_LABEL_HEIGHT,
            };
            let bottom = last.max(first) + GROUP_PADDING;
            DrawnGroup {
                name: nodes[column[0]].group.clone(),
                rect: Rect {
                    height: bottom - label.y,
                    ..label
                },
                label,
            }
        })
        .collect();

    let (title, subtitle) = titles(schema, selection, options, links.len());
    let title_width = text_width(&title, TITLE_SIZE, true)
        .max(text_width(&subtitle, SUBTITLE_SIZE, false))
        .ceil() as i32;
    let legend_width = crate::svg::legend_width();
    let width = round_up(
        (content_right + STUB + GRID + MARGIN).max(MARGIN * 2 + title_width + 40 + legend_width)
            as f32,
        GRID,
    );
    let height = top + content_height + GROUP_PADDING + BOTTOM_CHANNEL;

    // Route every connector around the boxes and group labels.
    let mut obstacles: Vec<Rect> = rects.clone();
    obstacles.extend(groups.iter().map(|g| g.label));
    let mut router = Router::new(width, height, TITLE_BAND, &obstacles);
    let drawn_edges = route_edges(schema, edges, &nodes, &rects, &links, &mut router);

    Diagram {
        width,
        height,
        title,
        subtitle,
        groups,
        tables,
        edges: drawn_edges,
    }
}

fn titles(
    schema: &Schema,
    selection: &Selection,
    options: &Options,
    relationships: usize,
) -> (String, String) {
    let title = "MedicalEdu database schema".to_owned();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if !options.is_subset() {
        let areas = {
            let mut seen: Vec<&str> = Vec::new();
            for t in &schema.tables {
                if !seen.contains(&t.group.as_str()) {
                    seen.push(&t.group);
                }
            }
            seen.len()
        };
        return (
            title,
            format!(
                "{}, {} in {}",
                plural(schema.tables.len(), "table"),
                plural(relationships, "relationship"),
                plural(areas, "area"),
            ),
        );
    }
    let focus: Vec<&str> = selection
        .tables
        .iter()
        .filter(|s| s.focus)
        .map(|s| schema.tables[s.table].name.as_str())
        .collect();
    let what = match (&options.group, options.tables.is_empty()) {
        (Some(group), true) => format!("the {group} area"),
        _ => focus.join(", "),
    };
    (
        title,
        format!(
            "{what}: {} and {}; direct neighbours faded",
            plural(focus.len(), "table"),
            plural(relationships, "relationship"),
        ),
    )
}

fn route_edges(
    schema: &Schema,
    edges: &[EdgeSpec],
    nodes: &[Node],
    rects: &[Rect],
    links: &[Link],
    router: &mut Router,
) -> Vec<DrawnEdge> {
    // Short connectors first, so the direct ones get the direct lines and the
    // long ones detour around them; ties in schema order.
    let mut order: Vec<usize> = (0..links.len()).collect();
    order.sort_by_key(|&i| {
        let (a, b) = (&nodes[links[i].from], &nodes[links[i].to]);
        (a.column.abs_diff(b.column), i)
    });
    // Ports taken: (node, row index, side) → a row's side carries one end.
    let mut taken: Vec<(usize, usize, Dir)> = Vec::new();
    let mut routed: Vec<Option<Vec<(i32, i32)>>> = vec![None; links.len()];

    for &i in &order {
        let link = &links[i];
        let (from, to) = (link.from, link.to);
        let (fr, tr) = (rects[from], rects[to]);
        let from_row = ((link.from_offset - HEADER_HEIGHT) / ROW_HEIGHT) as usize;
        let to_row = ((link.to_offset - HEADER_HEIGHT) / ROW_HEIGHT) as usize;

        let port = |rect: Rect, row: usize, side: Dir, extra: u32| {
            let y = rect.y + row_offset(row);
            let x = match side {
                Dir::West => rect.x - STUB,
                _ => rect.right() + STUB,
            };
            Port {
                x,
                y,
                // The box is east of a west-side port, and the other way round.
                inward: side.reverse(),
                extra,
            }
        };
        let mut sources = Vec::new();
        let mut source_keys = Vec::new();
        for side in [Dir::West, Dir::East] {
            if taken.contains(&(from, from_row, side)) {
                continue;
            }
            sources.push(port(fr, from_row, side, 0));
            source_keys.push(side);
        }
        if sources.is_empty() {
            sources.push(port(fr, from_row, Dir::East, 0));
            source_keys.push(Dir::East);
        }
        let mut targets = Vec::new();
        let mut target_keys = Vec::new();
        // A connector ends beside any row of the referenced table except
        // those where the table's own foreign keys start.
        let source_rows: Vec<usize> = links
            .iter()
            .filter(|l| l.from == to)
            .map(|l| ((l.from_offset - HEADER_HEIGHT) / ROW_HEIGHT) as usize)
            .collect();
        for row in 0..nodes[to].rows.len() {
            let is_column = nodes[to].rows[row].column.is_some();
            if !is_column || (row != to_row && source_rows.contains(&row)) {
                continue;
            }
            for side in [Dir::West, Dir::East] {
                let key = (to, row, side);
                if taken.contains(&key) || (to == from && row == from_row) {
                    continue;
                }
                // Prefer the referenced column's row, then rows near it.
                let extra = 6 * row.abs_diff(to_row) as u32;
                targets.push(port(tr, row, side, extra));
                target_keys.push((row, side));
            }
        }
        let Some(found) = router.route(&sources, &targets) else {
            continue;
        };
        let source_side = source_keys[found.source];
        let (target_row, target_side) = target_keys[found.target];
        taken.push((from, from_row, source_side));
        taken.push((to, target_row, target_side));

        let source_port = &sources[found.source];
        let target_port = &targets[found.target];
        let start_x = match source_side {
            Dir::West => fr.x,
            _ => fr.right(),
        };
        let end_x = match target_side {
            Dir::West => tr.x,
            _ => tr.right(),
        };
        let mut points = vec![(start_x, source_port.y)];
        points.extend(found.points);
        points.push((end_x, target_port.y));
        let points = simplify(points);
        router.occupy(&points);
        routed[i] = Some(points);
    }

    let mut drawn = Vec::with_capacity(links.len());
    let mut link_index = 0;
    for edge in edges {
        let (Some(from), Some(to)) = (
            nodes.iter().position(|n| n.table == edge.from),
            nodes.iter().position(|n| n.table == edge.to),
        ) else {
            continue;
        };
        let i = link_index;
        link_index += 1;
        let from_table = &schema.tables[edge.from];
        let fk = &from_table.foreign_keys[edge.foreign_key];
        let points = routed[i].clone().unwrap_or_else(|| {
            // Unreachable on any real layout (a free margin rings the whole
            // diagram); draw a plain line rather than nothing.
            let (a, b) = (rects[from], rects[to]);
            let ya = a.y + links[i].from_offset;
            let yb = b.y + links[i].to_offset;
            vec![(a.right(), ya), (b.x, yb)]
        });
        let nullable = fk
            .columns
            .iter()
            .any(|c| from_table.column(c).is_none_or(|c| c.nullable));
        drawn.push(DrawnEdge {
            name: fk.name.clone(),
            from: from_table.name.clone(),
            from_columns: fk.columns.clone(),
            to: fk.references_table.clone(),
            to_columns: fk.references_columns.clone(),
            from_end: if columns_unique(from_table, &fk.columns) {
                End::ZeroOrOne
            } else {
                End::Many
            },
            to_end: if nullable { End::ZeroOrOne } else { End::One },
            group: nodes[to].group.clone(),
            faded: nodes[from].faded || nodes[to].faded,
            points,
        });
    }
    drawn
}

/// Drops points in the middle of straight runs.
fn simplify(points: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len());
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            if (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1) {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_keys_include_functions_of_one_column() {
        assert!(unique_key_is("email", "email"));
        assert!(unique_key_is("lower(email)", "email"));
        assert!(unique_key_is("slug DESC", "slug"));
        assert!(!unique_key_is("lower(email)", "mail"));
        assert!(!unique_key_is("(a + b)", "b"));
    }

    #[test]
    fn isotonic_regression_pools_violators() {
        assert_eq!(isotonic(&[1.0, 3.0, 2.0, 4.0]), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(isotonic(&[3.0, 2.0, 1.0]), vec![2.0, 2.0, 2.0]);
    }

    #[test]
    fn group_order_keeps_the_catalog_order_on_ties() {
        assert_eq!(order_groups(3, &[]), vec![0, 1, 2]);
        // 0 and 2 linked: they become neighbours.
        let order = order_groups(3, &[(0, 2), (0, 2)]);
        assert_eq!(order, vec![0, 2, 1]);
    }
}
