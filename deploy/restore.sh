#!/bin/sh
# Restore a backup made by backup.sh into a fresh, empty PostgreSQL database.
#
#   createdb learnhub_restored                       # on the target server
#   deploy/restore.sh FILE postgresql://…/learnhub_restored
#
# Refuses a database that already has tables, so a live database is never overwritten by mistake.
# Runs in one transaction: on any error nothing is restored. Afterwards point DATABASE_URL at it;
# `flask --app learnhub db upgrade` brings an older backup up to the current schema.
set -eu

if [ $# -ne 2 ]; then
  echo "usage: $0 FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
file="$1"
url=$(printf '%s' "$2" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')

if [ ! -r "$file" ]; then
  echo "$0: cannot read $file" >&2
  exit 2
fi
tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$url" \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "$0: the target database is not empty ($tables tables); restore into a new one (createdb)" >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$file"
echo "restored $file"
