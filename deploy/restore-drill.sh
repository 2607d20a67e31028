#!/bin/bash
# matchapp restore drill: restore the latest backup (or the dump given) into a scratch database and
# prove it is whole: its checksum, every table's row count equal to the count taken when it was
# dumped, and `matchapp check` passing against it. Exit status 0 only when all of that holds.
# Installed as /usr/local/sbin/matchapp-restore-drill, run monthly by matchapp-restore-drill.timer
# as the `matchapp` user.
#
#   matchapp-restore-drill [DUMP]
#
# Environment:
#   MATCHAPP_BACKUP_DIR       where the latest matchapp-*.dump is looked for (/var/backups/matchapp)
#   MATCHAPP_DRILL_URL        the scratch database (postgresql:///matchapp_drill?host=/run/postgresql);
#                             it must be empty or have been used by an earlier drill: a database
#                             with other tables (the production one) is refused, never overwritten
#   MATCHAPP                  the matchapp command (default: on PATH, else /opt/matchapp/venv/bin/matchapp)
#   MATCHAPP_DRILL_MAX_AGE_DAYS  fail when the dump is older than this (default 2; 0: no limit)
#   MATCHAPP_DRILL_KEEP=1     leave the restored data in the scratch database (default: emptied,
#                             so that no second copy of personal data lingers)
set -euo pipefail
umask 077

BACKUP_DIR=${MATCHAPP_BACKUP_DIR:-/var/backups/matchapp}
DRILL_URL=${MATCHAPP_DRILL_URL:-postgresql:///matchapp_drill?host=/run/postgresql}
MAX_AGE_DAYS=${MATCHAPP_DRILL_MAX_AGE_DAYS:-2}
KEEP=${MATCHAPP_DRILL_KEEP:-0}
MARK="matchapp restore drill scratch database"
# Tables without which a dump is not a matchapp database at all.
REQUIRED_TABLES=(alembic_version users schools teachers rounds posts audit_log)

log() { printf 'matchapp-restore-drill: %s\n' "$*"; }
fail() {
	printf 'matchapp-restore-drill: FAILED: %s\n' "$*" >&2
	exit 1
}

libpq_url() {
	case $1 in
	postgres://* | postgresql://* | postgresql+*://*) printf '%s\n' "$1" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#' ;;
	*) return 1 ;;
	esac
}
redacted() { printf '%s\n' "$1" | sed -E 's#^([a-z+]+://[^:/@]*):[^@]*@#\1:***@#'; }
sql() { psql -X -w -q -A -t -v ON_ERROR_STOP=1 -d "$url" "$@"; }

# Must match backup.sh: every table of the public schema and its number of rows.
COUNT_SQL="SELECT c.relname || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname;"

[[ $MAX_AGE_DAYS =~ ^[0-9]+$ ]] || fail "MATCHAPP_DRILL_MAX_AGE_DAYS must be a whole number"
url=$(libpq_url "$DRILL_URL") || fail "MATCHAPP_DRILL_URL is not a PostgreSQL URL"
matchapp=${MATCHAPP:-$(command -v matchapp || echo /opt/matchapp/venv/bin/matchapp)}
[[ -x $matchapp ]] || fail "the matchapp command ($matchapp) is not executable: set MATCHAPP"

# 1. The dump: the one given, or the newest in the backup folder.
if [[ $# -ge 1 ]]; then
	dump=$1
else
	newest=$(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'matchapp-*.dump' -printf '%f\n' 2>/dev/null | sort | tail -n 1)
	[[ -n $newest ]] || fail "no matchapp-*.dump in $BACKUP_DIR: are backups running?"
	dump=$BACKUP_DIR/$newest
fi
[[ -r $dump ]] || fail "cannot read $dump"
base=${dump%.dump}
log "dump $dump ($(du -h "$dump" | cut -f1), written $(date -r "$dump" '+%Y-%m-%d %H:%M'))"
if ((MAX_AGE_DAYS > 0)) && [[ -n $(find "$dump" -mmin +"$((MAX_AGE_DAYS * 1440))") ]]; then
	fail "$dump is older than $MAX_AGE_DAYS days: backups have stopped (check: systemctl status matchapp-backup)"
fi

# 2. Unchanged since it was written.
if [[ -r $base.sha256 ]]; then
	(cd "$(dirname "$dump")" && sha256sum --check --quiet --strict -- "$(basename "$base").sha256") ||
		fail "the checksum of $dump or its counts differs from the one written with it: the file is damaged"
	log "checksum ok"
else
	log "warning: no $base.sha256 (not written by backup.sh?): checksum not verified"
fi

# 3. Readable, and the rows it should hold.
pg_restore --list "$dump" >/dev/null || fail "$dump is not a readable pg_dump archive"
work=$(mktemp -d)
touched=0
cleanup() {
	status=$?
	if ((touched)) && [[ $KEEP != 1 ]]; then
		sql -c 'DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;' >/dev/null 2>&1 ||
			printf 'matchapp-restore-drill: warning: could not empty the scratch database\n' >&2
	fi
	rm -rf -- "$work"
	exit "$status"
}
trap cleanup EXIT
if [[ -r $base.counts ]]; then
	LC_ALL=C sort -- "$base.counts" >"$work/expected"
	log "row counts taken when the dump was made: $(wc -l <"$work/expected") tables"
else
	# A dump made by hand: count the rows of its own COPY blocks instead.
	pg_restore --data-only --file=- "$dump" |
		awk '/^COPY / { split($2, q, "."); t = q[2]; n = 0; inside = 1; next }
		     inside && $0 == "\\." { print t, n; inside = 0; next }
		     inside { n++ }' | LC_ALL=C sort >"$work/expected" || fail "the data of $dump cannot be read"
	log "warning: no $base.counts: comparing with the rows inside the dump"
fi
for table in "${REQUIRED_TABLES[@]}"; do
	grep -q "^$table " "$work/expected" || fail "$dump has no table $table: it is not a matchapp database"
done

# 4. The scratch database: empty, or marked by an earlier drill. Anything else is refused.
sql -c 'SELECT 1' >/dev/null || fail "cannot connect to the scratch database $(redacted "$url") (create it: createdb -O matchapp matchapp_drill)"
tables=$(sql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p', 'v', 'm')")
mark=$(sql -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = current_database()")
if ((tables > 0)) && [[ $mark != "$MARK" ]]; then
	fail "the scratch database $(redacted "$url") holds $tables tables and was not made by a drill: refusing to overwrite it (is MATCHAPP_DRILL_URL the production database?)"
fi
dbname=$(sql -c 'SELECT current_database()')
touched=1
sql -v dbname="$dbname" -v mark="$MARK" >/dev/null <<'SQL' || fail "cannot empty the scratch database (it must be owned by the drill's user)"
SET client_min_messages = warning;
COMMENT ON DATABASE :"dbname" IS :'mark';
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
SQL

# 5. Restore: all or nothing.
log "restoring into $(redacted "$url")"
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --no-password --dbname="$url" "$dump" ||
	fail "pg_restore could not restore $dump"

# 6. Every table holds the rows it held when it was dumped.
sql -c "$COUNT_SQL" | LC_ALL=C sort >"$work/restored" || fail "cannot count the restored rows"
if ! diff -u --label "dumped (table rows)" --label "restored (table rows)" "$work/expected" "$work/restored" >"$work/diff"; then
	cat "$work/diff" >&2
	fail "the restored database does not hold the rows of the dump (above)"
fi
log "row counts equal: $(wc -l <"$work/restored") tables, $(awk '{ n += $2 } END { print n + 0 }' "$work/restored") rows"

# 7. The application accepts it: reachable, schema at this installation's revision, files, clock.
# Its own throwaway SECRET_KEY; no Redis (the drill is about the database).
secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
if ! env -u REDIS_URL DATABASE_URL="$url" SECRET_KEY="$secret" MATCHAPP_ENV=production MATCHAPP_BEHIND_PROXY=1 \
	MATCHAPP_INSTANCE="$work/instance" "$matchapp" check >"$work/check" 2>&1; then
	cat "$work/check" >&2
	fail "matchapp check reports an error against the restored database (above)"
fi
grep -q "database is reachable and migrated" "$work/check" || {
	cat "$work/check" >&2
	fail "matchapp check did not confirm the restored schema"
}
log "matchapp check against it: $(grep -o 'the database is reachable and migrated.*' "$work/check"); $(grep -E '^[0-9]+ error' "$work/check")"
if [[ $KEEP == 1 ]]; then
	log "the restored data stays in $(redacted "$url") (MATCHAPP_DRILL_KEEP=1)"
fi
log "passed: $dump restores completely and matchapp accepts it"
