//! psql's describe commands (`\d`, `\dt`, `\dv`, `\dm`, `\di`, `\dn`,
//! `\d name`) against Freshet: the real psql binary sends its own catalog
//! queries (those for a 9.5 server, the version Freshet reports) and
//! prints what the `pg_catalog` relations hold.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::process::Command;

use common::TestServer;
use common::mysql::MySql;

/// Runs one psql command against `server` as `materialize`, stopping at the
/// first error, and returns what it printed. Fails if psql is missing,
/// exits with an error or writes anything to stderr.
fn psql(server: &TestServer, command: &str) -> anyhow::Result<String> {
    let port = server.addr.port().to_string();
    let output = Command::new("psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "materialize",
            "-d",
            "materialize",
        ])
        .args(["-v", "ON_ERROR_STOP=1", "-c", command])
        .env("PGSSLMODE", "disable")
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run psql (install the postgresql-client package): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    anyhow::ensure!(
        output.status.success() && stderr.is_empty(),
        "psql {command:?} failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    Ok(stdout)
}

/// The lines of psql's output, each with its spaces squeezed, so that
/// assertions do not depend on column widths.
fn lines(output: &str) -> Vec<String> {
    output
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn assert_has(output: &str, expected: &[&str]) {
    let lines = lines(output);
    for want in expected {
        assert!(
            lines.iter().any(|line| line == want),
            "expected the line {want:?} in:\n{output}"
        );
    }
}

#[tokio::test]
async fn describe_commands_list_and_describe_objects() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    for statement in [
        "CREATE TABLE orders (id bigint NOT NULL, amount numeric(12,2), note varchar(20) DEFAULT 'new')",
        "CREATE VIEW big AS SELECT id, amount FROM orders WHERE amount > 100",
        "CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(amount) AS total FROM orders",
        "CREATE INDEX orders_by_id ON orders (id)",
        "CREATE SCHEMA sales",
        "CREATE TABLE sales.hidden (x int)",
    ] {
        psql(&server, statement)?;
    }

    let all = psql(&server, r"\d")?;
    assert_has(
        &all,
        &[
            "List of relations",
            "public | big | view | materialize",
            "public | orders | table | materialize",
            "public | totals | materialized view | materialize",
        ],
    );
    // Only what the search path finds is listed, and never indexes.
    assert!(!all.contains("hidden") && !all.contains("orders_by_id"), "{all}");

    let tables = psql(&server, r"\dt")?;
    assert_has(&tables, &["public | orders | table | materialize"]);
    assert!(!tables.contains("big") && !tables.contains("totals"), "{tables}");

    let views = psql(&server, r"\dv")?;
    assert_has(&views, &["public | big | view | materialize"]);
    assert!(!views.contains("orders"), "{views}");

    let materialized = psql(&server, r"\dm")?;
    assert_has(&materialized, &["public | totals | materialized view | materialize"]);

    let indexes = psql(&server, r"\di")?;
    assert_has(&indexes, &["public | orders_by_id | index | materialize | orders"]);

    let schemas = psql(&server, r"\dn")?;
    assert_has(&schemas, &["public | materialize", "sales | materialize"]);
    assert!(!schemas.contains("pg_catalog"), "{schemas}");

    let table = psql(&server, r"\d orders")?;
    assert_has(
        &table,
        &[
            r#"Table "public.orders""#,
            "Column | Type | Collation | Nullable | Default",
            "id | bigint | | not null |",
            "amount | numeric(12,2) | | |",
            "note | character varying(20) | | | 'new'",
            "Indexes:",
            r#""orders_by_id" arrangement (id)"#,
        ],
    );

    let view = psql(&server, r"\d big")?;
    assert_has(
        &view,
        &[
            r#"View "public.big""#,
            "id | bigint | | not null |",
            "amount | numeric(12,2) | | |",
        ],
    );

    let totals = psql(&server, r"\d totals")?;
    assert_has(
        &totals,
        &[
            r#"Materialized view "public.totals""#,
            "n | bigint | | not null |",
            "total | numeric | | |",
        ],
    );

    let index = psql(&server, r"\d orders_by_id")?;
    assert_has(
        &index,
        &[
            r#"Index "public.orders_by_id""#,
            "id | bigint | id",
            r#"arrangement, for table "public.orders""#,
        ],
    );

    let verbose = psql(&server, r"\dt+")?;
    assert_has(&verbose, &["public | orders | table | materialize | permanent | |"]);
    let databases = psql(&server, r"\l")?;
    assert_has(&databases, &["materialize | materialize | UTF8 | C | C | | libc |"]);
    let types = psql(&server, r"\dT")?;
    assert_has(&types, &["mz_catalog | uint4 |"]);
    assert!(psql(&server, r"\dx")?.contains("(0 rows)"));
    let roles = psql(&server, r"\du")?;
    assert_has(&roles, &["materialize | Superuser, Create role, Create DB | {}"]);

    let qualified = psql(&server, r"\d sales.hidden")?;
    assert_has(&qualified, &[r#"Table "sales.hidden""#, "x | integer | | |"]);

    // A name that matches nothing is psql's message, not an error.
    let port = server.addr.port().to_string();
    let output = Command::new("psql")
        .args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "materialize",
            "-d",
            "materialize",
        ])
        .args(["-c", r"\d nothing_here"])
        .output()?;
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        r#"Did not find any relation named "nothing_here"."#
    );
    Ok(())
}

/// A MySQL source's parts as psql lists them: the source, its progress
/// subsource and a subsource per table are relations, and a subsource
/// describes as its upstream table's columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_commands_show_sources_and_subsources() -> anyhow::Result<()> {
    let mut mysql = MySql::new()?;
    let upstream = mysql.start("upstream", 181, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    mysql.root(
        "upstream",
        "CREATE DATABASE shop; CREATE TABLE shop.items (id int PRIMARY KEY, name varchar(30), price decimal(10,2));",
    )?;
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR TABLES (shop.items)").await?;

    let all = psql(&server, r"\d")?;
    assert_has(
        &all,
        &[
            "public | items | table | materialize",
            "public | src | table | materialize",
            "public | src_progress | table | materialize",
        ],
    );
    let items = psql(&server, r"\d items")?;
    assert_has(
        &items,
        &[
            r#"Table "public.items""#,
            "id | integer | | not null |",
            "name | character varying(30) | | |",
            "price | numeric(10,2) | | |",
        ],
    );
    let progress = psql(&server, r"\d src_progress")?;
    assert_has(
        &progress,
        &[
            r#"Table "public.src_progress""#,
            "source_id_lower | uuid | | not null |",
        ],
    );
    Ok(())
}

/// Object identifiers and arrays reach a driver in the binary format
/// typed as PostgreSQL types them (`oid`, `text[]`, `oid[]`).
#[tokio::test]
async fn catalog_types_reach_drivers() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    client.batch_execute("CREATE TABLE t (a int)").await?;
    let oid: u32 = client.query_one("SELECT 't'::regclass::oid", &[]).await?.get(0);
    let row = client
        .query_one(
            "SELECT c.oid, c.relname, ARRAY['x', 'y z'], '{1,26}'::oid[] FROM pg_catalog.pg_class c WHERE c.oid = $1",
            &[&oid],
        )
        .await?;
    assert_eq!(row.get::<_, u32>(0), oid);
    assert_eq!(row.get::<_, String>(1), "t");
    assert_eq!(row.get::<_, Vec<String>>(2), ["x", "y z"]);
    assert_eq!(row.get::<_, Vec<u32>>(3), [1, 26]);
    // Parameters reach the catalog functions defined in SQL, typed by them.
    let row = client
        .query_one(
            "SELECT pg_catalog.pg_get_userbyid($1), pg_catalog.format_type($2, NULL), \
             pg_catalog.pg_table_is_visible($3)",
            &[&10_u32, &1043_u32, &oid],
        )
        .await?;
    assert_eq!(row.get::<_, String>(0), "materialize");
    assert_eq!(row.get::<_, String>(1), "character varying");
    assert!(row.get::<_, bool>(2));
    Ok(())
}
