DROP TRIGGER organisations_directory_version ON organisations;
DROP TRIGGER memberships_directory_version ON memberships;
DROP TRIGGER accounts_directory_version ON accounts;
DROP FUNCTION directory_changed();
DROP TABLE directory_version;
