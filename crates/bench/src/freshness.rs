//! Freshness: the time from a MySQL COMMIT (its acknowledgement to the
//! writer) to the row's arrival through `SUBSCRIBE`, at fixed write rates
//! up to the highest rate MySQL itself sustains on this machine.
//!
//! The writers send single-row transactions on an open-loop schedule (one
//! every 1/rate seconds, whether or not earlier ones are done) over
//! [`WRITERS`] connections; one subscriber follows `SUBSCRIBE TO fresh`.
//! Both clocks are this process's.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use futures::StreamExt;
use mysql_async::prelude::Queryable;
use tokio::sync::{Mutex, mpsc};

use crate::Bench;
use crate::freshet::Freshet;
use crate::replication::DATABASE;
use crate::stats::Latencies;

/// Connections writing at once; enough that MySQL's commit latency does
/// not limit the rate.
const WRITERS: usize = 32;

/// The rates tried below MySQL's highest, in transactions per second.
const RATES: [f64; 9] = [
    100.0, 300.0, 1_000.0, 2_000.0, 3_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0,
];

/// How long MySQL's highest rate is measured.
const MAX_RATE_DURATION: Duration = Duration::from_secs(5);

/// How long the last row of a rate may take to arrive.
const ARRIVAL_DEADLINE: Duration = Duration::from_secs(120);

/// Latencies at every rate.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct FreshnessResult {
    /// Single-row transactions per second MySQL commits durably from
    /// [`WRITERS`] clients, measured with Freshet stopped.
    pub(crate) mysql_max_rate: f64,
    /// One entry per rate tried.
    pub(crate) rates: Vec<RateResult>,
    /// The highest rate achieved at which p99 stayed under 100 ms.
    pub(crate) max_rate_p99_under_100ms: Option<f64>,
    /// The highest rate achieved at which p99 stayed under 1 s.
    pub(crate) max_rate_p99_under_1s: Option<f64>,
}

/// One fixed write rate.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct RateResult {
    /// Transactions per second scheduled.
    pub(crate) target_rate: f64,
    /// Transactions per second MySQL acknowledged.
    pub(crate) achieved_rate: f64,
    /// Commit to arrival.
    pub(crate) latency: Latencies,
    /// Rows that arrived before the writer saw its commit acknowledged
    /// (counted as 0 ms).
    pub(crate) arrived_before_ack: usize,
}

/// Measures MySQL's highest rate with `server` stopped, then every rate up
/// to it with `server` following.
pub(crate) async fn measure(bench: &Bench, server: Freshet) -> anyhow::Result<FreshnessResult> {
    let data_dir = server.data_dir.clone();
    server.kill9().await?;
    let table = format!("{DATABASE}.mysql_only");
    let mysql_max_rate = crate::load::max_commit_rate(&bench.mysql, &table, WRITERS, MAX_RATE_DURATION).await?;
    eprintln!("freshness: MySQL commits {mysql_max_rate:.0} single-row transactions/s at most");
    let server = Freshet::start(&bench.args.freshet, &data_dir).await?;
    let last = bench.mysql.last_transaction().await?;
    server
        .wait_for("SELECT max(transaction_id) FROM s_progress", &(last + 1).to_string())
        .await?;

    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    let subscriber = server.connect().await?;
    tokio::spawn(async move {
        let stream = match subscriber.copy_out("COPY (SUBSCRIBE TO fresh) TO STDOUT").await {
            Ok(stream) => stream,
            Err(e) => return eprintln!("freshness: SUBSCRIBE failed: {e}"),
        };
        let mut stream = pin!(stream);
        while let Some(Ok(data)) = stream.next().await {
            let now = Instant::now();
            for line in String::from_utf8_lossy(&data).lines() {
                // mz_timestamp, mz_diff, id, step
                let mut columns = line.split('\t');
                if columns.nth(1) == Some("1")
                    && let Some(Ok(id)) = columns.next().map(str::parse::<u64>)
                    && arrivals_tx.send((id, now)).is_err()
                {
                    return;
                }
            }
        }
    });

    let mut conns = Vec::new();
    for _ in 0..WRITERS {
        conns.push(bench.mysql.new_conn().await?);
    }
    let mut rates: Vec<f64> = RATES.iter().copied().filter(|r| *r < mysql_max_rate * 0.95).collect();
    rates.push(mysql_max_rate.floor());
    let mut results = Vec::new();
    let mut next_id = 1u64;
    for (step, rate) in rates.into_iter().enumerate() {
        let n = ((rate * bench.args.freshness_seconds as f64) as u64).max(10);
        let ids = next_id..next_id + n;
        next_id += n;
        let (acks, achieved_rate, returned) = write_at_rate(conns, ids.clone(), rate, step).await?;
        conns = returned;
        let mut arrived = HashMap::new();
        let deadline = tokio::time::Instant::now() + ARRIVAL_DEADLINE;
        while (arrived.len() as u64) < n {
            match tokio::time::timeout_at(deadline, arrivals.recv()).await {
                Ok(Some((id, at))) => {
                    if ids.contains(&id) {
                        arrived.entry(id).or_insert(at);
                    }
                }
                Ok(None) => bail!("the subscription ended"),
                Err(_) => bail!(
                    "at {rate}/s, {} of {n} rows did not arrive within {ARRIVAL_DEADLINE:?}",
                    n - arrived.len() as u64
                ),
            }
        }
        let mut early = 0;
        let latencies = acks
            .iter()
            .map(|(id, ack)| {
                let at = arrived[id];
                if at < *ack {
                    early += 1;
                }
                at.saturating_duration_since(*ack)
            })
            .collect();
        let latency = Latencies::of(latencies);
        eprintln!(
            "freshness at {rate:.0}/s (achieved {achieved_rate:.0}/s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            latency.p50_ms, latency.p99_ms, latency.max_ms
        );
        results.push(RateResult {
            target_rate: rate,
            achieved_rate,
            latency,
            arrived_before_ack: early,
        });
    }
    for conn in conns {
        conn.disconnect().await?;
    }
    server.kill9().await?;
    let best = |limit_ms: f64| {
        results
            .iter()
            .filter(|r| r.latency.p99_ms < limit_ms)
            .map(|r| r.achieved_rate)
            .reduce(f64::max)
    };
    Ok(FreshnessResult {
        mysql_max_rate,
        max_rate_p99_under_100ms: best(100.0),
        max_rate_p99_under_1s: best(1000.0),
        rates: results,
    })
}

/// Inserts the rows `ids` into `fresh`, one transaction each, one every
/// 1/`rate` seconds from now, over `conns`; returns when each was
/// acknowledged, the rate MySQL achieved, and the connections.
async fn write_at_rate(
    conns: Vec<mysql_async::Conn>,
    ids: std::ops::Range<u64>,
    rate: f64,
    step: usize,
) -> anyhow::Result<(Vec<(u64, Instant)>, f64, Vec<mysql_async::Conn>)> {
    let (tx, rx) = mpsc::channel::<u64>(ids.clone().count());
    let rx = Arc::new(Mutex::new(rx));
    let writers: Vec<_> = conns
        .into_iter()
        .map(|mut conn| {
            let rx = Arc::clone(&rx);
            tokio::spawn(async move {
                let mut acks = Vec::new();
                loop {
                    let next = rx.lock().await.recv().await;
                    let Some(id) = next else { break };
                    conn.query_drop(format!("INSERT INTO {DATABASE}.fresh VALUES ({id}, {step})"))
                        .await?;
                    acks.push((id, Instant::now()));
                }
                anyhow::Ok((conn, acks))
            })
        })
        .collect();
    let start = tokio::time::Instant::now();
    for (i, id) in ids.enumerate() {
        tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate)).await;
        tx.send(id).await.context("the writers stopped")?;
    }
    drop(tx);
    let mut acks = Vec::new();
    let mut conns = Vec::new();
    for writer in writers {
        let (conn, mut done) = writer.await??;
        conns.push(conn);
        acks.append(&mut done);
    }
    let last = acks.iter().map(|a| a.1).max().context("nothing was written")?;
    let achieved = acks.len() as f64 / (last - start.into_std()).as_secs_f64();
    ensure!(!acks.is_empty(), "nothing was written");
    Ok((acks, achieved, conns))
}
