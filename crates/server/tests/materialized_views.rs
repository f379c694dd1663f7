//! Materialized views across crashes: after every kill -9 and restart, each
//! view holds exactly what its query computes over its inputs (the sink
//! corrects what is stored, so no row is doubled or lost), including
//! changes made while the view's dataflow was starting again.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use common::{TestServer, column, rows};
use rand::{RngExt, SeedableRng};
use tokio_postgres::Client;

/// The views and the queries they materialize.
const VIEWS: &[(&str, &str)] = &[
    ("groups", "SELECT g, count(*) AS n, sum(v) AS total FROM t GROUP BY g"),
    ("big", "SELECT k, v FROM t WHERE v > 500"),
    (
        "joined",
        "SELECT t.k, u.label FROM t JOIN u ON t.g = u.g WHERE t.v % 3 = 0",
    ),
];

/// Each view equals its query run once over the tables.
async fn check_views(client: &Client, when: &str) -> anyhow::Result<()> {
    for (name, query) in VIEWS {
        let stored = rows(client, &format!("SELECT * FROM {name}")).await?;
        let computed = rows(client, query).await?;
        anyhow::ensure!(
            stored == computed,
            "{when}: view {name} holds {} rows, its query {}: {stored:?} vs {computed:?}",
            stored.len(),
            computed.len()
        );
    }
    Ok(())
}

/// A few random writes, each its own transaction.
async fn write_round(client: &Client, rng: &mut rand::rngs::StdRng, next_key: &mut i64) -> anyhow::Result<()> {
    for _ in 0..rng.random_range(5..15) {
        let sql = match rng.random_range(0..3) {
            0 => {
                *next_key += 1;
                format!(
                    "INSERT INTO t VALUES ({next_key}, {}, {})",
                    rng.random_range(0..5),
                    rng.random_range(0..1000)
                )
            }
            1 => format!(
                "UPDATE t SET v = {} WHERE k % 7 = {}",
                rng.random_range(0..1000),
                rng.random_range(0..7)
            ),
            _ => format!("DELETE FROM t WHERE k % 11 = {}", rng.random_range(0..11)),
        };
        client.batch_execute(&sql).await?;
    }
    Ok(())
}

#[tokio::test]
async fn materialized_views_stay_exact_across_kill_9() -> anyhow::Result<()> {
    let seed: u64 = std::env::var("FRESHET_MV_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("FRESHET_MV_CRASH_SEED={seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let mut server = TestServer::start(dir.path())?;
    let mut client = server.connect().await?;
    client
        .batch_execute(
            "CREATE TABLE t (k bigint, g int, v int);
             CREATE TABLE u (g int, label text);
             INSERT INTO u VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three');",
        )
        .await?;
    let values: Vec<String> = (0..200)
        .map(|k| format!("({k}, {}, {})", rng.random_range(0..5), rng.random_range(0..1000)))
        .collect();
    client
        .batch_execute(&format!("INSERT INTO t VALUES {}", values.join(", ")))
        .await?;
    let mut next_key = 200;
    for (name, query) in VIEWS {
        client
            .batch_execute(&format!("CREATE MATERIALIZED VIEW {name} AS {query}"))
            .await?;
    }
    check_views(&client, "after creation").await?;
    for round in 0..4 {
        write_round(&client, &mut rng, &mut next_key).await?;
        check_views(&client, &format!("round {round}")).await?;
        server.kill()?;
        server = TestServer::start(dir.path())?;
        client = server.connect().await?;
        check_views(&client, &format!("after kill {round}")).await?;
        // Writes right after the restart, while the sinks start again.
        write_round(&client, &mut rng, &mut next_key).await?;
        check_views(&client, &format!("after restart {round}")).await?;
    }
    assert_eq!(column(&client, "SELECT count(*) > 0 FROM groups").await?, ["t"]);
    Ok(())
}
