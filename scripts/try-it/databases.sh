#!/usr/bin/env bash
# The Databases chapter's "Try it" (docs/src/databases.md includes it): the
# schema the migrations made, a page of the user list as the service asks
# for it, then OFFSET against keyset pagination on 100,000 scratch rows.
# needs: capstone up (cargo run), psql
# Usage: bash scripts/try-it/databases.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."    # the migrations are read from services/users/

# ANCHOR: schema
psql "$DATABASE_URL" -c '\dt'                                   # the tables
psql "$DATABASE_URL" -c 'SELECT version FROM __diesel_schema_migrations ORDER BY version'
psql "$DATABASE_URL" -c '\d users'                              # columns, indexes, checks, trigger
expect_in "the indexes" "$(psql "$DATABASE_URL" -c '\d users')" 'users_email_lower_key'
# ANCHOR_END: schema

# ANCHOR: page
# A page of the user list, as the service asks for it: an index range scan
PLAN=$(psql "$DATABASE_URL" -c "EXPLAIN ANALYZE
  SELECT id, email, display_name, role, email_verified_at, created_at, updated_at,
         auth_version, disabled_at
  FROM users
  WHERE (created_at, id) < (now(), 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  ORDER BY created_at DESC, id DESC
  LIMIT 21")
echo "$PLAN"
# ANCHOR_END: page

# ANCHOR: scratch
# A scratch database with 100,000 users, to make the plans mean something
SCRATCH="${DATABASE_URL%/*}/capstone_explain"
psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS capstone_explain" \
  -c "CREATE DATABASE capstone_explain"
at_exit 'psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS capstone_explain WITH (FORCE)"'
psql "$SCRATCH" -q -f services/users/migrations/2026-11-24-000001_create_users/up.sql
psql "$SCRATCH" -qc "
  INSERT INTO users (id, email, display_name, created_at)
  SELECT gen_random_uuid(), 'load-' || n || '@example.com', 'Load ' || n,
         now() - n * interval '1 second'
  FROM generate_series(1, 100000) AS n;
  ANALYZE users;"

# A page about 50,000 rows deep, both ways
OFFSET_PLAN=$(psql "$SCRATCH" -c "EXPLAIN ANALYZE
  SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 50000")
KEYSET_PLAN=$(psql "$SCRATCH" -c "EXPLAIN ANALYZE
  SELECT * FROM users
  WHERE (created_at, id) < (now() - interval '50000 seconds', 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  ORDER BY created_at DESC, id DESC LIMIT 21")
echo "$OFFSET_PLAN"; echo "$KEYSET_PLAN"
expect_in "the OFFSET plan" "$OFFSET_PLAN" "rows=50021"
expect_in "the keyset plan" "$KEYSET_PLAN" "Index Scan using users_created_at_id_idx"
expect_in "the keyset plan" "$KEYSET_PLAN" "rows=21 loops=1"
# ANCHOR_END: scratch
