DROP TABLE mirrored_domains;
DROP TABLE resource_files;
DROP TABLE resource_versions;
DROP TABLE resources;
