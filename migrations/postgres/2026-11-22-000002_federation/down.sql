ALTER TABLE instance DROP COLUMN federation_mode;
DROP TABLE received_activities;
DROP TABLE follows;
DROP TABLE federation_domains;
DROP TABLE peers;
