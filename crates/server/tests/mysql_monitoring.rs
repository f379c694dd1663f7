//! Operating a MySQL source through SQL, as the seeds do: the self-hosted
//! MySQL walkthrough run as written, every status change in
//! `mz_source_statuses` and its history (streamed by `SUBSCRIBE`), and
//! `mz_source_statistics` checked against workloads of known size.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::TestServer;
use common::mysql::MySql;
use tokio_postgres::Client;

const DEADLINE: Duration = Duration::from_secs(60);

async fn wait_for(client: &Client, sql: &str, expected: &[&str]) -> anyhow::Result<()> {
    common::wait_for(client, sql, expected, DEADLINE).await
}

/// Polls `sql` until `done` holds for its rows (as [`common::rows`] gives
/// them); returns those rows.
async fn poll_rows(client: &Client, sql: &str, done: impl Fn(&[String]) -> bool) -> anyhow::Result<Vec<String>> {
    let start = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        every.tick().await;
        let rows = common::rows(client, sql).await?;
        if done(&rows) {
            return Ok(rows);
        }
        anyhow::ensure!(start.elapsed() < DEADLINE, "{sql}: last answer {rows:?}");
    }
}

/// The column names of `sql`'s result.
async fn columns(client: &Client, sql: &str) -> anyhow::Result<Vec<String>> {
    let statement = client.prepare(sql).await?;
    Ok(statement.columns().iter().map(|c| c.name().to_owned()).collect())
}

/// Materialize's two "Monitor the ingestion status" queries (the source's
/// statuses, then its snapshot), exactly as its MySQL guide writes them:
/// `sql/walkthrough/5-monitor.sql`, after its one-line comment.
fn seed_monitoring_queries() -> [&'static str; 2] {
    let text = include_str!("../../../sql/walkthrough/5-monitor.sql");
    let body = text.split_once('\n').map_or(text, |(_, rest)| rest);
    let queries: Vec<&str> = body.split("\n\n").map(str::trim).collect();
    queries
        .try_into()
        .expect("sql/walkthrough/5-monitor.sql holds two queries")
}

/// The seed's self-hosted MySQL walkthrough, statement by statement as
/// written; only its placeholders (`<password>`, `<host>`) and MySQL's
/// port are filled in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_hosted_walkthrough_runs_as_written() -> anyhow::Result<()> {
    let [seed_status_query, seed_snapshot_query] = seed_monitoring_queries();
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 301, &["--tls"])?;
    let port = &upstream["MYSQL_PORT"];
    mysql.root(
        "upstream",
        "CREATE DATABASE shop;
         CREATE TABLE shop.orders (id int PRIMARY KEY, amount decimal(10,2), placed datetime);
         CREATE TABLE shop.customers (id int PRIMARY KEY, name varchar(40));
         INSERT INTO shop.customers VALUES (1, 'ada'), (2, 'grace'), (3, 'edsger');
         INSERT INTO shop.orders WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
           SELECT i, i * 1.5, '2026-11-22 10:00:00' FROM n;",
    )?;
    // A. 2. Create a user for replication (as a superuser, on MySQL).
    mysql.root(
        "upstream",
        "CREATE USER 'materialize'@'%' IDENTIFIED BY 'walk-through-pw';
         ALTER USER 'materialize'@'%' REQUIRE SSL;
         GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'materialize'@'%';
         FLUSH PRIVILEGES;",
    )?;

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    // C. 1. Create a cluster.
    client
        .batch_execute("CREATE CLUSTER ingest_mysql (SIZE = '200cc');\nSET CLUSTER = ingest_mysql;")
        .await?;
    // C. 2. Create a connection.
    client
        .batch_execute("CREATE SECRET mysqlpass AS 'walk-through-pw';")
        .await?;
    client
        .batch_execute(&format!(
            "CREATE CONNECTION mysql_connection TO MYSQL (
    HOST '127.0.0.1',
    PORT {port},
    USER 'materialize',
    PASSWORD SECRET mysqlpass,
    SSL MODE REQUIRED
);"
        ))
        .await?;
    // C. 3. Start ingesting data.
    client
        .batch_execute(
            "CREATE SOURCE mz_source
  FROM MYSQL CONNECTION mysql_connection
  FOR ALL TABLES;",
        )
        .await?;

    // C. 4. Monitor the ingestion status, query 1: one running row per
    // source, subsource and progress subsource.
    assert_eq!(
        columns(&client, seed_status_query).await?,
        [
            "id",
            "name",
            "type",
            "last_status_change_at",
            "status",
            "error",
            "details",
            "referenced_object_id"
        ]
    );
    let status = "SELECT name, type, status, error IS NULL, last_status_change_at IS NOT NULL, id = referenced_object_id \
                  FROM (WITH source_ids AS (SELECT id FROM mz_sources WHERE name = 'mz_source') \
                  SELECT * FROM mz_internal.mz_source_statuses JOIN (SELECT referenced_object_id \
                  FROM mz_internal.mz_object_dependencies WHERE object_id IN (SELECT id FROM source_ids) \
                  UNION SELECT id FROM source_ids) AS sources \
                  ON mz_source_statuses.id = sources.referenced_object_id) AS q";
    let running = [
        "customers,subsource,running,t,t,t",
        "mz_source,mysql,running,t,t,t",
        "mz_source_progress,progress,running,t,t,t",
        "orders,subsource,running,t,t,t",
    ];
    poll_rows(&client, status, |rows| rows == running).await?;
    // The verbatim text gives the same rows.
    let verbatim = common::rows(&client, seed_status_query).await?;
    assert_eq!(verbatim.len(), 4, "{verbatim:?}");
    assert!(verbatim.iter().all(|row| row.contains(",running,")), "{verbatim:?}");

    // Query 2: its own columns, one row per source and subsource, all `t`
    // once the snapshot is committed.
    assert_eq!(
        columns(&client, seed_snapshot_query).await?,
        ["id", "name", "snapshot_committed"]
    );
    let snapshot = poll_rows(&client, seed_snapshot_query, |rows| {
        rows.len() == 3 && rows.iter().all(|row| row.ends_with(",t"))
    })
    .await?;
    let names: Vec<&str> = snapshot.iter().map(|row| row.split(',').nth(1).unwrap_or("")).collect();
    let mut names = names;
    names.sort_unstable();
    assert_eq!(names, ["customers", "mz_source", "orders"]);
    let ids = common::column(&client, "SELECT id FROM mz_sources WHERE name <> 'mz_source_progress'").await?;
    assert!(
        snapshot
            .iter()
            .all(|row| ids.iter().any(|id| row.starts_with(&format!("{id},")))),
        "{snapshot:?} against {ids:?}"
    );

    // C. 5. Right-size the cluster.
    client
        .batch_execute("ALTER CLUSTER ingest_mysql SET (SIZE '100cc');")
        .await?;
    assert_eq!(
        common::rows(&client, "SHOW CLUSTER REPLICAS WHERE cluster = 'ingest_mysql';").await?,
        ["ingest_mysql,r1,100cc,t,NULL"]
    );
    assert_eq!(
        columns(&client, "SHOW CLUSTER REPLICAS WHERE cluster = 'ingest_mysql';").await?[..4],
        ["cluster", "replica", "size", "ready"]
    );

    // D. Explore your data.
    assert_eq!(
        common::rows(&client, "SHOW SOURCES;").await?,
        [
            "customers,subsource,ingest_mysql",
            "mz_source,mysql,ingest_mysql",
            "mz_source_progress,progress,NULL",
            "orders,subsource,ingest_mysql",
        ]
    );
    wait_for(&client, "SELECT count(*) FROM orders", &["250"]).await?;
    assert_eq!(
        common::rows(&client, "SELECT * FROM customers;").await?,
        ["1,ada", "2,grace", "3,edsger"]
    );
    // Still replicating after the resize.
    mysql.root("upstream", "INSERT INTO shop.customers VALUES (4, 'barbara');")?;
    wait_for(&client, "SELECT name FROM customers WHERE id = 4", &["barbara"]).await?;
    poll_rows(&client, status, |rows| rows == running).await?;
    Ok(())
}

/// The rows a `COPY (SUBSCRIBE …) TO STDOUT` sends, as they come.
struct Subscription {
    stream: std::pin::Pin<Box<tokio_postgres::CopyOutStream>>,
    lines: std::collections::VecDeque<String>,
}

impl Subscription {
    async fn start(client: &Client, sql: &str) -> anyhow::Result<Subscription> {
        Ok(Subscription {
            stream: Box::pin(client.copy_out(sql).await?),
            lines: std::collections::VecDeque::new(),
        })
    }

    /// Reads rows until one satisfies `done`; returns every row read.
    async fn until(&mut self, done: impl Fn(&str) -> bool) -> anyhow::Result<Vec<String>> {
        let mut seen = Vec::new();
        let start = Instant::now();
        loop {
            while let Some(line) = self.lines.pop_front() {
                let finished = done(&line);
                seen.push(line);
                if finished {
                    return Ok(seen);
                }
            }
            let left = DEADLINE.saturating_sub(start.elapsed());
            let data = tokio::time::timeout(left, futures::StreamExt::next(&mut self.stream))
                .await
                .map_err(|_| anyhow::anyhow!("no such row; seen {seen:?}"))?
                .ok_or_else(|| anyhow::anyhow!("the subscription ended; seen {seen:?}"))??;
            let text = std::str::from_utf8(&data)?;
            self.lines.extend(text.lines().map(str::to_owned));
        }
    }
}

/// A line of `SUBSCRIBE TO mz_internal.mz_source_statuses` as `(mz_diff,
/// name, status, error)`.
fn change(line: &str) -> (&str, &str, &str, &str) {
    let fields: Vec<&str> = line.split('\t').collect();
    let field = |i: usize| fields.get(i).copied().unwrap_or_default();
    (field(1), field(3), field(6), field(7))
}

/// Every status each object takes: created, starting, running, stalled
/// with the error while MySQL is down, failed with a hint in `details`,
/// dropped; streamed by `SUBSCRIBE` and kept in the history across a
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_and_their_history() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 302, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "CREATE DATABASE app; CREATE TABLE app.keep (id int PRIMARY KEY); CREATE TABLE app.widen (id int PRIMARY KEY, v int);
         INSERT INTO app.keep VALUES (1); INSERT INTO app.widen VALUES (1, 1);",
    )?;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let (watcher, _watch_task) = server.connect_with_task().await?;
    let mut changes =
        Subscription::start(&watcher, "COPY (SUBSCRIBE TO mz_internal.mz_source_statuses) TO STDOUT").await?;
    common::mysql::create_source(&client, &port, "FOR ALL TABLES").await?;

    // Each object goes created → starting → running; the subscription
    // sees each change as an insertion.
    let running = "SELECT name, status FROM mz_internal.mz_source_statuses";
    let all_running = ["keep,running", "src,running", "src_progress,running", "widen,running"];
    poll_rows(&client, running, |rows| rows == all_running).await?;
    // (Changes within one timestamp reach it consolidated: the last one.)
    changes
        .until(|line| change(line) == ("1", "widen", "running", "\\N"))
        .await?;

    // MySQL goes away: stalled with the error; back: running.
    mysql.stop("upstream")?;
    let stalled = poll_rows(
        &client,
        "SELECT status, error IS NOT NULL FROM mz_internal.mz_source_statuses WHERE name = 'src'",
        |rows| rows == ["stalled,t"],
    )
    .await?;
    assert_eq!(stalled, ["stalled,t"]);
    changes
        .until(|line| matches!(change(line), ("1", "src", "stalled", error) if error != "\\N"))
        .await?;
    mysql.restart("upstream", &port, 302)?;
    poll_rows(&client, running, |rows| rows == all_running).await?;

    // An incompatible change fails that subsource alone, with a hint.
    mysql.root(
        "upstream",
        "ALTER TABLE app.widen MODIFY v bigint; INSERT INTO app.widen VALUES (2, 5000000000);",
    )?;
    let failed = "SELECT status, error LIKE 'incompatible schema change in app.widen%', details -> 'hints' ->> 0 LIKE 'Drop the subsource%' \
                  FROM mz_internal.mz_source_statuses WHERE name = 'widen'";
    wait_for(&client, failed, &["failed"]).await?;
    assert_eq!(common::rows(&client, failed).await?, ["failed,t,t"]);
    changes
        .until(|line| matches!(change(line), ("1", "widen", "failed", error) if error.starts_with("incompatible schema change")))
        .await?;
    wait_for(
        &client,
        "SELECT status FROM mz_internal.mz_source_statuses WHERE name = 'keep'",
        &["running"],
    )
    .await?;

    // The history has every change of the subsource, in order, with times
    // that never go back; dropping it ends its history.
    let widen = common::column(&client, "SELECT id FROM mz_sources WHERE name = 'widen'").await?;
    let widen = widen.first().cloned().unwrap_or_default();
    client.batch_execute("DROP SOURCE widen").await?;
    let history = format!(
        "SELECT status FROM mz_internal.mz_source_status_history WHERE source_id = '{widen}' ORDER BY occurred_at, status"
    );
    let expected_before = common::column(&client, &history).await?;
    assert_eq!(expected_before.first().map(String::as_str), Some("created"));
    assert_eq!(expected_before.last().map(String::as_str), Some("dropped"));
    let order: Vec<&str> = expected_before.iter().map(String::as_str).collect();
    let position = |status: &str| order.iter().position(|s| *s == status);
    assert!(
        position("starting") < position("running")
            && position("running") < position("stalled")
            && position("stalled") < position("failed"),
        "{order:?}"
    );
    assert_eq!(
        common::rows(
            &client,
            &format!(
                "SELECT count(*), count(error), count(details) FROM mz_internal.mz_source_status_history \
                 WHERE source_id = '{widen}' AND status = 'failed'"
            )
        )
        .await?,
        ["1,1,1"]
    );
    changes
        .until(|line| matches!(change(line), ("-1", "widen", "failed", _)))
        .await?;
    drop(changes);

    // The history outlives a restart; the source starts and runs again,
    // which adds to it.
    drop(client);
    server.kill()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let after = common::column(&client, &history).await?;
    assert_eq!(after, expected_before);
    poll_rows(&client, running, |rows| {
        rows == ["keep,running", "src,running", "src_progress,running"]
    })
    .await?;
    let src_history = "SELECT status FROM mz_internal.mz_source_status_history h JOIN mz_sources s ON s.id = h.source_id \
                       WHERE s.name = 'src' ORDER BY occurred_at";
    let statuses = common::column(&client, src_history).await?;
    assert_eq!(statuses.iter().filter(|s| *s == "created").count(), 1, "{statuses:?}");
    assert!(statuses.iter().filter(|s| *s == "running").count() >= 3, "{statuses:?}");
    assert_eq!(statuses.last().map(String::as_str), Some("running"));
    Ok(())
}

/// `(name, counter values)` of every source and subsource's statistics;
/// the last value is 1 if more snapshot records were read than counted.
async fn statistics(client: &Client) -> anyhow::Result<BTreeMap<String, Vec<u64>>> {
    let rows = common::rows(
        client,
        "SELECT s.name, messages_received, bytes_received, updates_staged, updates_committed, \
         coalesce(snapshot_records_staged, 0), coalesce(offset_committed, 0), coalesce(offset_known, 0), \
         CASE WHEN snapshot_records_staged > snapshot_records_known THEN 1 ELSE 0 END \
         FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id)",
    )
    .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let mut fields = row.split(',');
        let name = fields.next().unwrap_or_default().to_owned();
        let values = fields.map(str::parse).collect::<Result<Vec<u64>, _>>()?;
        out.insert(name, values);
    }
    Ok(out)
}

/// The number of transactions in `@@gtid_executed`.
async fn transactions(conn: &mut mysql_async::Conn) -> anyhow::Result<u64> {
    let executed: String = mysql_async::prelude::Queryable::query_first(conn, "SELECT @@GLOBAL.gtid_executed")
        .await?
        .unwrap_or_default();
    let mut count = 0;
    for range in executed
        .replace('\n', "")
        .split(',')
        .flat_map(|set| set.split(':').skip(1))
    {
        let (start, end) = range.split_once('-').unwrap_or((range, range));
        count += end.trim().parse::<u64>()? - start.trim().parse::<u64>()? + 1;
    }
    Ok(count)
}

/// Statistics against workloads of known size: the snapshot's records,
/// each subsource's committed updates, the transactions known and
/// committed, a rehydration latency; no counter ever goes back, across a
/// restart too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_count_known_workloads() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 303, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "CREATE DATABASE work; CREATE TABLE work.a (id int PRIMARY KEY, v int); CREATE TABLE work.b (id int PRIMARY KEY);
         SET SESSION cte_max_recursion_depth = 30000;
         INSERT INTO work.a WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i, i FROM n;",
    )?;
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let mut conn = pool.get_conn().await?;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    // A reader checks, from before the source exists, that no counter
    // ever goes back and no more snapshot records are read than counted.
    let (reader, _reader_task) = server.connect_with_task().await?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut last = statistics(&reader).await?;
            let mut samples = 0;
            let mut every = tokio::time::interval(Duration::from_millis(20));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                every.tick().await;
                let now = statistics(&reader).await?;
                for (name, values) in &now {
                    anyhow::ensure!(values[7] == 0, "{name} read more than it counted: {values:?}");
                    if let Some(before) = last.get(name) {
                        anyhow::ensure!(
                            values.iter().zip(before).all(|(now, before)| now >= before),
                            "{name} went back: {before:?} then {values:?}"
                        );
                    }
                }
                last = now;
                samples += 1;
            }
            anyhow::Ok(samples)
        })
    };
    common::mysql::create_source(&client, &port, "FOR SCHEMAS (work)").await?;
    let committed =
        "SELECT s.name, snapshot_committed FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id)";
    poll_rows(&client, committed, |rows| rows == ["a,t", "b,t", "src,t"]).await?;
    let snapshot = "SELECT s.name, snapshot_records_known, snapshot_records_staged, updates_committed \
                    FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name <> 'src'";
    assert_eq!(
        common::rows(&client, snapshot).await?,
        ["a,20000,20000,20000", "b,0,0,0"]
    );
    let known = transactions(&mut conn).await?;
    let offsets = format!(
        "SELECT offset_known = {known} AND offset_committed = {known}, rehydration_latency > INTERVAL '0' \
         FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name = 'src'"
    );
    wait_for(&client, &offsets, &["t"]).await?;
    assert_eq!(common::rows(&client, &offsets).await?, ["t,t"]);

    // A workload of known size.
    for i in 0..200 {
        mysql_async::prelude::Queryable::query_drop(
            &mut conn,
            format!("INSERT INTO work.a VALUES ({}, {i})", 30000 + i),
        )
        .await?;
    }
    mysql_async::prelude::Queryable::query_drop(
        &mut conn,
        "INSERT INTO work.b WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30) SELECT i FROM n",
    )
    .await?;
    mysql_async::prelude::Queryable::query_drop(&mut conn, "DELETE FROM work.b WHERE id <= 5").await?;
    let known = transactions(&mut conn).await?;
    let caught_up = format!(
        "SELECT offset_committed = {known} FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name = 'src'"
    );
    wait_for(&client, &caught_up, &["t"]).await?;
    // 20000 snapshot rows and 200 inserts; 30 inserts and 5 deletes.
    let updates = "SELECT s.name, updates_committed, updates_staged >= updates_committed \
                   FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name <> 'src'";
    wait_for(&client, "SELECT count(*) FROM b", &["25"]).await?;
    assert_eq!(common::rows(&client, updates).await?, ["a,20200,t", "b,35,t"]);
    let received = "SELECT messages_received >= 202, bytes_received > messages_received, offset_known = offset_committed \
                    FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name = 'src'";
    assert_eq!(common::rows(&client, received).await?, ["t,t,t"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let samples = watch.await??;
    assert!(samples > 5, "only {samples} samples");
    let before_restart = statistics(&client).await?;

    // Written while Freshet is down, then read at restart: the counters go
    // on from where they were, and the source rehydrates again.
    drop(client);
    server.kill()?;
    mysql_async::prelude::Queryable::query_drop(&mut conn, "INSERT INTO work.a VALUES (50000, 50000)").await?;
    let known = transactions(&mut conn).await?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    let after_restart = statistics(&client).await?;
    for (name, values) in &after_restart {
        let before = &before_restart[name];
        assert!(
            values.iter().zip(before).all(|(now, before)| now >= before),
            "{name} went back over the restart: {before:?} then {values:?}"
        );
    }
    let offsets = format!(
        "SELECT offset_committed = {known}, rehydration_latency IS NOT NULL \
         FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name = 'src'"
    );
    wait_for(&client, &offsets, &["t"]).await?;
    poll_rows(&client, &offsets, |rows| rows == ["t,t"]).await?;
    wait_for(
        &client,
        "SELECT updates_committed FROM mz_internal.mz_source_statistics t JOIN mz_sources s USING (id) WHERE s.name = 'a'",
        &["20201"],
    )
    .await?;
    assert_eq!(
        common::rows(&client, snapshot).await?,
        ["a,20000,20000,20201", "b,0,0,35"]
    );
    drop(conn);
    pool.disconnect().await?;
    Ok(())
}

/// The log written at `log` past byte `from`, once `done` holds for it
/// (polled every 50 ms); fails after [`DEADLINE`] with what was written.
async fn log_until(log: &std::path::Path, from: usize, done: impl Fn(&str) -> bool) -> anyhow::Result<String> {
    let start = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(50));
    loop {
        every.tick().await;
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let text = text.get(from..).unwrap_or_default();
        if done(text) {
            return Ok(text.to_owned());
        }
        anyhow::ensure!(start.elapsed() < DEADLINE, "the log never got there:\n{text}");
    }
}

/// The lines of `text` that contain `needle`.
fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|line| line.contains(needle)).collect()
}

/// What the log tells an operator: one line per status change of each
/// source (a subsource's only where it departs from its source's), the
/// snapshot's progress, and a MySQL that is down at boot as one stalled
/// line with the fix, however often the source retries, while the server
/// keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_tells_status_changes_once_and_snapshot_progress() -> anyhow::Result<()> {
    const ROWS: u32 = 100_000;
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 304, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        &format!(
            "CREATE DATABASE app; CREATE TABLE app.big (id int PRIMARY KEY, note varchar(40));
             SET SESSION cte_max_recursion_depth = {limit};
             INSERT INTO app.big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
             SELECT i, CONCAT('row ', i) FROM n;",
            limit = ROWS + 1
        ),
    )?;
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let log = dir.path().join("freshet.log");
    // Progress every 20 ms: the snapshot of 100000 rows logs some.
    let flags = ["--snapshot-progress-interval", "20ms"];
    let server = TestServer::start_logging_with(&data, "info", &log, &flags)?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR ALL TABLES").await?;
    wait_for(&client, "SELECT count(*) FROM big", &[&ROWS.to_string()]).await?;
    let text = log_until(&log, 0, |text| {
        text.contains("source materialize.public.src is running")
    })
    .await?;

    let progress = lines_with(&text, "snapshot of source src: ");
    assert!(!progress.is_empty(), "no progress line:\n{text}");
    for line in &progress {
        let counted = line.contains(&format!(" of {ROWS} rows (")) && line.contains(" rows/s, ");
        let counting = line.contains(" rows so far, ") && line.contains("still being counted");
        assert!(counted || counting, "{line}");
    }
    for change in [
        "source materialize.public.src was created",
        "source materialize.public.src is starting",
        "subsource materialize.public.big is running",
        "source materialize.public.src is running",
    ] {
        assert_eq!(lines_with(&text, change).len(), 1, "{change}:\n{text}");
    }
    // The subsources' other changes follow the source's: its lines tell them.
    assert!(
        lines_with(&text, "subsource materialize.public.src_progress").is_empty(),
        "{text}"
    );
    assert!(lines_with(&text, "system relation").is_empty(), "{text}");

    // MySQL is down when Freshet starts: the server serves, and the source
    // stalls with one line saying why and what to do, however many times
    // it retries (each retry at `debug`).
    drop(client);
    server.kill()?;
    mysql.stop("upstream")?;
    let from = std::fs::metadata(&log)?.len().try_into()?;
    let server = TestServer::start_logging_with(&data, "info,freshet_ingest::source=debug", &log, &flags)?;
    let client = server.connect().await?;
    let text = log_until(&log, from, |text| lines_with(text, "source stalled").len() >= 3).await?;
    let stalled = lines_with(&text, "is stalled");
    let [line] = stalled.as_slice() else {
        anyhow::bail!("not one stalled line:\n{text}");
    };
    assert!(line.contains(" WARN "), "{line}");
    assert!(
        line.contains(&format!(
            "source materialize.public.src is stalled: cannot connect to MySQL at 127.0.0.1:{port}"
        )),
        "{line}"
    );
    assert!(
        line.contains("Check that MySQL is running") && line.contains("ALTER CONNECTION"),
        "{line}"
    );
    assert_eq!(
        common::column(&client, "SELECT count(*) FROM big").await?,
        [ROWS.to_string()]
    );

    // MySQL back: running again, said once.
    mysql.restart("upstream", &port, 304)?;
    let text = log_until(&log, from, |text| {
        text.contains("source materialize.public.src is running")
    })
    .await?;
    assert_eq!(lines_with(&text, "is stalled").len(), 1, "{text}");
    Ok(())
}
