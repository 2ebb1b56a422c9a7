DROP TABLE api_tokens;
DROP TABLE memberships;
DROP TABLE organisations;
DROP TABLE accounts;
DROP TABLE instance;
