//! Reads: the same query text sent to Freshet and to MySQL, one after
//! another from one client each: a point lookup by primary key over the
//! snapshotted table, and a filter on an aggregate view (indexed in Freshet;
//! a plain view in MySQL, which computes it at each query).

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use mysql_async::prelude::Queryable;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use crate::Bench;
use crate::data::Dataset;
use crate::freshet::{Freshet, rows};
use crate::stats::Latencies;

/// The longest one query's samples may take on one side; a slow side is
/// sampled fewer times (at least [`MIN_SAMPLES`]).
const TIME_BUDGET: Duration = Duration::from_secs(10);

/// The fewest samples of any query.
const MIN_SAMPLES: usize = 5;

/// Groups of the aggregate view.
pub(crate) const GROUPS: u64 = 100;

/// One query's latencies on both sides.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct ReadResult {
    /// What was asked.
    pub(crate) name: &'static str,
    /// An example of the query text, as both received it.
    pub(crate) example: String,
    /// Freshet's latencies.
    pub(crate) freshet: Latencies,
    /// MySQL's latencies.
    pub(crate) mysql: Latencies,
    /// MySQL's p50 over Freshet's (above 1: Freshet answers faster).
    pub(crate) ratio_p50: f64,
    /// MySQL's p99 over Freshet's.
    pub(crate) ratio_p99: f64,
}

/// Measures both queries on `server` (which has `t1` and an index on
/// `t1 (id)`); leaves the view `agg` and its index for the restart.
pub(crate) async fn measure(bench: &Bench, data: &Dataset, server: &Freshet) -> anyhow::Result<Vec<ReadResult>> {
    let view = format!("SELECT n % {GROUPS} AS k, count(*) AS cnt, sum(amount) AS total FROM t1 GROUP BY n % {GROUPS}");
    server
        .execute(&format!("CREATE VIEW agg AS {view}; CREATE INDEX agg_k ON agg (k)"))
        .await?;
    server.wait_for("SELECT count(*) FROM agg", &GROUPS.to_string()).await?;
    let mut mysql = bench.mysql.new_conn().await?;
    mysql
        .query_drop(format!("USE {}; CREATE OR REPLACE VIEW agg AS {view}", data.database))
        .await?;

    let table_rows = data.rows;
    let point = |rng: &mut SmallRng| {
        let id = rng.random_range(1..=table_rows);
        format!("SELECT id, n, name, amount, at, body FROM t1 WHERE id = {id}")
    };
    let group = |rng: &mut SmallRng| {
        let k = rng.random_range(0..GROUPS);
        format!("SELECT k, cnt, total FROM agg WHERE k = {k}")
    };
    let samples = bench.args.read_samples;
    let mut results = Vec::new();
    for (name, query) in [
        (
            "point lookup by primary key",
            &point as &dyn Fn(&mut SmallRng) -> String,
        ),
        ("filter on an aggregate view", &group),
    ] {
        let example = query(&mut SmallRng::seed_from_u64(1));
        let (freshet_answer, mysql_answer) = (
            rows(&server.client, &example).await?,
            ask_mysql(&mut mysql, &example).await?,
        );
        ensure!(
            freshet_answer == mysql_answer,
            "{example}: Freshet answered {freshet_answer:?}, MySQL {mysql_answer:?}"
        );
        let freshet = sample("Freshet", samples, query, async |sql: &str| {
            rows(&server.client, sql).await
        })
        .await?;
        let from_mysql = sample("MySQL", samples, query, async |sql: &str| {
            ask_mysql(&mut mysql, sql).await
        })
        .await?;
        let (freshet, mysql) = (Latencies::of(freshet), Latencies::of(from_mysql));
        eprintln!(
            "{name}: freshet p50 {:.2} ms p99 {:.2} ms, mysql p50 {:.2} ms p99 {:.2} ms",
            freshet.p50_ms, freshet.p99_ms, mysql.p50_ms, mysql.p99_ms
        );
        results.push(ReadResult {
            name,
            example,
            ratio_p50: mysql.p50_ms / freshet.p50_ms,
            ratio_p99: mysql.p99_ms / freshet.p99_ms,
            freshet,
            mysql,
        });
    }
    Ok(results)
}

/// The latencies of `ask` (`who`) answering `query`'s texts (the same seeded
/// sequence for every caller), each answer one row: `samples` of them, or
/// fewer (at least [`MIN_SAMPLES`]) once [`TIME_BUDGET`] has passed.
async fn sample(
    who: &str,
    samples: usize,
    query: &dyn Fn(&mut SmallRng) -> String,
    mut ask: impl AsyncFnMut(&str) -> anyhow::Result<Vec<Vec<Option<String>>>>,
) -> anyhow::Result<Vec<Duration>> {
    let mut rng = SmallRng::seed_from_u64(7);
    let mut latencies = Vec::new();
    let start = Instant::now();
    while latencies.len() < samples && (latencies.len() < MIN_SAMPLES || start.elapsed() < TIME_BUDGET) {
        let sql = query(&mut rng);
        let t = Instant::now();
        let answer = ask(&sql).await?;
        latencies.push(t.elapsed());
        ensure!(answer.len() == 1, "{sql}: {who} answered {} rows", answer.len());
    }
    Ok(latencies)
}

/// MySQL's answer, as text.
async fn ask_mysql(conn: &mut mysql_async::Conn, sql: &str) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    let rows: Vec<mysql_async::Row> = conn.query(sql).await.with_context(|| format!("MySQL: {sql}"))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql_async::Value::NULL => None,
                    mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    other => Some(other.as_sql(true)),
                })
                .collect()
        })
        .collect())
}
