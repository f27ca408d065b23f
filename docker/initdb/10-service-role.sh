#!/bin/sh
# First start of the database volume: the role the service logs in as. It owns nothing; the
# migrations (run as the owner, POSTGRES_USER) grant its group what the service needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$SERVICE_DB_PASSWORD" <<'SQL'
CREATE ROLE parcel_registry_service NOLOGIN;
CREATE ROLE registry_app LOGIN PASSWORD :'password' IN ROLE parcel_registry_service;
ALTER ROLE registry_app SET statement_timeout = '30s';
ALTER ROLE registry_app SET lock_timeout = '5s';
ALTER ROLE registry_app SET temp_file_limit = '4GB';
SQL
