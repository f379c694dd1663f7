//! `SUBSCRIBE` over pgwire: `COPY (SUBSCRIBE …) TO STDOUT` through the
//! extended protocol (as drivers send it) and plain `SUBSCRIBE` through the
//! simple one; the contents first, then every change at its time, one
//! transaction at one timestamp, progress rows, `UP TO`, the upsert
//! envelope, errors, a client that goes away, and a top-k per group by
//! `LATERAL`.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::pin::Pin;
use std::time::{Duration, Instant};

use common::{TestServer, db_error};
use futures::StreamExt;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, CopyOutStream};

/// How long a test waits for the server to react.
const DEADLINE: Duration = Duration::from_secs(60);

/// One line of the COPY text output, split into its fields.
type Line = Vec<String>;

/// A subscription read line by line.
struct Lines {
    stream: Pin<Box<CopyOutStream>>,
}

impl Lines {
    async fn start(client: &Client, sql: &str) -> anyhow::Result<Lines> {
        let stream = client.copy_out(sql).await?;
        Ok(Lines {
            stream: Box::pin(stream),
        })
    }

    /// The next line, or `None` once the subscription ended; fails on an
    /// error or if nothing comes before the deadline.
    async fn next(&mut self) -> anyhow::Result<Option<Line>> {
        let data = tokio::time::timeout(DEADLINE, self.stream.next()).await?;
        match data {
            None => Ok(None),
            Some(data) => {
                let data = data?;
                let text = std::str::from_utf8(&data)?;
                let line = text
                    .strip_suffix('\n')
                    .ok_or_else(|| anyhow::anyhow!("a COPY row without its newline: {text:?}"))?;
                Ok(Some(line.split('\t').map(str::to_owned).collect()))
            }
        }
    }

    /// The next `n` lines.
    async fn take(&mut self, n: usize) -> anyhow::Result<Vec<Line>> {
        let mut lines = Vec::with_capacity(n);
        while lines.len() < n {
            match self.next().await? {
                Some(line) => lines.push(line),
                None => anyhow::bail!("the subscription ended after {} of {n} lines", lines.len()),
            }
        }
        Ok(lines)
    }
}

fn ts(line: &Line) -> anyhow::Result<u64> {
    Ok(line.first().ok_or_else(|| anyhow::anyhow!("an empty line"))?.parse()?)
}

/// The lines without their timestamps, sorted.
fn changes(lines: &[Line]) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = lines
        .iter()
        .map(|line| line.iter().skip(1).map(String::as_str).collect())
        .collect();
    out.sort();
    out
}

async fn server_with_table(dir: &std::path::Path) -> anyhow::Result<(TestServer, Client, Client)> {
    let server = TestServer::start(dir)?;
    let subscriber = server.connect().await?;
    let writer = server.connect().await?;
    writer
        .batch_execute("CREATE TABLE t (a int, b text); INSERT INTO t VALUES (1, 'x'), (2, 'tab\there'), (3, NULL)")
        .await?;
    Ok((server, subscriber, writer))
}

#[tokio::test]
async fn copy_streams_the_contents_then_each_transaction_at_one_timestamp() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, subscriber, writer) = server_with_table(dir.path()).await?;
    let mut lines = Lines::start(&subscriber, "COPY (SUBSCRIBE t) TO STDOUT").await?;
    let snapshot = lines.take(3).await?;
    assert_eq!(
        changes(&snapshot),
        vec![vec!["1", "1", "x"], vec!["1", "2", "tab\\there"], vec!["1", "3", "\\N"]]
    );
    let start = ts(&snapshot[0])?;
    assert!(snapshot.iter().all(|line| ts(line).ok() == Some(start)));

    writer
        .batch_execute("BEGIN; INSERT INTO t VALUES (4, 'y'); INSERT INTO t VALUES (5, 'z'); COMMIT")
        .await?;
    let inserted = lines.take(2).await?;
    assert_eq!(changes(&inserted), vec![vec!["1", "4", "y"], vec!["1", "5", "z"]]);
    let first = ts(&inserted[0])?;
    assert!(first > start);
    assert_eq!(ts(&inserted[1])?, first, "one transaction, one timestamp");

    writer.batch_execute("UPDATE t SET b = 'w' WHERE a = 1").await?;
    let updated = lines.take(2).await?;
    assert_eq!(changes(&updated), vec![vec!["-1", "1", "x"], vec!["1", "1", "w"]]);
    assert!(ts(&updated[0])? > first);
    assert_eq!(ts(&updated[0])?, ts(&updated[1])?);
    Ok(())
}

#[tokio::test]
async fn progress_rows_promise_that_no_earlier_change_follows() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, subscriber, writer) = server_with_table(dir.path()).await?;
    let mut lines = Lines::start(
        &subscriber,
        "COPY (SUBSCRIBE (SELECT count(*) FROM t) WITH (PROGRESS, SNAPSHOT = false)) TO STDOUT",
    )
    .await?;
    // mz_timestamp, mz_progressed, mz_diff, count
    let first = lines.take(1).await?.remove(0);
    assert_eq!(
        first[1..],
        ["t", "\\N", "\\N"],
        "the first row is progress at the start"
    );
    let writes = tokio::spawn(async move {
        for a in 10..30 {
            writer
                .batch_execute(&format!("INSERT INTO t VALUES ({a}, 'p')"))
                .await?;
        }
        anyhow::Ok(writer)
    });
    let mut progress = ts(&first)?;
    // The subscription starts after the table's three rows.
    let mut count: Option<i64> = Some(3);
    let mut data_rows = 0;
    while count != Some(23) {
        let line = lines
            .next()
            .await?
            .ok_or_else(|| anyhow::anyhow!("the subscription ended"))?;
        let time = ts(&line)?;
        match line[1].as_str() {
            "t" => {
                assert!(time > progress, "progress went from {progress} to {time}");
                progress = time;
            }
            "f" => {
                assert!(time >= progress, "a change at {time} after progress to {progress}");
                data_rows += 1;
                let n: i64 = line[3].parse()?;
                match line[2].as_str() {
                    "-1" => assert_eq!(count, Some(n), "the retraction names the current count"),
                    "1" => count = Some(n),
                    other => anyhow::bail!("unexpected mz_diff {other}"),
                }
            }
            other => anyhow::bail!("unexpected mz_progressed {other}"),
        }
    }
    writes.await??;
    // Without the snapshot the first change retracts the count of 3.
    assert!(data_rows >= 2, "{data_rows} changes");
    Ok(())
}

#[tokio::test]
async fn up_to_ends_the_subscription_and_as_of_starts_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (server, subscriber, writer) = server_with_table(dir.path()).await?;
    // A first subscription tells the current time; its connection then goes.
    let (probe, connection) = server.connect_with_task().await?;
    let mut lines = Lines::start(&probe, "COPY (SUBSCRIBE t) TO STDOUT").await?;
    let start = ts(&lines.take(1).await?[0])?;
    connection.abort();
    let until = start + 1500;
    let mut lines = Lines::start(
        &subscriber,
        &format!("COPY (SUBSCRIBE t AS OF AT LEAST {start} UP TO {until}) TO STDOUT"),
    )
    .await?;
    writer.batch_execute("INSERT INTO t VALUES (7, 'seven')").await?;
    let began = Instant::now();
    let mut seen = Vec::new();
    while let Some(line) = lines.next().await? {
        assert!(ts(&line)? < until, "a change at or after UP TO");
        seen.push(line);
    }
    assert!(began.elapsed() < DEADLINE);
    assert!(seen.len() >= 3, "the contents at the start come first: {seen:?}");

    let error = db_error(&subscriber, &format!("SUBSCRIBE t AS OF {until} UP TO {start}")).await?;
    assert_eq!(error.code(), &SqlState::INVALID_PARAMETER_VALUE, "{error}");
    Ok(())
}

#[tokio::test]
async fn the_upsert_envelope_shows_each_key_current_value() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, subscriber, writer) = server_with_table(dir.path()).await?;
    writer.batch_execute("CREATE TABLE kv (k int, v text)").await?;
    let mut lines = Lines::start(&subscriber, "COPY (SUBSCRIBE kv ENVELOPE UPSERT (KEY (k))) TO STDOUT").await?;
    let mut step = async |sql: &str, expected: &[&str]| -> anyhow::Result<()> {
        writer.batch_execute(sql).await?;
        let line = lines.take(1).await?.remove(0);
        assert_eq!(line[1..], *expected, "after {sql}");
        Ok(())
    };
    step("INSERT INTO kv VALUES (1, 'a')", &["upsert", "1", "a"]).await?;
    step("UPDATE kv SET v = 'b' WHERE k = 1", &["upsert", "1", "b"]).await?;
    step("INSERT INTO kv VALUES (1, 'c')", &["key_violation", "1", "\\N"]).await?;
    step("DELETE FROM kv WHERE v = 'c'", &["upsert", "1", "b"]).await?;
    step("DELETE FROM kv", &["delete", "1", "\\N"]).await?;
    Ok(())
}

#[tokio::test]
async fn errors_end_the_subscription_with_their_sqlstate() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, subscriber, writer) = server_with_table(dir.path()).await?;
    let error = db_error(&subscriber, "SUBSCRIBE nope").await?;
    assert_eq!(error.code(), &SqlState::UNDEFINED_TABLE, "{error}");
    let error = db_error(&subscriber, "SUBSCRIBE t; SELECT 1").await?;
    assert_eq!(error.code(), &SqlState::FEATURE_NOT_SUPPORTED, "{error}");

    let mut lines = Lines::start(&subscriber, "COPY (SUBSCRIBE (SELECT 10 / a FROM t)) TO STDOUT").await?;
    lines.take(3).await?;
    writer.batch_execute("INSERT INTO t VALUES (0, 'zero')").await?;
    let error = loop {
        match lines.next().await {
            Ok(Some(_)) => {}
            Ok(None) => anyhow::bail!("the subscription ended without the error"),
            Err(e) => break e,
        }
    };
    let db = error
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(tokio_postgres::Error::as_db_error)
        .ok_or_else(|| anyhow::anyhow!("not a server error: {error}"))?;
    assert_eq!(db.code(), &SqlState::DIVISION_BY_ZERO, "{db}");
    // The session goes on.
    assert_eq!(common::column(&subscriber, "SELECT count(*) FROM t").await?, ["4"]);
    Ok(())
}

#[tokio::test]
async fn a_client_that_goes_away_releases_its_subscription() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (server, subscriber, writer) = server_with_table(dir.path()).await?;
    drop(subscriber);
    let (subscriber, connection) = server.connect_with_task().await?;
    let mut lines = Lines::start(&subscriber, "COPY (SUBSCRIBE t WITH (PROGRESS)) TO STDOUT").await?;
    lines.take(2).await?;
    let before = server.open_sockets()?;
    // The socket closes without a word, as when a client's process dies.
    connection.abort();
    // The next progress row finds the client gone and ends its session.
    let deadline = Instant::now() + DEADLINE;
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        every.tick().await;
        if server.open_sockets()? < before {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "the server kept the connection");
    }
    assert_eq!(common::column(&writer, "SELECT count(*) FROM t").await?, ["3"]);
    Ok(())
}

/// The rows of a simple query, each as its fields (`\N`-free: NULL is `None`).
async fn simple_rows(client: &Client, sql: &str) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    let mut rows = Vec::new();
    for message in client.simple_query(sql).await? {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            rows.push((0..row.len()).map(|i| row.get(i).map(str::to_owned)).collect());
        }
    }
    Ok(rows)
}

#[tokio::test]
async fn a_cursor_fetches_a_subscription_a_few_rows_at_a_time() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, subscriber, writer) = server_with_table(dir.path()).await?;
    let error = db_error(&subscriber, "DECLARE c CURSOR FOR SUBSCRIBE t").await?;
    assert_eq!(error.code(), &SqlState::NO_ACTIVE_SQL_TRANSACTION, "{error}");

    subscriber
        .batch_execute("BEGIN; DECLARE c CURSOR FOR SUBSCRIBE t")
        .await?;
    let error = db_error(&subscriber, "DECLARE c CURSOR FOR SUBSCRIBE t").await?;
    assert_eq!(error.code(), &SqlState::DUPLICATE_CURSOR, "{error}");
    subscriber
        .batch_execute("ROLLBACK; BEGIN; DECLARE c CURSOR FOR SUBSCRIBE t")
        .await?;
    // mz_timestamp, mz_diff, a, b: the contents first.
    let snapshot = simple_rows(&subscriber, "FETCH ALL c").await?;
    assert_eq!(snapshot.len(), 3, "{snapshot:?}");
    assert!(snapshot.iter().all(|row| row[1].as_deref() == Some("1")));
    // Nothing new: the timeout ends the wait with no rows.
    let waited = Instant::now();
    assert!(
        simple_rows(&subscriber, "FETCH 1 c WITH (timeout = '200ms')")
            .await?
            .is_empty()
    );
    assert!(waited.elapsed() >= Duration::from_millis(200));

    writer.batch_execute("INSERT INTO t VALUES (8, 'a'), (9, 'b')").await?;
    // Without a timeout FETCH waits for the next rows; then takes one at a time.
    let first = simple_rows(&subscriber, "FETCH 1 c").await?;
    let second = simple_rows(&subscriber, "FETCH FORWARD 5 FROM c WITH (timeout = '10s')").await?;
    assert_eq!((first.len(), second.len()), (1, 1), "{first:?} {second:?}");
    let mut inserted: Vec<Option<String>> = first.iter().chain(&second).map(|row| row[2].clone()).collect();
    inserted.sort();
    assert_eq!(inserted, [Some("8".to_owned()), Some("9".to_owned())]);
    assert_eq!(first[0][0], second[0][0], "one transaction, one timestamp");

    // The extended protocol describes FETCH by the cursor's columns.
    writer.batch_execute("DELETE FROM t WHERE a = 8").await?;
    let rows = subscriber.query("FETCH ALL c", &[]).await?;
    let columns: Vec<&str> = rows
        .first()
        .map(|row| row.columns().iter().map(tokio_postgres::Column::name).collect())
        .unwrap_or_default();
    assert_eq!(columns, ["mz_timestamp", "mz_diff", "a", "b"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i64>("mz_diff"), -1);
    assert_eq!(rows[0].get::<_, i32>("a"), 8);

    subscriber.batch_execute("CLOSE c").await?;
    let error = db_error(&subscriber, "FETCH c").await?;
    assert_eq!(error.code(), &SqlState::INVALID_CURSOR_NAME, "{error}");
    subscriber
        .batch_execute("ROLLBACK; BEGIN; DECLARE d CURSOR FOR SUBSCRIBE t; COMMIT")
        .await?;
    // The transaction's end closed it.
    let error = db_error(&subscriber, "FETCH d").await?;
    assert_eq!(error.code(), &SqlState::INVALID_CURSOR_NAME, "{error}");
    Ok(())
}

#[tokio::test]
async fn a_top_k_per_group_by_lateral_streams_rows_entering_and_leaving() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let subscriber = server.connect().await?;
    let writer = server.connect().await?;
    writer
        .batch_execute(
            "CREATE TABLE s (g text, id int, v int); \
             INSERT INTO s VALUES ('a', 1, 10), ('a', 2, 20), ('a', 3, 30), ('b', 4, 5)",
        )
        .await?;
    let mut lines = Lines::start(
        &subscriber,
        "COPY (SUBSCRIBE (SELECT grp.g, x.id, x.v FROM (SELECT DISTINCT g FROM s) AS grp, \
         LATERAL (SELECT id, v FROM s WHERE s.g = grp.g ORDER BY v DESC, id LIMIT 2) AS x)) TO STDOUT",
    )
    .await?;
    let snapshot = lines.take(3).await?;
    assert_eq!(
        changes(&snapshot),
        vec![
            vec!["1", "a", "2", "20"],
            vec!["1", "a", "3", "30"],
            vec!["1", "b", "4", "5"]
        ]
    );

    // A row enters a's top 2 and pushes id 2 out, at one timestamp.
    writer.batch_execute("INSERT INTO s VALUES ('a', 5, 25)").await?;
    let entered = lines.take(2).await?;
    assert_eq!(
        changes(&entered),
        vec![vec!["-1", "a", "2", "20"], vec!["1", "a", "5", "25"]]
    );
    assert_eq!(ts(&entered[0])?, ts(&entered[1])?);

    // One leaves: the row below the cut comes back.
    writer.batch_execute("DELETE FROM s WHERE id = 3").await?;
    let left = lines.take(2).await?;
    assert_eq!(
        changes(&left),
        vec![vec!["-1", "a", "3", "30"], vec!["1", "a", "2", "20"]]
    );

    // A group emptied leaves nothing behind.
    writer.batch_execute("DELETE FROM s WHERE g = 'b'").await?;
    let emptied = lines.take(1).await?;
    assert_eq!(changes(&emptied), vec![vec!["-1", "b", "4", "5"]]);
    Ok(())
}
