-- The demo shop in MySQL: customers in four regions, products, orders and the items of each order.
CREATE DATABASE shop;
CREATE TABLE shop.customers (
    id         INT PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    region     VARCHAR(20) NOT NULL
);
CREATE TABLE shop.products (
    id         INT PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    price      DECIMAL(10, 2) NOT NULL
);
CREATE TABLE shop.orders (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    customer_id INT NOT NULL,
    status      ENUM('placed', 'shipped', 'cancelled') NOT NULL,
    created_at  DATETIME(3) NOT NULL  -- UTC
);
CREATE TABLE shop.order_items (
    order_id   BIGINT NOT NULL,
    line       INT NOT NULL,
    product_id INT NOT NULL,
    quantity   INT NOT NULL,
    PRIMARY KEY (order_id, line)
);
