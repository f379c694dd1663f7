//! Maintained views compute what one-shot queries compute: two tables, views
//! of them covering joins, grouped aggregates, DISTINCT, set operations,
//! subqueries, window functions, top-k and LATERAL (each with an index), and
//! rounds of random INSERT, UPDATE and DELETE batches. After every round each view
//! read through its index (`SELECT * FROM view`) must equal its defining
//! query run one-shot, as multisets of rows; and the simpler views must also
//! equal what the test computes itself from the rows it wrote, so Freshet is
//! not only compared with itself.
//!
//! Writes go through one connection and reads through another: reads are
//! strict serializable (the default), so a read after a write sees it at
//! once, with no waiting.
//!
//! The writes come from a seeded RNG; the seed is printed, and
//! `FRESHET_VIEWS_SEED=n` replays a run. Each test runs the views and
//! queries in a cluster with a different number of timely workers (1, 2,
//! 4).

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::Context;
use common::TestServer;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio_postgres::{Client, SimpleQueryMessage};

/// Rounds of random writes, each followed by a check of every view.
const ROUNDS: usize = 30;

/// The groups `g` takes values in (`0..GROUPS`).
const GROUPS: i64 = 5;

/// Rows as the simple query protocol returns them: text values, `None` for NULL.
type Rows = Vec<Vec<Option<String>>>;

/// A row of table `t`: `id` is unique.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TRow {
    id: i64,
    g: i64,
    v: Option<i64>,
}

/// A row of table `u`: no key, rows may repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
struct URow {
    id: i64,
    g: i64,
    w: Option<i64>,
}

/// What the test wrote: the rows the tables must hold.
#[derive(Debug, Default)]
struct Model {
    t: Vec<TRow>,
    u: Vec<URow>,
    /// The next unused id of `t`.
    next_id: i64,
}

/// A view under test: its name, its defining query, and (for the simpler
/// ones) the test's own evaluation of it.
struct ViewSpec {
    name: &'static str,
    query: &'static str,
    expected: Option<fn(&Model) -> Rows>,
}

/// The views, created in this order: the first half before any row is
/// written, the rest after the initial rows.
const VIEWS: &[ViewSpec] = &[
    ViewSpec {
        name: "groups",
        query: "SELECT g, count(*) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM t GROUP BY g",
        expected: Some(groups),
    },
    ViewSpec {
        name: "joined",
        query: "SELECT t.id AS tid, u.id AS uid, t.v + u.w AS x FROM t JOIN u ON t.g = u.g",
        expected: Some(joined),
    },
    ViewSpec {
        name: "distinct_gv",
        query: "SELECT DISTINCT g, v FROM t",
        expected: Some(distinct_gv),
    },
    ViewSpec {
        name: "ranked",
        query: "SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY v, id) AS rn FROM t",
        expected: Some(ranked),
    },
    ViewSpec {
        name: "top5",
        query: "SELECT id, v FROM t WHERE v IS NOT NULL ORDER BY v DESC, id LIMIT 5",
        expected: Some(top5),
    },
    ViewSpec {
        name: "t_except_u",
        query: "SELECT g, v FROM t EXCEPT SELECT g, w FROM u",
        expected: Some(t_except_u),
    },
    ViewSpec {
        name: "g_except_all",
        query: "SELECT g FROM t EXCEPT ALL SELECT g FROM u",
        expected: Some(g_except_all),
    },
    ViewSpec {
        name: "union_all",
        query: "SELECT g, v FROM t UNION ALL SELECT g, w FROM u",
        expected: Some(union_all),
    },
    ViewSpec {
        name: "union_set",
        query: "SELECT g FROM t UNION SELECT g FROM u",
        expected: None,
    },
    ViewSpec {
        name: "g_intersect_all",
        query: "SELECT g FROM t INTERSECT ALL SELECT g FROM u",
        expected: None,
    },
    ViewSpec {
        name: "exists_sub",
        query: "SELECT id, v FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.g = t.g AND u.w > t.v)",
        expected: None,
    },
    ViewSpec {
        name: "in_sub",
        query: "SELECT id FROM t WHERE g IN (SELECT g FROM u WHERE w < 0)",
        expected: None,
    },
    ViewSpec {
        name: "scalar_sub",
        query: "SELECT id, (SELECT count(*) FROM u WHERE u.g = t.g) AS n FROM t",
        expected: None,
    },
    ViewSpec {
        name: "left_joined",
        query: "SELECT t.id AS tid, u.id AS uid, u.w FROM t LEFT JOIN u ON t.g = u.g AND u.w > 0",
        expected: None,
    },
    ViewSpec {
        name: "having",
        query: "SELECT g, count(DISTINCT v) AS dv, sum(v * 2) AS s2 FROM t GROUP BY g HAVING count(*) > 2",
        expected: None,
    },
    ViewSpec {
        name: "join_groups",
        query: "SELECT t.g, count(*) AS n, max(u.w) AS m, min(t.v) AS lo FROM t JOIN u ON t.g = u.g GROUP BY t.g",
        expected: None,
    },
    ViewSpec {
        name: "top2_per_group",
        query: "SELECT g, id, v FROM \
                (SELECT g, id, v, row_number() OVER (PARTITION BY g ORDER BY v DESC, id) AS rn FROM t) AS r \
                WHERE rn <= 2",
        expected: None,
    },
    ViewSpec {
        name: "lateral_top2",
        query: "SELECT grp.g, x.id, x.v FROM (SELECT DISTINCT g FROM u) AS grp, \
                LATERAL (SELECT id, v FROM t WHERE t.g = grp.g ORDER BY v DESC, id LIMIT 2 OFFSET 1) AS x",
        expected: None,
    },
    ViewSpec {
        name: "lateral_left",
        query: "SELECT u.id AS uid, x.id, x.n FROM u LEFT JOIN LATERAL \
                (SELECT t.id, count(*) OVER () AS n FROM t WHERE t.g = u.g AND t.v > u.w ORDER BY t.v, t.id LIMIT 1) AS x \
                ON true",
        expected: None,
    },
    ViewSpec {
        name: "lateral_count",
        query: "SELECT t.id, c.n, c.hi FROM t, \
                LATERAL (SELECT count(*) AS n, max(w) AS hi FROM u WHERE u.g = t.g AND u.w < t.v) AS c",
        expected: None,
    },
];

/// A value as PostgreSQL's text.
fn text(value: Option<i64>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// `value` as an SQL literal.
fn literal(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
}

/// `groups`: count, sum, min and max of `v` per `g` (NULLs ignored; the sum
/// of none is NULL).
fn groups(model: &Model) -> Rows {
    let mut by_group: BTreeMap<i64, Vec<Option<i64>>> = BTreeMap::new();
    for row in &model.t {
        by_group.entry(row.g).or_default().push(row.v);
    }
    by_group
        .into_iter()
        .map(|(g, vs)| {
            let values: Vec<i64> = vs.iter().flatten().copied().collect();
            let sum = (!values.is_empty()).then(|| values.iter().sum());
            vec![
                text(Some(g)),
                text(Some(vs.len() as i64)),
                text(sum),
                text(values.iter().min().copied()),
                text(values.iter().max().copied()),
            ]
        })
        .collect()
}

/// `joined`: `t` joined with `u` on `g`.
fn joined(model: &Model) -> Rows {
    let mut rows = Vec::new();
    for t in &model.t {
        for u in model.u.iter().filter(|u| u.g == t.g) {
            let x = t.v.zip(u.w).map(|(v, w)| v + w);
            rows.push(vec![text(Some(t.id)), text(Some(u.id)), text(x)]);
        }
    }
    rows
}

/// `distinct_gv`: the distinct `(g, v)` of `t`.
fn distinct_gv(model: &Model) -> Rows {
    let set: BTreeSet<(i64, Option<i64>)> = model.t.iter().map(|row| (row.g, row.v)).collect();
    set.into_iter().map(|(g, v)| vec![text(Some(g)), text(v)]).collect()
}

/// `ranked`: each row's place in its group by `v` (NULLs last), then `id`.
fn ranked(model: &Model) -> Rows {
    let mut rows: Vec<&TRow> = model.t.iter().collect();
    rows.sort_by_key(|row| (row.g, row.v.is_none(), row.v, row.id));
    let mut out = Vec::new();
    let mut previous_group = None;
    let mut rank = 0;
    for row in rows {
        if previous_group != Some(row.g) {
            previous_group = Some(row.g);
            rank = 0;
        }
        rank += 1;
        out.push(vec![text(Some(row.id)), text(Some(row.g)), text(Some(rank))]);
    }
    out
}

/// `top5`: the five rows with the largest non-NULL `v`, ties by `id`.
fn top5(model: &Model) -> Rows {
    let mut rows: Vec<(i64, i64)> = model.t.iter().filter_map(|row| Some((row.id, row.v?))).collect();
    rows.sort_by_key(|&(id, v)| (std::cmp::Reverse(v), id));
    rows.into_iter()
        .take(5)
        .map(|(id, v)| vec![text(Some(id)), text(Some(v))])
        .collect()
}

/// `t_except_u`: the distinct `(g, v)` of `t` that are no `(g, w)` of `u`
/// (NULLs compare equal in set operations).
fn t_except_u(model: &Model) -> Rows {
    let u: BTreeSet<(i64, Option<i64>)> = model.u.iter().map(|row| (row.g, row.w)).collect();
    let t: BTreeSet<(i64, Option<i64>)> = model.t.iter().map(|row| (row.g, row.v)).collect();
    t.difference(&u).map(|&(g, v)| vec![text(Some(g)), text(v)]).collect()
}

/// `g_except_all`: each `g` as many times as it is in `t` more often than in `u`.
fn g_except_all(model: &Model) -> Rows {
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    for row in &model.t {
        *counts.entry(row.g).or_default() += 1;
    }
    for row in &model.u {
        *counts.entry(row.g).or_default() -= 1;
    }
    counts
        .into_iter()
        .flat_map(|(g, n)| std::iter::repeat_n(vec![text(Some(g))], n.max(0) as usize))
        .collect()
}

/// `union_all`: the `(g, v)` of `t` and the `(g, w)` of `u`.
fn union_all(model: &Model) -> Rows {
    let t = model.t.iter().map(|row| vec![text(Some(row.g)), text(row.v)]);
    let u = model.u.iter().map(|row| vec![text(Some(row.g)), text(row.w)]);
    t.chain(u).collect()
}

/// A random value of `v` or `w`: NULL one time in ten.
fn random_value(rng: &mut StdRng) -> Option<i64> {
    (rng.random_range(0..10) > 0).then(|| rng.random_range(-20..=20))
}

/// An `id` of `t` that exists (when there is one) or, one time in five, one
/// that may not.
fn some_t_id(model: &Model, rng: &mut StdRng) -> i64 {
    if model.t.is_empty() || rng.random_range(0..5) == 0 {
        rng.random_range(0..model.next_id.max(1))
    } else {
        model.t[rng.random_range(0..model.t.len())].id
    }
}

/// One random write: its SQL, applied to `model` as the server must apply it.
fn random_write(model: &mut Model, rng: &mut StdRng) -> String {
    match rng.random_range(0..100) {
        0..25 => {
            let rows: Vec<TRow> = (0..rng.random_range(1..=4))
                .map(|_| {
                    model.next_id += 1;
                    TRow {
                        id: model.next_id,
                        g: rng.random_range(0..GROUPS),
                        v: random_value(rng),
                    }
                })
                .collect();
            let values: Vec<String> = rows
                .iter()
                .map(|row| format!("({}, {}, {})", row.id, row.g, literal(row.v)))
                .collect();
            model.t.extend(rows);
            format!("INSERT INTO t VALUES {}", values.join(", "))
        }
        25..40 => {
            // Sometimes a copy of an existing row: `u` holds duplicates.
            let row = if !model.u.is_empty() && rng.random_range(0..4) == 0 {
                model.u[rng.random_range(0..model.u.len())].clone()
            } else {
                URow {
                    id: rng.random_range(1..=20),
                    g: rng.random_range(0..GROUPS),
                    w: random_value(rng),
                }
            };
            let sql = format!("INSERT INTO u VALUES ({}, {}, {})", row.id, row.g, literal(row.w));
            model.u.push(row);
            sql
        }
        40..52 => {
            let id = some_t_id(model, rng);
            let v = random_value(rng);
            for row in model.t.iter_mut().filter(|row| row.id == id) {
                row.v = v;
            }
            format!("UPDATE t SET v = {} WHERE id = {id}", literal(v))
        }
        52..60 => {
            let (from, to) = (rng.random_range(0..GROUPS), rng.random_range(0..GROUPS));
            for row in model.t.iter_mut().filter(|row| row.g == from) {
                row.g = to;
            }
            format!("UPDATE t SET g = {to} WHERE g = {from}")
        }
        60..68 => {
            let (below, by) = (rng.random_range(-20..=20), rng.random_range(-5..=5));
            for row in &mut model.t {
                if let Some(v) = row.v.filter(|v| *v < below) {
                    row.v = Some(v + by);
                }
            }
            format!("UPDATE t SET v = v + {by} WHERE v < {below}")
        }
        68..80 => {
            let id = some_t_id(model, rng);
            model.t.retain(|row| row.id != id);
            format!("DELETE FROM t WHERE id = {id}")
        }
        80..85 => {
            let above = rng.random_range(5..=20);
            model.t.retain(|row| row.v.is_none_or(|v| v <= above));
            format!("DELETE FROM t WHERE v > {above}")
        }
        85..93 => {
            let id = rng.random_range(1..=20);
            model.u.retain(|row| row.id != id);
            format!("DELETE FROM u WHERE id = {id}")
        }
        _ => {
            let g = rng.random_range(0..GROUPS);
            if rng.random_range(0..2) == 0 {
                for row in model.u.iter_mut().filter(|row| row.g == g) {
                    row.w = None;
                }
                format!("UPDATE u SET w = NULL WHERE g = {g}")
            } else {
                for row in model.u.iter_mut().filter(|row| row.g == g) {
                    row.w = row.w.map(|w| w * 2);
                }
                format!("UPDATE u SET w = w * 2 WHERE g = {g}")
            }
        }
    }
}

/// The rows `sql` returns, sorted.
async fn sorted_rows(client: &Client, sql: &str) -> anyhow::Result<Rows> {
    let mut rows = Vec::new();
    for message in client.simple_query(sql).await.with_context(|| sql.to_owned())? {
        if let SimpleQueryMessage::Row(row) = message {
            rows.push((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect());
        }
    }
    rows.sort();
    Ok(rows)
}

/// `rows`, one per line, NULL as `NULL`.
fn render(rows: &Rows) -> String {
    let mut out = String::new();
    for row in rows {
        let values: Vec<&str> = row.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect();
        let _ = writeln!(out, "    {}", values.join(" | "));
    }
    if rows.is_empty() {
        out.push_str("    (no rows)\n");
    }
    out
}

/// Compares every view with its query run one-shot, and with the test's
/// own evaluation where it has one. Returns a report of the differences.
async fn check_views(reader: &Client, model: &Model, created: usize) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for spec in &VIEWS[..created] {
        let view = sorted_rows(reader, &format!("SELECT * FROM {}", spec.name)).await?;
        let one_shot = sorted_rows(reader, spec.query).await?;
        if view != one_shot {
            problems.push(format!(
                "view {} differs from its query run one-shot\n  query: {}\n  one-shot:\n{}  view:\n{}",
                spec.name,
                spec.query,
                render(&one_shot),
                render(&view)
            ));
        }
        if let Some(expected) = spec.expected {
            let mut expected = expected(model);
            expected.sort();
            if view != expected {
                problems.push(format!(
                    "view {} differs from the test's own evaluation\n  query: {}\n  expected:\n{}  view:\n{}",
                    spec.name,
                    spec.query,
                    render(&expected),
                    render(&view)
                ));
            }
        }
    }
    Ok(problems)
}

/// Creates view `spec` and its index on its first column.
async fn create_view(client: &Client, spec: &ViewSpec) -> anyhow::Result<()> {
    let described = client
        .prepare(spec.query)
        .await
        .with_context(|| spec.query.to_owned())?;
    let first = described
        .columns()
        .first()
        .with_context(|| format!("view {} has no columns", spec.name))?
        .name()
        .to_owned();
    client
        .batch_execute(&format!("CREATE VIEW {} AS {}", spec.name, spec.query))
        .await
        .with_context(|| format!("creating view {}", spec.name))?;
    client
        .batch_execute(&format!("CREATE INDEX {0}_index ON {0} ({first})", spec.name))
        .await
        .with_context(|| format!("indexing view {}", spec.name))?;
    Ok(())
}

/// The whole test, in a cluster of `workers` timely workers.
async fn views_match_one_shot_queries(workers: u32) -> anyhow::Result<()> {
    let seed = match std::env::var("FRESHET_VIEWS_SEED") {
        Ok(seed) => seed.parse().context("FRESHET_VIEWS_SEED")?,
        Err(_) => rand::random(),
    };
    // Printed so a failing run can be replayed.
    eprintln!("workers: {workers}; writes from FRESHET_VIEWS_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let writer = server.connect().await?;
    let reader = server.connect().await?;
    writer
        .batch_execute(&format!(
            "CREATE CLUSTER sized (SIZE = '{workers}'); SET cluster = sized;
             CREATE TABLE t (id int, g int, v int); CREATE TABLE u (id int, g int, w int)"
        ))
        .await?;
    reader.batch_execute("SET cluster = sized").await?;

    let mut model = Model::default();
    let half = VIEWS.len() / 2;
    for spec in &VIEWS[..half] {
        create_view(&writer, spec).await?;
    }
    // Initial rows, then the other views over them.
    let mut log = Vec::new();
    for _ in 0..12 {
        let sql = random_write(&mut model, &mut rng);
        writer.batch_execute(&sql).await.with_context(|| sql.clone())?;
        log.push(sql);
    }
    for spec in &VIEWS[half..] {
        create_view(&writer, spec).await?;
    }

    for round in 0..=ROUNDS {
        if round > 0 {
            log.clear();
            for _ in 0..rng.random_range(1..=8) {
                let sql = random_write(&mut model, &mut rng);
                writer.batch_execute(&sql).await.with_context(|| sql.clone())?;
                log.push(sql);
            }
        }
        let problems = check_views(&reader, &model, VIEWS.len()).await?;
        if !problems.is_empty() {
            anyhow::bail!(
                "workers: {workers}, FRESHET_VIEWS_SEED={seed}, round {round} of {ROUNDS}, after\n  {}\n{}",
                log.join(";\n  "),
                problems.join("\n")
            );
        }
    }
    // The test's model and the server agree on the tables themselves too.
    let t: Rows = {
        let mut rows: Rows = model
            .t
            .iter()
            .map(|row| vec![text(Some(row.id)), text(Some(row.g)), text(row.v)])
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(sorted_rows(&reader, "SELECT * FROM t").await?, t, "seed {seed}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_match_one_shot_queries_on_1_worker() -> anyhow::Result<()> {
    views_match_one_shot_queries(1).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_match_one_shot_queries_on_2_workers() -> anyhow::Result<()> {
    views_match_one_shot_queries(2).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_match_one_shot_queries_on_4_workers() -> anyhow::Result<()> {
    views_match_one_shot_queries(4).await
}
