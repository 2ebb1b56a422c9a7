DROP TABLE delivery_domains;
DROP TABLE outbox;
