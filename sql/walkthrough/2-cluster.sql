-- In Freshet: a cluster of its own for the source (200cc runs 4 worker threads), used by the rest of this session.
CREATE CLUSTER ingest_mysql (SIZE = '200cc');
SET CLUSTER = ingest_mysql;
