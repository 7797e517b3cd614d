-- Runs once, when the compose PostgreSQL starts on an empty volume (docker-entrypoint-initdb.d).
-- Each service owns its database (DESIGN §1): one database and one login role per owning service,
-- the role owning the database (and so its public schema, where the migrations create tables).
-- Development passwords only; the compose file's DATABASE_URLs use them.

CREATE ROLE "customer_service" LOGIN PASSWORD 'customer_service';
CREATE DATABASE "customer" OWNER "customer_service";

CREATE ROLE "order_service" LOGIN PASSWORD 'order_service';
CREATE DATABASE "order" OWNER "order_service";

CREATE ROLE "payment_service" LOGIN PASSWORD 'payment_service';
CREATE DATABASE "payment" OWNER "payment_service";

CREATE ROLE "inventory_service" LOGIN PASSWORD 'inventory_service';
CREATE DATABASE "inventory" OWNER "inventory_service";

-- Nobody but the owner connects to a service's database.
REVOKE ALL ON DATABASE "customer", "order", "payment", "inventory" FROM PUBLIC;
