-- The demo shop's first rows: 100 customers, 20 products and 500 orders placed over the last day.
INSERT INTO shop.customers (id, name, region)
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
    SELECT i, CONCAT('customer ', i), ELT(1 + i % 4, 'north', 'east', 'south', 'west') FROM n;
INSERT INTO shop.products (id, name, price) VALUES
    (1, 'espresso beans', 12.50), (2, 'filter papers', 3.20), (3, 'grinder', 89.00),
    (4, 'kettle', 45.00), (5, 'mug', 9.90), (6, 'scale', 29.00), (7, 'tamper', 19.50),
    (8, 'milk jug', 14.00), (9, 'decaf beans', 11.00), (10, 'cold brew kit', 34.00),
    (11, 'teapot', 27.00), (12, 'green tea', 8.40), (13, 'black tea', 7.90),
    (14, 'travel cup', 16.00), (15, 'descaler', 6.50), (16, 'dripper', 22.00),
    (17, 'carafe', 24.00), (18, 'thermometer', 12.00), (19, 'gift card', 25.00),
    (20, 'cleaning brush', 4.50);
INSERT INTO shop.orders (id, customer_id, status, created_at)
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
    SELECT i, 1 + (i * 37) % 100, IF(i % 10 = 0, 'cancelled', 'shipped'),
           UTC_TIMESTAMP(3) - INTERVAL (500 - i) * 170 SECOND
    FROM n;
INSERT INTO shop.order_items (order_id, line, product_id, quantity)
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
    SELECT 1 + (i - 1) DIV 2, 1 + (i - 1) % 2, 1 + FLOOR(POW(i * 7919 % 1000 / 1000, 2) * 20), 1 + i % 3 FROM n;
