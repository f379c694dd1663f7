//! Consistency under load (DESIGN.md §3): MySQL transactions that keep an
//! invariant across several tables of one source are never seen half
//! applied, whichever way Freshet is read.
//!
//! Database `bank` holds accounts split over tables `a` and `b`, and
//! `holders`, one row per account. Writers run transfers between accounts,
//! move accounts from one table to the other under a new id, split and
//! merge them, so that the sum of all balances never changes and every
//! account always has its holder. Database `shop`, a second source on the
//! same server, moves quantities between `stock` and `reserved`, keeping
//! their sum. While the writers run, readers check each invariant through
//! plain views (a dataflow per query), an indexed view, a materialized
//! view, a join, and subscriptions (whose accumulated state must hold it at
//! every progress time). Any other answer fails the test with its time.
//!
//! `FRESHET_LONG_TESTS=1` (`bin/test --long`) runs the load for longer.

#[allow(dead_code, reason = "each test binary uses a part of the shared helpers")]
mod common;

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{TestServer, column, wait_for};
use futures::StreamExt;
use mysql_async::prelude::Queryable;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tokio_postgres::{Client, CopyOutStream};

/// How long a test waits for the server to react.
const DEADLINE: Duration = Duration::from_secs(120);

/// The bank's accounts at the start, and each one's balance.
const ACCOUNTS: u64 = 40;
const BALANCE: i64 = 1_000;
/// The sum of all balances, always.
const BANK_TOTAL: i64 = ACCOUNTS as i64 * BALANCE;
/// The shop's items, and each one's quantity in stock at the start.
const ITEMS: u64 = 10;
const QUANTITY: i64 = 500;
/// The sum of stock and reserved quantities, always.
const SHOP_TOTAL: i64 = ITEMS as i64 * QUANTITY;
/// How many bank writers run at once (each on accounts of its own).
const BANK_WRITERS: u64 = 2;

/// An account a writer owns: its table, id and balance.
#[derive(Debug, Clone, Copy)]
struct Account {
    table: &'static str,
    id: u64,
    balance: i64,
}

/// The other table of the bank.
fn other(table: &str) -> &'static str {
    if table == "a" { "b" } else { "a" }
}

/// Runs `statements` as one MySQL transaction; `false` if MySQL rolled it
/// back for a deadlock or lock wait (nothing changed), an error otherwise.
async fn transact(conn: &mut mysql_async::Conn, statements: &[String]) -> anyhow::Result<bool> {
    let mut tx = conn.start_transaction(mysql_async::TxOpts::default()).await?;
    for statement in statements {
        match tx.query_drop(statement).await {
            Ok(()) => {}
            Err(mysql_async::Error::Server(e)) if matches!(e.code, 1205 | 1213) => {
                tx.rollback().await?;
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// One bank writer: owns the accounts whose ids are `writer` modulo
/// [`BANK_WRITERS`], so writers never wait for each other's locks, and
/// runs random transactions on them until `stop`. Returns how many
/// committed.
async fn bank_writer(
    mut conn: mysql_async::Conn,
    writer: u64,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut accounts: Vec<Account> = (0..ACCOUNTS)
        .filter(|id| id % BANK_WRITERS == writer)
        .map(|id| Account {
            table: if id % 4 < 2 { "a" } else { "b" },
            id,
            balance: BALANCE,
        })
        .collect();
    let mut next_id = ACCOUNTS + writer;
    let mut committed = 0;
    while !stop.load(Ordering::SeqCst) {
        let mut after = accounts.clone();
        let mut statements = Vec::new();
        let i = rng.random_range(0..after.len());
        let choice = rng.random_range(0..10);
        if choice < 5 && after.len() > 1 {
            // A transfer, often between the two tables.
            let j = (i + rng.random_range(1..after.len())) % after.len();
            let amount = rng.random_range(0..=after[i].balance);
            statements.push(format!(
                "UPDATE bank.{} SET balance = balance - {amount} WHERE id = {}",
                after[i].table, after[i].id
            ));
            statements.push(format!(
                "UPDATE bank.{} SET balance = balance + {amount} WHERE id = {}",
                after[j].table, after[j].id
            ));
            after[i].balance -= amount;
            after[j].balance += amount;
        } else if choice < 7 {
            // The account moves to the other table under a new id, with
            // its holder.
            let old = after[i];
            let new = Account {
                table: other(old.table),
                id: next_id,
                balance: old.balance,
            };
            next_id += BANK_WRITERS;
            statements.push(format!("DELETE FROM bank.{} WHERE id = {}", old.table, old.id));
            statements.push(format!("DELETE FROM bank.holders WHERE account_id = {}", old.id));
            statements.push(format!(
                "INSERT INTO bank.{} VALUES ({}, {})",
                new.table, new.id, new.balance
            ));
            statements.push(format!("INSERT INTO bank.holders VALUES ({}, {})", new.id, new.id % 5));
            after[i] = new;
        } else if (choice < 9 && after.len() < 30) || after.len() < 3 {
            // Split: part of the balance goes to a new account.
            let amount = rng.random_range(0..=after[i].balance);
            let new = Account {
                table: if rng.random_bool(0.5) { "a" } else { "b" },
                id: next_id,
                balance: amount,
            };
            next_id += BANK_WRITERS;
            statements.push(format!(
                "UPDATE bank.{} SET balance = balance - {amount} WHERE id = {}",
                after[i].table, after[i].id
            ));
            statements.push(format!(
                "INSERT INTO bank.{} VALUES ({}, {})",
                new.table, new.id, new.balance
            ));
            statements.push(format!("INSERT INTO bank.holders VALUES ({}, {})", new.id, new.id % 5));
            after[i].balance -= amount;
            after.push(new);
        } else if after.len() > 1 {
            // Merge: one account's balance goes to another, and it closes.
            let j = (i + rng.random_range(1..after.len())) % after.len();
            let closed = after[j];
            statements.push(format!("DELETE FROM bank.{} WHERE id = {}", closed.table, closed.id));
            statements.push(format!("DELETE FROM bank.holders WHERE account_id = {}", closed.id));
            statements.push(format!(
                "UPDATE bank.{} SET balance = balance + {} WHERE id = {}",
                after[i].table, closed.balance, after[i].id
            ));
            after[i].balance += closed.balance;
            after.remove(j);
        } else {
            continue;
        }
        if transact(&mut conn, &statements).await? {
            accounts = after;
            committed += 1;
        }
    }
    Ok(committed)
}

/// The shop's writer: reserves quantities out of stock and releases
/// reservations back, until `stop`. Returns how many transactions
/// committed.
async fn shop_writer(mut conn: mysql_async::Conn, seed: u64, stop: Arc<AtomicBool>) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut stock = vec![QUANTITY; ITEMS as usize];
    let mut reserved: BTreeMap<u64, (usize, i64)> = BTreeMap::new();
    let mut next_id = 1;
    let mut committed = 0;
    while !stop.load(Ordering::SeqCst) {
        let statements;
        if reserved.len() < 20 && rng.random_bool(0.6) {
            let item = rng.random_range(0..stock.len());
            let qty = rng.random_range(0..=stock[item].min(50));
            statements = vec![
                format!("UPDATE shop.stock SET qty = qty - {qty} WHERE item = {item}"),
                format!("INSERT INTO shop.reserved VALUES ({next_id}, {item}, {qty})"),
            ];
            if transact(&mut conn, &statements).await? {
                stock[item] -= qty;
                reserved.insert(next_id, (item, qty));
                next_id += 1;
                committed += 1;
            }
        } else if let Some((&id, &(item, qty))) = reserved.iter().nth(rng.random_range(0..reserved.len().max(1))) {
            statements = vec![
                format!("DELETE FROM shop.reserved WHERE id = {id}"),
                format!("UPDATE shop.stock SET qty = qty + {qty} WHERE item = {item}"),
            ];
            if transact(&mut conn, &statements).await? {
                stock[item] += qty;
                reserved.remove(&id);
                committed += 1;
            }
        }
    }
    Ok(committed)
}

/// A query whose answer must always be `expected`: its first column is
/// `mz_now()`, the time it read at, and the others must equal `expected`.
struct Check {
    sql: &'static str,
    expected: Vec<String>,
}

/// Runs every check over and over until `stop`; fails at the first wrong
/// answer, naming the query and its time. Returns how many reads it made.
async fn read_loop(client: Client, checks: Vec<Check>, stop: Arc<AtomicBool>) -> anyhow::Result<u64> {
    let mut reads = 0;
    while !stop.load(Ordering::SeqCst) {
        for check in &checks {
            let messages = client.simple_query(check.sql).await?;
            let rows: Vec<Vec<String>> = messages
                .iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                        (0..row.len())
                            .map(|i| row.get(i).unwrap_or("NULL").to_owned())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect();
            let [row] = rows.as_slice() else {
                anyhow::bail!("{}: {} rows, not one: {rows:?}", check.sql, rows.len());
            };
            anyhow::ensure!(
                row[1..] == check.expected[..],
                "{} read {:?} at time {}, not {:?}",
                check.sql,
                &row[1..],
                row[0],
                check.expected
            );
            reads += 1;
        }
    }
    Ok(reads)
}

/// Follows `COPY (SUBSCRIBE (query) WITH (PROGRESS)) TO STDOUT`, where
/// `query`'s last column is a quantity, and checks at every progress time
/// that the accumulated quantities (times their multiplicities) sum to
/// `total`. Runs until `stop`; returns how many progress times it checked.
async fn subscribe_loop(client: Client, query: &'static str, total: i64, stop: Arc<AtomicBool>) -> anyhow::Result<u64> {
    let sql = format!("COPY (SUBSCRIBE ({query}) WITH (PROGRESS)) TO STDOUT");
    let mut stream: Pin<Box<CopyOutStream>> = Box::pin(client.copy_out(&sql).await?);
    let mut sum: i64 = 0;
    let mut rows: i64 = 0;
    let mut progress: Option<u64> = None;
    let mut checked = 0;
    while !stop.load(Ordering::SeqCst) {
        let data = tokio::time::timeout(DEADLINE, stream.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("{query}: the subscription ended"))??;
        let text = std::str::from_utf8(&data)?;
        let fields: Vec<&str> = text.trim_end_matches('\n').split('\t').collect();
        let time: u64 = fields[0].parse()?;
        if fields[1] == "t" {
            // No change below `time` follows: the state accumulated so far
            // is the one at `time - 1`. The first progress row comes before
            // the snapshot.
            if progress.is_some() {
                anyhow::ensure!(
                    sum == total && rows >= 0,
                    "{query}: at time {} the subscription's state sums to {sum} over {rows} rows, not {total}",
                    time - 1
                );
                checked += 1;
            }
            progress = Some(time);
            continue;
        }
        anyhow::ensure!(
            progress.is_some_and(|p| time >= p),
            "{query}: a change at {time} after progress {progress:?}"
        );
        let diff: i64 = fields[2].parse()?;
        let quantity: i64 = fields.last().ok_or_else(|| anyhow::anyhow!("an empty row"))?.parse()?;
        sum += diff * quantity;
        rows += diff;
    }
    Ok(checked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_across_tables_are_never_seen_half_applied() -> anyhow::Result<()> {
    let run_for = if std::env::var_os("FRESHET_LONG_TESTS").is_some() {
        Duration::from_secs(120)
    } else {
        Duration::from_secs(20)
    };
    let seed: u64 = std::env::var("FRESHET_CONSISTENCY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("writers' choices from seed {seed} (FRESHET_CONSISTENCY_SEED)");

    let mut mysql = common::mysql::MySql::new()?;
    let upstream = mysql.start("upstream", 191, &[])?;
    let port = upstream["MYSQL_PORT"].clone();
    let accounts: Vec<String> = (0..ACCOUNTS)
        .map(|id| {
            format!(
                "INSERT INTO bank.{} VALUES ({id}, {BALANCE})",
                if id % 4 < 2 { "a" } else { "b" }
            )
        })
        .collect();
    let holders: Vec<String> = (0..ACCOUNTS).map(|id| format!("({id}, {})", id % 5)).collect();
    let items: Vec<String> = (0..ITEMS).map(|item| format!("({item}, {QUANTITY})")).collect();
    mysql.root(
        "upstream",
        &format!(
            "CREATE DATABASE bank;
             CREATE TABLE bank.a (id bigint PRIMARY KEY, balance bigint NOT NULL);
             CREATE TABLE bank.b (id bigint PRIMARY KEY, balance bigint NOT NULL);
             CREATE TABLE bank.holders (account_id bigint PRIMARY KEY, region int NOT NULL);
             {};
             INSERT INTO bank.holders VALUES {};
             CREATE DATABASE shop;
             CREATE TABLE shop.stock (item int PRIMARY KEY, qty bigint NOT NULL);
             CREATE TABLE shop.reserved (id bigint PRIMARY KEY, item int NOT NULL, qty bigint NOT NULL);
             INSERT INTO shop.stock VALUES {};",
            accounts.join(";\n"),
            holders.join(", "),
            items.join(", ")
        ),
    )?;

    let dir = tempfile::tempdir()?;
    let server = TestServer::start(dir.path())?;
    let client = server.connect().await?;
    common::mysql::create_source(&client, &port, "FOR SCHEMAS (bank)").await?;
    client
        .batch_execute("CREATE SOURCE shop_src FROM MYSQL CONNECTION c FOR SCHEMAS (shop)")
        .await?;
    client
        .batch_execute(
            "CREATE VIEW accounts AS SELECT id, balance FROM a UNION ALL SELECT id, balance FROM b;
             CREATE VIEW bank_total AS SELECT sum(balance) AS total, count(*) AS n FROM accounts;
             CREATE VIEW bank_total_indexed AS SELECT sum(balance) AS total FROM accounts;
             CREATE DEFAULT INDEX ON bank_total_indexed;
             CREATE MATERIALIZED VIEW bank_total_mv AS SELECT sum(balance) AS total FROM accounts;
             CREATE VIEW held AS SELECT h.region, x.balance FROM holders h JOIN accounts x ON h.account_id = x.id;
             CREATE VIEW tables_total AS
                 SELECT sa.s + sb.s AS total FROM (SELECT coalesce(sum(balance), 0) AS s FROM a) sa,
                                                  (SELECT coalesce(sum(balance), 0) AS s FROM b) sb;
             CREATE VIEW quantities AS SELECT item, qty FROM stock UNION ALL SELECT item, qty FROM reserved;
             CREATE MATERIALIZED VIEW shop_total_mv AS SELECT sum(qty) AS total FROM quantities;
             CREATE DEFAULT INDEX ON shop_total_mv;",
        )
        .await?;
    let bank_total = BANK_TOTAL.to_string();
    let shop_total = SHOP_TOTAL.to_string();
    wait_for(&client, "SELECT total FROM bank_total_mv", &[&bank_total], DEADLINE).await?;
    wait_for(&client, "SELECT total FROM shop_total_mv", &[&shop_total], DEADLINE).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let pool = mysql_async::Pool::new(format!("mysql://root@127.0.0.1:{port}").as_str());
    let mut writers = Vec::new();
    for writer in 0..BANK_WRITERS {
        let conn = pool.get_conn().await?;
        writers.push(tokio::spawn(bank_writer(conn, writer, seed ^ writer, stop.clone())));
    }
    writers.push(tokio::spawn(shop_writer(
        pool.get_conn().await?,
        seed ^ 0xfeed,
        stop.clone(),
    )));

    let bank_checks = || {
        vec![
            Check {
                sql: "SELECT mz_now(), total FROM bank_total",
                expected: vec![bank_total.clone()],
            },
            Check {
                sql: "SELECT mz_now(), total FROM bank_total_indexed",
                expected: vec![bank_total.clone()],
            },
            Check {
                sql: "SELECT mz_now(), total FROM bank_total_mv",
                expected: vec![bank_total.clone()],
            },
            Check {
                sql: "SELECT mz_now(), total FROM tables_total",
                expected: vec![bank_total.clone()],
            },
            // Every account has its holder: the join keeps every balance,
            // and has as many rows as there are accounts.
            Check {
                sql: "SELECT mz_now(), j.s, j.n = x.n FROM (SELECT sum(balance) AS s, count(*) AS n FROM held) j,
                                                          (SELECT count(*) AS n FROM accounts) x",
                expected: vec![bank_total.clone(), "t".into()],
            },
        ]
    };
    let shop_checks = vec![
        Check {
            sql: "SELECT mz_now(), s FROM (SELECT sum(qty) AS s FROM quantities) x",
            expected: vec![shop_total.clone()],
        },
        Check {
            sql: "SELECT mz_now(), total FROM shop_total_mv",
            expected: vec![shop_total.clone()],
        },
    ];
    let mut readers = Vec::new();
    readers.push(tokio::spawn(read_loop(
        server.connect().await?,
        bank_checks(),
        stop.clone(),
    )));
    // Serializable reads take each input's own latest time without waiting.
    let serializable = server.connect().await?;
    serializable
        .batch_execute("SET transaction_isolation = 'serializable'")
        .await?;
    readers.push(tokio::spawn(read_loop(serializable, bank_checks(), stop.clone())));
    readers.push(tokio::spawn(read_loop(
        server.connect().await?,
        shop_checks,
        stop.clone(),
    )));
    let subscriptions = vec![
        tokio::spawn(subscribe_loop(
            server.connect().await?,
            "SELECT id, balance FROM accounts",
            BANK_TOTAL,
            stop.clone(),
        )),
        tokio::spawn(subscribe_loop(
            server.connect().await?,
            "SELECT region, balance FROM held",
            BANK_TOTAL,
            stop.clone(),
        )),
        tokio::spawn(subscribe_loop(
            server.connect().await?,
            "SELECT total FROM bank_total_mv",
            BANK_TOTAL,
            stop.clone(),
        )),
        tokio::spawn(subscribe_loop(
            server.connect().await?,
            "SELECT item, qty FROM quantities",
            SHOP_TOTAL,
            stop.clone(),
        )),
    ];

    // Stop everything at the deadline, or as soon as a task fails.
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut every = tokio::time::interval(Duration::from_millis(100));
    while started.elapsed() < run_for {
        every.tick().await;
        let done = writers
            .iter()
            .chain(&readers)
            .chain(&subscriptions)
            .any(|t| t.is_finished());
        if done {
            failed.store(1, Ordering::SeqCst);
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut report = Vec::new();
    for (what, tasks) in [
        ("writer", writers),
        ("reader", readers),
        ("subscription", subscriptions),
    ] {
        for (i, task) in tasks.into_iter().enumerate() {
            let count = tokio::time::timeout(DEADLINE, task).await???;
            report.push(format!("{what} {i}: {count}"));
        }
    }
    eprintln!("in {:?}: {}", started.elapsed(), report.join(", "));
    anyhow::ensure!(
        failed.load(Ordering::SeqCst) == 0,
        "a task ended early without an error"
    );

    // Once the writers stop, Freshet ends with MySQL's rows.
    let mut conn = pool.get_conn().await?;
    for (table, key, value) in [
        ("a", "id", "balance"),
        ("b", "id", "balance"),
        ("holders", "account_id", "region"),
    ] {
        let theirs: Vec<(u64, i64)> = conn
            .query(format!("SELECT {key}, {value} FROM bank.{table} ORDER BY {key}"))
            .await?;
        let expected: Vec<String> = theirs.iter().map(|(key, value)| format!("{key} {value}")).collect();
        let query = format!("SELECT {key}::text || ' ' || {value}::text FROM {table} ORDER BY {key}");
        wait_for(&client, &query, &expected, DEADLINE).await?;
    }
    assert_eq!(column(&client, "SELECT total FROM bank_total").await?, [bank_total]);
    Ok(())
}
