-- The MySQL user the demo's Freshet logs in as, with the privileges a source needs (bin/mysql makes the same one on its servers).
CREATE USER IF NOT EXISTS 'freshet'@'%' IDENTIFIED BY 'freshet';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'freshet'@'%';
