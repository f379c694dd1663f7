-- Freshet logs in to the demo's MySQL and copies the shop's four tables, one subsource each.
CREATE SECRET IF NOT EXISTS shop_mysql_password AS 'freshet';
CREATE CONNECTION IF NOT EXISTS shop_mysql TO MYSQL (
    HOST '127.0.0.1',
    PORT 3316,
    USER 'freshet',
    PASSWORD SECRET shop_mysql_password
);
CREATE SOURCE IF NOT EXISTS shop
    FROM MYSQL CONNECTION shop_mysql (TEXT COLUMNS (shop.orders.status))
    FOR SCHEMAS (shop);
