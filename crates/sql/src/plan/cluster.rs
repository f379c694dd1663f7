//! `CREATE CLUSTER`, `DROP CLUSTER` and `SHOW CLUSTERS`.

use sqlparser::ast::Ident;

use super::Plan;
use crate::PlanError;
use crate::catalog::CatalogReader;
use crate::names::normalize_ident;

/// The sizes a cluster may have, smallest first (Materialize's names).
pub const CLUSTER_SIZES: &[&str] = &[
    "25cc", "50cc", "100cc", "200cc", "300cc", "400cc", "600cc", "800cc", "1200cc", "1600cc", "3200cc", "6400cc",
    "128C", "256C", "512C",
];

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
    let size = CLUSTER_SIZES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(size))
        .ok_or_else(|| PlanError::InvalidClusterSize(size.to_owned()))?;
    let replication_factor = match replication_factor {
        None => 1,
        Some(n) if n <= 5 => u32::try_from(n).unwrap_or(1),
        Some(n) => {
            return Err(PlanError::InvalidParameter(format!(
                "invalid REPLICATION FACTOR {n}: expected a number from 0 to 5"
            )));
        }
    };
    Ok(Plan::CreateCluster {
        name,
        size: (*size).to_owned(),
        replication_factor,
    })
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
