-- Indexes keep the views' results in memory, updated at every MySQL commit, so reading them is a lookup.
CREATE INDEX IF NOT EXISTS revenue_per_region_idx ON revenue_per_region (region);
CREATE INDEX IF NOT EXISTS top_products_idx ON top_products (name);
CREATE INDEX IF NOT EXISTS orders_last_minute_idx ON orders_last_minute (id);
