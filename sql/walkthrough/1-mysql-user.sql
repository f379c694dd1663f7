-- In MySQL, as an administrator: the user Freshet logs in as, with the privileges its source needs (choose your own password).
CREATE USER 'materialize'@'%' IDENTIFIED BY 'change-me';
ALTER USER 'materialize'@'%' REQUIRE SSL;
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'materialize'@'%';
FLUSH PRIVILEGES;
