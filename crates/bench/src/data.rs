//! The benchmark tables: five tables of `rows` rows in database
//! `bench_<rows>`, generated once and reused by later runs (a `meta` table
//! records that generation finished, and with which generator).

use std::time::Instant;

use crate::mysql::MySql;

/// Bumped whenever the generated data changes shape; an older dataset is
/// then generated again.
const GENERATOR: u32 = 1;

/// How many tables: one is snapshotted alone, four at once.
pub(crate) const TABLES: usize = 5;

/// Rows generated per statement.
const CHUNK: u64 = 100_000;

/// The benchmark tables in MySQL.
pub(crate) struct Dataset {
    /// The MySQL database holding them.
    pub(crate) database: String,
    /// Rows in each table.
    pub(crate) rows: u64,
    /// The bytes of one table's rows as `mysql --quick` prints them.
    pub(crate) text_bytes: u64,
    /// InnoDB's size of one table (`data_length`, the clustered index).
    pub(crate) innodb_bytes: u64,
    /// Seconds generation took, if this run generated the data.
    pub(crate) generated_in: Option<f64>,
}

/// What the report says about the dataset.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct DatasetSummary {
    /// The MySQL database.
    pub(crate) database: String,
    /// The columns of each table.
    pub(crate) columns: &'static str,
    /// Rows per table.
    pub(crate) rows: u64,
    /// Tables.
    pub(crate) tables: usize,
    /// One table's rows as text, in bytes.
    pub(crate) text_bytes: u64,
    /// One table in InnoDB, in bytes.
    pub(crate) innodb_bytes: u64,
    /// Seconds generation took in this run (`None`: reused).
    pub(crate) generated_in: Option<f64>,
}

/// The columns, as the report shows them.
const COLUMNS: &str =
    "id bigint PRIMARY KEY, n int, name varchar(64), amount decimal(12,2), at datetime(6), body text (~100 bytes)";

impl Dataset {
    /// Table `i` (1-based), qualified.
    pub(crate) fn table(&self, i: usize) -> String {
        format!("{}.t{i}", self.database)
    }

    /// What the report says about it.
    pub(crate) fn summary(&self) -> DatasetSummary {
        DatasetSummary {
            database: self.database.clone(),
            columns: COLUMNS,
            rows: self.rows,
            tables: TABLES,
            text_bytes: self.text_bytes,
            innodb_bytes: self.innodb_bytes,
            generated_in: self.generated_in,
        }
    }
}

/// The dataset of `rows` rows per table: the existing one if a run
/// finished generating it with this generator, else generated now.
pub(crate) async fn ensure(mysql: &MySql, rows: u64) -> anyhow::Result<Dataset> {
    let database = format!("bench_{rows}");
    let exists: Option<u64> = mysql
        .first_row(&format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{database}' AND table_name = 'meta'"
        ))
        .await?;
    if exists == Some(1) {
        let meta: Option<(u32, u64, u64)> = mysql
            .first_row(&format!(
                "SELECT generator, rows_per_table, text_bytes FROM {database}.meta"
            ))
            .await?;
        if let Some((generator, stored_rows, text_bytes)) = meta
            && generator == GENERATOR
            && stored_rows == rows
        {
            eprintln!("reusing the {rows}-row tables in MySQL database {database}");
            return Ok(Dataset {
                innodb_bytes: innodb_bytes(mysql, &database).await?,
                database,
                rows,
                text_bytes,
                generated_in: None,
            });
        }
    }
    generate(mysql, database, rows).await
}

async fn generate(mysql: &MySql, database: String, rows: u64) -> anyhow::Result<Dataset> {
    eprintln!("generating {TABLES} tables of {rows} rows in MySQL database {database} (once; later runs reuse them)");
    let start = Instant::now();
    // Not in the binlog: no source ever replicates these inserts, and a
    // snapshot reads the tables themselves.
    let mut conn = mysql.conn().await?;
    use mysql_async::prelude::Queryable;
    conn.query_drop(format!(
        "SET SESSION sql_log_bin = 0; SET SESSION cte_max_recursion_depth = {};
         DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
        CHUNK + 1
    ))
    .await?;
    for i in 1..=TABLES {
        conn.query_drop(format!(
            "CREATE TABLE {database}.t{i} (id bigint PRIMARY KEY, n int NOT NULL, name varchar(64) NOT NULL,
             amount decimal(12,2) NOT NULL, at datetime(6) NOT NULL, body text NOT NULL)"
        ))
        .await?;
    }
    let mut first = 1;
    while first <= rows {
        let last = (first + CHUNK - 1).min(rows);
        conn.query_drop(format!(
            "INSERT INTO {database}.t1
             WITH RECURSIVE seq (id) AS (SELECT {first} UNION ALL SELECT id + 1 FROM seq WHERE id < {last})
             SELECT id, (id * 7919) % 1000003, CONCAT('name-', id), ((id * 37) % 10000000) / 100,
                    TIMESTAMP('2024-01-01') + INTERVAL (id * 1234567) MICROSECOND,
                    CONCAT(SHA2(id, 256), LPAD(id, 36, '0'))
             FROM seq"
        ))
        .await?;
        first = last + 1;
    }
    for i in 2..=TABLES {
        conn.query_drop(format!("INSERT INTO {database}.t{i} SELECT * FROM {database}.t1"))
            .await?;
    }
    for i in 1..=TABLES {
        conn.query_drop(format!("ANALYZE TABLE {database}.t{i}")).await?;
    }
    drop(conn);
    let text_bytes = mysql.text_bytes(&format!("{database}.t1")).await?;
    mysql
        .execute(&format!(
            "SET SESSION sql_log_bin = 0;
             CREATE TABLE {database}.meta (generator int NOT NULL, rows_per_table bigint NOT NULL, text_bytes bigint NOT NULL);
             INSERT INTO {database}.meta VALUES ({GENERATOR}, {rows}, {text_bytes})"
        ))
        .await?;
    let generated_in = start.elapsed().as_secs_f64();
    eprintln!("generated in {generated_in:.1} s");
    Ok(Dataset {
        innodb_bytes: innodb_bytes(mysql, &database).await?,
        database,
        rows,
        text_bytes,
        generated_in: Some(generated_in),
    })
}

/// InnoDB's `data_length` of table `t1`.
async fn innodb_bytes(mysql: &MySql, database: &str) -> anyhow::Result<u64> {
    Ok(mysql
        .first_row(&format!(
            "SELECT data_length FROM information_schema.tables WHERE table_schema = '{database}' AND table_name = 't1'"
        ))
        .await?
        .unwrap_or(0))
}
