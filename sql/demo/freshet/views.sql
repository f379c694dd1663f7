-- Views over the shop, kept up to date as MySQL changes: revenue per region, the best sellers, the last minute's orders.
CREATE VIEW IF NOT EXISTS revenue_per_region AS
    SELECT c.region, count(DISTINCT o.id) AS orders, sum(i.quantity * p.price) AS revenue
    FROM orders o
    JOIN customers c ON c.id = o.customer_id
    JOIN order_items i ON i.order_id = o.id
    JOIN products p ON p.id = i.product_id
    WHERE o.status <> 'cancelled'
    GROUP BY c.region;
CREATE VIEW IF NOT EXISTS top_products AS
    SELECT p.name, sum(i.quantity) AS sold
    FROM order_items i JOIN products p ON p.id = i.product_id
    GROUP BY p.name
    ORDER BY sold DESC
    LIMIT 5;
CREATE VIEW IF NOT EXISTS orders_last_minute AS
    SELECT o.id, c.name AS customer, c.region, o.status, o.created_at
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE mz_now() <= o.created_at + INTERVAL '1 minute';
