-- One step of the demo's write load: a new order of one to three items, and the oldest placed order shipped (or one in ten cancelled).
START TRANSACTION;
INSERT INTO shop.orders (customer_id, status, created_at)
    VALUES (1 + FLOOR(RAND() * 100), 'placed', UTC_TIMESTAMP(3));
SET @order_id = LAST_INSERT_ID();
INSERT INTO shop.order_items (order_id, line, product_id, quantity)
    SELECT @order_id, line, 1 + FLOOR(RAND() * 20), 1 + FLOOR(RAND() * 3)
    FROM (SELECT 1 AS line UNION ALL SELECT 2 UNION ALL SELECT 3) AS item_lines
    WHERE line <= 1 + @order_id % 3;
UPDATE shop.orders SET status = IF(RAND() < 0.1, 'cancelled', 'shipped')
    WHERE status = 'placed' AND created_at < UTC_TIMESTAMP(3) - INTERVAL 5 SECOND
    ORDER BY id LIMIT 1;
COMMIT;
