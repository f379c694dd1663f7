//! Clusters: named groups of compute resources that indexes (and later
//! sources and materialized views) run in. Every catalog has `quickstart`.
//!
//! A cluster is stored under its name with its size and replication
//! factor. The size sets how many worker threads the cluster's compute
//! instance runs (the adapter starts one instance per cluster); the
//! replication factor is recorded only: one set of workers runs each
//! cluster.

use std::collections::BTreeMap;

use freshet_storage::KvOp;
use serde::{Deserialize, Serialize};

use crate::CatalogError;
use crate::durable::put;

/// The cluster every catalog starts with, and sessions use by default.
pub const DEFAULT_CLUSTER: &str = "quickstart";

/// The size of [`DEFAULT_CLUSTER`].
pub const DEFAULT_CLUSTER_SIZE: &str = "100cc";

/// A cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// Its name.
    pub name: String,
    /// Its PostgreSQL OID.
    pub oid: u32,
    /// Its size (`100cc`, or a number of worker threads).
    pub size: String,
    /// How many replicas it has.
    pub replication_factor: u32,
}

impl Cluster {
    /// Its id as the system relations print it (`u<oid>`): stable for the
    /// cluster's life, never reused.
    pub fn id(&self) -> String {
        format!("u{}", self.oid)
    }
}

pub(crate) fn cluster_key(name: &str) -> Vec<u8> {
    format!("cluster/{name}").into_bytes()
}

/// Creates `cluster`.
pub(crate) fn create(
    clusters: &mut BTreeMap<String, Cluster>,
    cluster: Cluster,
    writes: &mut Vec<KvOp>,
) -> Result<(), CatalogError> {
    if clusters.contains_key(&cluster.name) {
        return Err(CatalogError::ClusterExists(cluster.name));
    }
    writes.push(put(cluster_key(&cluster.name), &cluster));
    clusters.insert(cluster.name.clone(), cluster);
    Ok(())
}

/// Changes cluster `name`'s size and replication factor, where given.
pub(crate) fn alter(
    clusters: &mut BTreeMap<String, Cluster>,
    name: &str,
    size: Option<String>,
    replication_factor: Option<u32>,
    writes: &mut Vec<KvOp>,
) -> Result<(), CatalogError> {
    let cluster = clusters
        .get_mut(name)
        .ok_or_else(|| CatalogError::UnknownCluster(name.to_owned()))?;
    if let Some(size) = size {
        cluster.size = size;
    }
    if let Some(replication_factor) = replication_factor {
        cluster.replication_factor = replication_factor;
    }
    writes.push(put(cluster_key(name), &*cluster));
    Ok(())
}

/// Drops cluster `name`.
pub(crate) fn drop(
    clusters: &mut BTreeMap<String, Cluster>,
    name: &str,
    writes: &mut Vec<KvOp>,
) -> Result<(), CatalogError> {
    clusters
        .remove(name)
        .ok_or_else(|| CatalogError::UnknownCluster(name.to_owned()))?;
    writes.push(KvOp::Delete(cluster_key(name)));
    Ok(())
}
