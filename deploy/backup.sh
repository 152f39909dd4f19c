#!/bin/sh
# Back up the LearnHub database with pg_dump in its custom format (compressed; restore with restore.sh).
#
#   deploy/backup.sh [DATABASE_URL] [FILE]
#
# DATABASE_URL defaults to $DATABASE_URL; FILE to learnhub-<UTC time>.dump in the current folder.
# The file is written under a temporary name and renamed when complete, so a half-written backup
# never looks finished. PG_DUMP_OPTIONS adds options to pg_dump (check_backup.py passes --snapshot).
set -eu

url="${1:-${DATABASE_URL:-}}"
if [ -z "$url" ]; then
  echo "usage: $0 [DATABASE_URL] [FILE]  (or set DATABASE_URL)" >&2
  exit 2
fi
# libpq understands postgresql:// and postgres://, not SQLAlchemy's postgresql+psycopg://.
url=$(printf '%s' "$url" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')
file="${2:-learnhub-$(date -u +%Y%m%dT%H%M%SZ).dump}"

# shellcheck disable=SC2086  # PG_DUMP_OPTIONS is a list of options
pg_dump --format=custom --no-owner --no-privileges ${PG_DUMP_OPTIONS:-} --file="$file.partial" "$url"
mv "$file.partial" "$file"
echo "$file"
