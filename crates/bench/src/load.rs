//! The load generator: writes to MySQL of known shape and size, counting
//! the row changes MySQL reports (affected rows), so the replication
//! benchmark knows exactly how much binlog Freshet has to follow.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use crate::mysql::MySql;

/// Writers of the small-transaction workload, each on its own connection.
const SMALL_WRITERS: u64 = 4;

/// Each writer's ids start at `(writer + 1) * ID_SPACE`.
const ID_SPACE: u64 = 1_000_000_000_000;

/// What a workload did.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub(crate) struct Workload {
    /// Transactions committed.
    pub(crate) transactions: u64,
    /// Rows they inserted, updated or deleted, by MySQL's count.
    pub(crate) row_changes: u64,
    /// Seconds generating it took.
    pub(crate) seconds: f64,
}

/// The columns of a workload's table: `(id bigint PRIMARY KEY, v bigint,
/// pad varchar(40))`.
pub(crate) fn create_table(table: &str) -> String {
    format!("CREATE TABLE {table} (id bigint PRIMARY KEY, v bigint NOT NULL, pad varchar(40) NOT NULL)")
}

/// Transactions of 1 to 10 row changes until `changes` row changes are
/// made, by [`SMALL_WRITERS`] writers at once: about 60% insert new rows,
/// 30% update rows that exist, 10% delete the oldest rows (each writer
/// in its own range of ids, so every statement changes exactly the rows it
/// names).
pub(crate) async fn small_transactions(mysql: &MySql, table: &str, changes: u64) -> anyhow::Result<Workload> {
    let start = Instant::now();
    let writers = (0..SMALL_WRITERS).map(|w| async move {
        let mut conn = mysql.new_conn().await?;
        let mut rng = SmallRng::seed_from_u64(w);
        let base = (w + 1) * ID_SPACE;
        // Live rows are ids oldest..next.
        let (mut oldest, mut next) = (base, base);
        let (mut transactions, mut done) = (0u64, 0u64);
        let share = changes.div_ceil(SMALL_WRITERS);
        while done < share {
            let k = rng.random_range(1..=10u64);
            let live = next - oldest;
            let choice = if live < 100 { 0 } else { rng.random_range(0..10) };
            let sql = match choice {
                0..6 => {
                    let values = (next..next + k)
                        .map(|id| format!("({id}, 0, 'pad-{id:020}')"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    next += k;
                    format!("INSERT INTO {table} (id, v, pad) VALUES {values}")
                }
                6..9 => {
                    let first = rng.random_range(oldest..=next - k);
                    format!(
                        "UPDATE {table} SET v = v + 1 WHERE id BETWEEN {first} AND {}",
                        first + k - 1
                    )
                }
                _ => {
                    let first = oldest;
                    oldest += k;
                    format!("DELETE FROM {table} WHERE id BETWEEN {first} AND {}", first + k - 1)
                }
            };
            conn.query_drop(&sql).await?;
            anyhow::ensure!(conn.affected_rows() == k, "{sql} changed {} rows", conn.affected_rows());
            done += k;
            transactions += 1;
        }
        conn.disconnect().await?;
        anyhow::Ok((transactions, done))
    });
    let totals = futures::future::try_join_all(writers).await?;
    Ok(Workload {
        transactions: totals.iter().map(|t| t.0).sum(),
        row_changes: totals.iter().map(|t| t.1).sum(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Fills `table` with `rows` rows (ids 1..=rows), in one transaction.
pub(crate) async fn fill(mysql: &MySql, table: &str, rows: u64) -> anyhow::Result<()> {
    mysql
        .execute(&format!(
            "SET SESSION cte_max_recursion_depth = {};
             INSERT INTO {table} (id, v, pad)
             WITH RECURSIVE seq (id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM seq WHERE id < {rows})
             SELECT id, 0, CONCAT('pad-', LPAD(id, 20, '0')) FROM seq",
            rows + 1
        ))
        .await
}

/// Transactions that each update every row of `table` (which holds the
/// rows of one large transaction), until `changes` row changes are made.
pub(crate) async fn large_transactions(mysql: &MySql, table: &str, changes: u64) -> anyhow::Result<Workload> {
    let start = Instant::now();
    let mut conn = mysql.new_conn().await?;
    let (mut transactions, mut done) = (0u64, 0u64);
    while done < changes {
        conn.query_drop(format!("UPDATE {table} SET v = v + 1")).await?;
        anyhow::ensure!(conn.affected_rows() > 0, "UPDATE {table} changed no rows");
        done += conn.affected_rows();
        transactions += 1;
    }
    conn.disconnect().await?;
    Ok(Workload {
        transactions,
        row_changes: done,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The most single-row transactions per second MySQL commits, durably,
/// into `table (id)` from `connections` clients each committing as fast
/// as it can, over `duration`.
pub(crate) async fn max_commit_rate(
    mysql: &MySql,
    table: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let mut conns = Vec::new();
    for _ in 0..connections {
        conns.push(mysql.new_conn().await?);
    }
    let next = AtomicU64::new(1);
    let start = Instant::now();
    let writers = conns.into_iter().map(|mut conn| async {
        let mut committed = 0u64;
        while start.elapsed() < duration {
            let id = next.fetch_add(1, Ordering::Relaxed);
            conn.query_drop(format!("INSERT INTO {table} (id) VALUES ({id})"))
                .await?;
            committed += 1;
        }
        let elapsed = start.elapsed();
        conn.disconnect().await?;
        anyhow::Ok((committed, elapsed))
    });
    let done = futures::future::try_join_all(writers).await?;
    let committed: u64 = done.iter().map(|d| d.0).sum();
    let elapsed = done.iter().map(|d| d.1).max().unwrap_or(duration);
    Ok(committed as f64 / elapsed.as_secs_f64())
}
