-- Is the source healthy and caught up? Its status, its snapshot, and how far it is behind MySQL.
SELECT name, type, status, error FROM mz_internal.mz_source_statuses ORDER BY name;
SELECT s.name, t.snapshot_committed, t.offset_known - t.offset_committed AS transactions_behind
    FROM mz_internal.mz_source_statistics t JOIN mz_sources s ON s.id = t.id
    WHERE s.type = 'mysql';
SELECT * FROM shop_progress;
