//! `CREATE CLUSTER`, `DROP CLUSTER` and `SHOW CLUSTERS`.

use sqlparser::ast::Ident;

use super::Plan;
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::normalize_ident;
use crate::parse::AlterCluster;

/// Materialize's size names and the number of timely worker threads each
/// runs on, smallest first. A size may also be a plain worker count
/// (`'4'`), from 1 to [`MAX_CLUSTER_WORKERS`].
pub const CLUSTER_SIZES: &[(&str, usize)] = &[
    ("25cc", 1),
    ("50cc", 1),
    ("100cc", 2),
    ("200cc", 4),
    ("300cc", 6),
    ("400cc", 8),
    ("600cc", 12),
    ("800cc", 16),
    ("1200cc", 24),
    ("1600cc", 32),
    ("3200cc", 64),
];

/// The most worker threads one cluster may have.
pub const MAX_CLUSTER_WORKERS: usize = 64;

/// The worker threads of a cluster of size `size` (as stored: a name of
/// [`CLUSTER_SIZES`] or a count), or `None` for no size Freshet knows.
pub fn cluster_workers(size: &str) -> Option<usize> {
    if let Some((_, workers)) = CLUSTER_SIZES.iter().find(|(name, _)| name.eq_ignore_ascii_case(size)) {
        return Some(*workers);
    }
    // Digits only: `+4` or ` 4` would store a size no one wrote.
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    size.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_CLUSTER_WORKERS).contains(n))
}

/// `size` as stored: a size name in its canonical spelling, or a worker
/// count without leading zeros.
fn canonical_size(size: &str) -> Result<String, PlanError> {
    if let Some((name, _)) = CLUSTER_SIZES.iter().find(|(name, _)| name.eq_ignore_ascii_case(size)) {
        return Ok((*name).to_owned());
    }
    cluster_workers(size)
        .map(|n| n.to_string())
        .ok_or_else(|| PlanError::InvalidClusterSize(size.to_owned()))
}

/// A `REPLICATION FACTOR`, which Freshet records (one set of workers runs
/// each cluster whatever it is).
fn replication_factor(n: u64) -> Result<u32, PlanError> {
    match u32::try_from(n) {
        Ok(n) if n <= 5 => Ok(n),
        _ => Err(PlanError::InvalidParameter(format!(
            "invalid REPLICATION FACTOR {n}: expected a number from 0 to 5"
        ))),
    }
}

/// `CREATE CLUSTER name (SIZE = 'size' [, REPLICATION FACTOR = n])`.
pub(crate) fn plan_create_cluster(
    name: &Ident,
    size: Option<&str>,
    replication_factor: Option<u64>,
) -> Result<Plan, PlanError> {
    let name = normalize_ident(name);
    if name.starts_with("mz_") {
        return Err(PlanError::InvalidParameter(format!(
            "cluster name \"{name}\" is reserved: names starting with mz_ belong to the system"
        )));
    }
    let size = size.ok_or_else(|| PlanError::InvalidParameter("CREATE CLUSTER needs a SIZE".into()))?;
    Ok(Plan::CreateCluster {
        name,
        size: canonical_size(size)?,
        replication_factor: replication_factor.map_or(Ok(1), self::replication_factor)?,
    })
}

/// `ALTER CLUSTER [IF EXISTS] name SET (SIZE = 'size', REPLICATION FACTOR = n)`.
pub(crate) fn plan_alter_cluster(catalog: &dyn CatalogReader, alter: &AlterCluster) -> Result<Plan, PlanError> {
    let name = normalize_ident(&alter.name);
    let size = alter.options.size.as_deref().map(canonical_size).transpose()?;
    let replication_factor = alter.options.replication_factor.map(replication_factor).transpose()?;
    let missing = catalog.cluster(&name).is_none();
    if missing && !alter.if_exists {
        return Err(PlanError::UnknownCluster(name));
    }
    Ok(Plan::AlterCluster {
        name,
        missing,
        size,
        replication_factor,
    })
}

/// The cluster an index or materialized view runs in: the one `IN
/// CLUSTER` names, or else the session's; it must exist.
pub(crate) fn cluster_for(catalog: &dyn CatalogReader, named: Option<&Ident>) -> Result<String, PlanError> {
    let cluster = named.map_or_else(|| catalog.active_cluster().to_owned(), normalize_ident);
    if catalog.cluster(&cluster).is_none() {
        return Err(PlanError::UnknownCluster(cluster));
    }
    Ok(cluster)
}

/// `DROP CLUSTER [IF EXISTS] name, … [CASCADE]`.
pub(crate) fn plan_drop_clusters(
    catalog: &dyn CatalogReader,
    names: &[Ident],
    if_exists: bool,
    cascade: bool,
) -> Result<Plan, PlanError> {
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for name in names.iter().map(normalize_ident) {
        if catalog.cluster(&name).is_some() {
            found.push(name);
        } else if if_exists {
            missing.push(name);
        } else {
            return Err(PlanError::UnknownCluster(name));
        }
    }
    Ok(Plan::DropClusters {
        names: found,
        missing,
        cascade,
    })
}
