DROP TABLE usage_counters;
DROP TABLE account_weeks;
DROP TABLE modules;
ALTER TABLE accounts DROP COLUMN locale;
DROP TABLE sessions;
