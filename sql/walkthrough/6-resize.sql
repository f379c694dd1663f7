-- Once the snapshot is committed, the binlog needs less: resize the cluster (no row lost or doubled) and check its replica.
ALTER CLUSTER ingest_mysql SET (SIZE '100cc');
SHOW CLUSTER REPLICAS WHERE cluster = 'ingest_mysql';
