-- The password as a secret, and a connection that requires TLS (here to the demo's MySQL; use your server's host and port).
CREATE SECRET mysqlpass AS 'change-me';
CREATE CONNECTION mysql_connection TO MYSQL (
    HOST '127.0.0.1',
    PORT 3316,
    USER 'materialize',
    PASSWORD SECRET mysqlpass,
    SSL MODE REQUIRED
);
