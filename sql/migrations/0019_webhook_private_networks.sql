-- Webhook destinations in loopback, private, link-local and other internal ranges are refused
-- (at registration, and after DNS resolution before each delivery) unless the endpoint was
-- registered with --allow-private-networks. Existing endpoints start without that permission:
-- one that points inward has its deliveries fail with a message naming the flag, and
-- `presswork webhooks edit NAME --allow-private-networks` grants it.
ALTER TABLE webhook_endpoints ADD COLUMN allow_private_networks boolean NOT NULL DEFAULT false;
