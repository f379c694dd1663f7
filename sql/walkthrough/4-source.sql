-- Copy every table of the server (an ENUM column needs TEXT COLUMNS): a consistent snapshot, then the binlog.
CREATE SOURCE mz_source
  FROM MYSQL CONNECTION mysql_connection (TEXT COLUMNS (shop.orders.status))
  FOR ALL TABLES;
