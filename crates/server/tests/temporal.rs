//! Temporal filters against the wall clock: a row whose window ends a
//! couple of seconds from now is in an indexed view until its bound and
//! leaves it on time, and a subscription retracts it exactly at its bound.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::TestServer;
use futures::StreamExt;
use tokio_postgres::{Client, SimpleQueryMessage};

/// How long after its bound a row may still be seen: the inputs' uppers
/// advance every tick (about a second), and the test's reads take time.
const LATE_MARGIN: Duration = Duration::from_millis(3000);

/// How far the server's logical clock may run ahead of the test's wall
/// clock (it stamps `max(now, previous + 1)`).
const EARLY_MARGIN: Duration = Duration::from_millis(250);

fn wall_ms() -> anyhow::Result<u64> {
    Ok(u64::try_from(
        SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis(),
    )?)
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Every row of a simple query, as text fields.
async fn rows(client: &Client, sql: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for message in client.simple_query(sql).await? {
        if let SimpleQueryMessage::Row(row) = message {
            out.push(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                    .collect(),
            );
        }
    }
    Ok(out)
}

async fn server_with_view(dir: &std::path::Path) -> anyhow::Result<(TestServer, Client)> {
    let server = TestServer::start(dir)?;
    let client = server.connect().await?;
    client
        .batch_execute(
            "CREATE TABLE t (id int, until bigint);
             CREATE VIEW live AS SELECT id FROM t WHERE mz_now() < until;
             CREATE INDEX live_idx ON live (id);",
        )
        .await?;
    Ok((server, client))
}

#[tokio::test]
async fn a_row_leaves_an_indexed_view_at_its_bound() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, client) = server_with_view(dir.path()).await?;
    let until = wall_ms()? + 2000;
    client
        .batch_execute(&format!("INSERT INTO t VALUES (1, {until}), (2, 1)"))
        .await?;
    // Read from the index (the query only maps it), with the read's time.
    let sql = "SELECT id, mz_now() FROM live";
    let first = rows(&client, sql).await?;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0][0], "1");

    let deadline = Instant::now() + Duration::from_secs(2) + LATE_MARGIN + Duration::from_secs(30);
    let mut every = tokio::time::interval(Duration::from_millis(50));
    let mut seen = 0;
    loop {
        every.tick().await;
        let before = wall_ms()?;
        let answer = rows(&client, sql).await?;
        let after = wall_ms()?;
        match answer.as_slice() {
            [row] => {
                seen += 1;
                // Present only at times before its bound, and not long after
                // the bound has passed on the wall clock.
                let read_at: u64 = row[1].parse()?;
                assert!(read_at < until, "read at {read_at}, bound {until}");
                assert!(
                    before <= until + ms(LATE_MARGIN),
                    "still there at {before}, bound {until}"
                );
            }
            [] => {
                assert!(
                    after + ms(EARLY_MARGIN) >= until,
                    "gone at {after}, before its bound {until}"
                );
                break;
            }
            other => anyhow::bail!("unexpected rows {other:?}"),
        }
        assert!(Instant::now() < deadline, "the row never left the view");
    }
    assert!(seen > 0, "the row was never seen before its bound");
    // Gone for good, and a one-off read over the view agrees.
    assert_eq!(rows(&client, "SELECT count(*) FROM live").await?, vec![vec!["0"]]);
    Ok(())
}

#[tokio::test]
async fn a_subscription_retracts_a_row_at_its_bound() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, client) = server_with_view(dir.path()).await?;
    let until = wall_ms()? + 1500;
    client
        .batch_execute(&format!("INSERT INTO t VALUES (7, {until})"))
        .await?;
    let stream = client.copy_out("COPY (SUBSCRIBE live) TO STDOUT").await?;
    let mut stream = Box::pin(stream);
    let mut lines = Vec::new();
    while lines.len() < 2 {
        let data = tokio::time::timeout(Duration::from_secs(60), stream.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("the subscription ended"))??;
        let text = std::str::from_utf8(&data)?.trim_end().to_owned();
        lines.push(text.split('\t').map(str::to_owned).collect::<Vec<_>>());
    }
    // mz_timestamp, mz_diff, id: in at the start, out exactly at the bound.
    assert_eq!(lines[0][1..], ["1", "7"]);
    assert!(lines[0][0].parse::<u64>()? < until);
    assert_eq!(lines[1], [until.to_string(), "-1".into(), "7".into()]);
    Ok(())
}
