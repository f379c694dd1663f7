-- Explore: the sources, the copied tables, and a view kept in memory by an index.
SHOW SOURCES;
SELECT status, count(*) FROM orders GROUP BY status ORDER BY status;
CREATE VIEW orders_per_customer AS
    SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id;
CREATE INDEX orders_per_customer_idx ON orders_per_customer (customer_id);
SELECT orders FROM orders_per_customer WHERE customer_id = 42;
