#!/bin/sh
# Wait for the database, then hand over to the command (which migrates and serves).
set -eu
: "${DATABASE_URL:?DATABASE_URL must point at a PostGIS database}"
python - <<'PY'
import os, sys, time
import psycopg2

deadline = time.monotonic() + 60
while True:
    try:
        psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=3).close()
        break
    except psycopg2.OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"database not reachable after 60 s: {exc}")
        time.sleep(1)
PY
exec "$@"
