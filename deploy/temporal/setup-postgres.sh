#!/bin/sh
# Temporal's schema on PostgreSQL (as temporalio/samples-server compose/scripts/setup-postgres.sh),
# plus the database petitionflow's projection lives in.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
PORT=${DB_PORT:-5432}
nc -z -w 10 "$POSTGRES_SEEDS" "$PORT"
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"; }
for db in temporal temporal_visibility petitionflow; do
  tool --db "$db" create || true   # already there on a re-run
done
# setup-schema fails on a schema that exists (a re-run); update-schema then brings it current and
# fails loudly if the set-up really did not happen.
tool --db temporal setup-schema -v 0.0 || echo "temporal schema exists"
tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
tool --db temporal_visibility setup-schema -v 0.0 || echo "visibility schema exists"
tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "PostgreSQL schema set-up complete"
