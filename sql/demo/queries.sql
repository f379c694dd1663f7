-- Read the demo's views: every answer is the shop as of one MySQL transaction, never half of one.
SELECT * FROM revenue_per_region ORDER BY region;
SELECT * FROM top_products ORDER BY sold DESC, name;
SELECT count(*) AS orders_in_the_last_minute FROM orders_last_minute;
EXPLAIN SELECT * FROM revenue_per_region WHERE region = 'north';
