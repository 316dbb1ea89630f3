//! Orthogonal connector routing on a lattice.
//!
//! The diagram is covered by a lattice of points [`GRID`] pixels apart; points
//! on or inside a box (or a group label) are blocked, so no connector can run
//! through one. Each connector is a cheapest path (Dijkstra over point and
//! heading) from any of its source ports to any of its target ports, where a
//! step costs its length, a turn costs more, running along another connector
//! costs a lot and crossing one costs some, so connectors take few bends,
//! spread into parallel tracks instead of overlapping, and cross rarely.
//! Connectors are routed one after another; each one's points are then marked
//! as taken for the next.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::layout::{GRID, Rect, STUB};

const STEP: u32 = 2;
const TURN: u32 = 10;
/// Running on top of another connector.
const OVERLAP: u32 = 60;
/// Crossing another connector.
const CROSS: u32 = 14;
/// Running right beside a box, where other connectors' ends come out.
const HUG: u32 = 3;
/// Turning where another connector already is: it would look like a junction.
const JUNCTION: u32 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    East,
    South,
    West,
    North,
}

impl Dir {
    const ALL: [Dir; 4] = [Dir::East, Dir::South, Dir::West, Dir::North];

    fn index(self) -> usize {
        self as usize
    }

    pub fn reverse(self) -> Dir {
        match self {
            Dir::East => Dir::West,
            Dir::West => Dir::East,
            Dir::North => Dir::South,
            Dir::South => Dir::North,
        }
    }

    fn delta(self) -> (i32, i32) {
        match self {
            Dir::East => (1, 0),
            Dir::West => (-1, 0),
            Dir::South => (0, 1),
            Dir::North => (0, -1),
        }
    }

    fn horizontal(self) -> bool {
        matches!(self, Dir::East | Dir::West)
    }
}

/// Where a connector may start or end: a lattice point [`STUB`] pixels out
/// from a box side, and the direction from it towards the box.
#[derive(Clone, Copy, Debug)]
pub struct Port {
    pub x: i32,
    pub y: i32,
    pub inward: Dir,
    /// Added to the path's cost when it uses this port.
    pub extra: u32,
}

pub struct Found {
    pub source: usize,
    pub target: usize,
    /// Lattice points of the path from the source port to the target port.
    pub points: Vec<(i32, i32)>,
}

pub struct Router {
    columns: i32,
    rows: i32,
    blocked: Vec<bool>,
    /// Within a stub's length of a box side.
    near: Vec<bool>,
    horizontal: Vec<u16>,
    vertical: Vec<u16>,
}

impl Router {
    /// A lattice over `width` × `height` pixels, with nothing above `top`.
    pub fn new(width: i32, height: i32, top: i32, obstacles: &[Rect]) -> Router {
        let columns = width / GRID + 1;
        let rows = height / GRID + 1;
        let size = (columns * rows) as usize;
        let mut router = Router {
            columns,
            rows,
            blocked: vec![false; size],
            near: vec![false; size],
            horizontal: vec![0; size],
            vertical: vec![0; size],
        };
        for j in 0..rows {
            for i in 0..columns {
                let (x, y) = (i * GRID, j * GRID);
                let index = router.index(i, j);
                if y < top || i == 0 || j == rows - 1 || i == columns - 1 {
                    router.blocked[index] = true;
                    continue;
                }
                for r in obstacles {
                    if x >= r.x && x <= r.right() && y >= r.y && y <= r.bottom() {
                        router.blocked[index] = true;
                    }
                    if y > r.y
                        && y < r.bottom()
                        && ((x >= r.x - STUB + GRID && x < r.x)
                            || (x > r.right() && x <= r.right() + STUB - GRID))
                    {
                        router.near[index] = true;
                    }
                }
            }
        }
        router
    }

    fn index(&self, i: i32, j: i32) -> usize {
        (j * self.columns + i) as usize
    }

    fn lattice(&self, x: i32, y: i32) -> Option<(i32, i32)> {
        let (i, j) = (x.div_euclid(GRID), y.div_euclid(GRID));
        (i >= 0 && j >= 0 && i < self.columns && j < self.rows).then_some((i, j))
    }

    /// The cheapest path from one of `sources` to one of `targets`, or `None`
    /// when every target is walled off.
    pub fn route(&self, sources: &[Port], targets: &[Port]) -> Option<Found> {
        let size = (self.columns * self.rows) as usize * 4;
        let mut cost = vec![u32::MAX; size];
        let mut previous = vec![u32::MAX; size];
        let mut origin = vec![u32::MAX; size];
        let mut heap = BinaryHeap::new();
        // Target ports by lattice index.
        let mut goals: Vec<(usize, usize)> = targets
            .iter()
            .enumerate()
            .filter_map(|(t, p)| {
                let (i, j) = self.lattice(p.x, p.y)?;
                let index = self.index(i, j);
                (!self.blocked[index]).then_some((index, t))
            })
            .collect();
        goals.sort_unstable();

        for (s, port) in sources.iter().enumerate() {
            let Some((i, j)) = self.lattice(port.x, port.y) else {
                continue;
            };
            let index = self.index(i, j);
            if self.blocked[index] {
                continue;
            }
            // Leaving the box: heading away from it.
            let state = index * 4 + port.inward.reverse().index();
            if port.extra < cost[state] {
                cost[state] = port.extra;
                origin[state] = s as u32;
                heap.push(Reverse((port.extra, state as u32)));
            }
        }

        let mut best: Option<(u32, usize, usize)> = None;
        while let Some(Reverse((c, state))) = heap.pop() {
            let state = state as usize;
            if c > cost[state] {
                continue;
            }
            if let Some((best_cost, _, _)) = best
                && c >= best_cost
            {
                break;
            }
            let index = state / 4;
            let heading = Dir::ALL[state % 4];
            // Arriving at a target port: into the box, turning there if need be.
            let first = goals.partition_point(|&(g, _)| g < index);
            for &(g, t) in &goals[first..] {
                if g != index {
                    break;
                }
                let port = &targets[t];
                if heading == port.inward.reverse() {
                    continue;
                }
                let turn = if heading == port.inward { 0 } else { TURN };
                let total = c + turn + port.extra;
                if best.is_none_or(|(b, _, _)| total < b) {
                    best = Some((total, state, t));
                }
            }
            let (i, j) = (index as i32 % self.columns, index as i32 / self.columns);
            for next in Dir::ALL {
                if next == heading.reverse() {
                    continue;
                }
                let (di, dj) = next.delta();
                let (ni, nj) = (i + di, j + dj);
                if ni < 0 || nj < 0 || ni >= self.columns || nj >= self.rows {
                    continue;
                }
                let n = self.index(ni, nj);
                if self.blocked[n] {
                    continue;
                }
                let mut step = STEP;
                if next != heading {
                    step += TURN;
                    if self.horizontal[index] > 0 || self.vertical[index] > 0 {
                        step += JUNCTION;
                    }
                }
                let (same, across) = if next.horizontal() {
                    (self.horizontal[n], self.vertical[n])
                } else {
                    (self.vertical[n], self.horizontal[n])
                };
                if same > 0 {
                    step += OVERLAP;
                }
                if across > 0 {
                    step += CROSS;
                }
                if self.near[n] && !next.horizontal() {
                    step += HUG;
                }
                let next_state = n * 4 + next.index();
                let total = c + step;
                if total < cost[next_state] {
                    cost[next_state] = total;
                    previous[next_state] = state as u32;
                    origin[next_state] = origin[state];
                    heap.push(Reverse((total, next_state as u32)));
                }
            }
        }

        let (_, end, target) = best?;
        let mut points = Vec::new();
        let mut state = end;
        loop {
            let index = (state / 4) as i32;
            points.push(((index % self.columns) * GRID, (index / self.columns) * GRID));
            let p = previous[state];
            if p == u32::MAX {
                break;
            }
            state = p as usize;
        }
        points.reverse();
        let found = Found {
            source: origin[end] as usize,
            target,
            points,
        };
        Some(found)
    }

    /// Marks a routed path's lattice points as taken.
    pub fn occupy(&mut self, points: &[(i32, i32)]) {
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let horizontal = y0 == y1;
            let steps = ((x1 - x0).abs() + (y1 - y0).abs()) / GRID;
            let (dx, dy) = ((x1 - x0).signum() * GRID, (y1 - y0).signum() * GRID);
            for k in 0..=steps {
                if let Some((i, j)) = self.lattice(x0 + dx * k, y0 + dy * k) {
                    let index = self.index(i, j);
                    let slot = if horizontal {
                        &mut self.horizontal[index]
                    } else {
                        &mut self.vertical[index]
                    };
                    *slot = slot.saturating_add(1);
                }
            }
        }
    }
}
