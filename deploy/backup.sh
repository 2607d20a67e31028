#!/bin/bash
# matchapp backup: one `pg_dump -Fc` of the application's database, with the row count of every
# table taken in the same snapshot (the restore drill compares them), a SHA-256 of both, and
# retention. Installed as /usr/local/sbin/matchapp-backup and run nightly by
# matchapp-backup.timer (or cron) as the `matchapp` user.
#
# Environment (all optional except the database):
#   DATABASE_URL               the database, as the application reads it; when unset it is read
#                              from MATCHAPP_ENV_FILE (so cron needs no environment)
#   MATCHAPP_ENV_FILE          default /etc/matchapp/matchapp.env
#   MATCHAPP_BACKUP_DIR        default /var/backups/matchapp
#   MATCHAPP_BACKUP_KEEP_DAYS  remove backups older than this many days (default 30) ...
#   MATCHAPP_BACKUP_KEEP_MIN   ... but always keep the newest this many (default 7)
#
# Writes BACKUP_DIR/matchapp-YYYYMMDD-HHMMSS.{dump,counts,sha256}; exit status 0 only when the
# dump was written completely and reads back as an archive.
set -euo pipefail
umask 077

ENV_FILE=${MATCHAPP_ENV_FILE:-/etc/matchapp/matchapp.env}
BACKUP_DIR=${MATCHAPP_BACKUP_DIR:-/var/backups/matchapp}
KEEP_DAYS=${MATCHAPP_BACKUP_KEEP_DAYS:-30}
KEEP_MIN=${MATCHAPP_BACKUP_KEEP_MIN:-7}

log() { printf 'matchapp-backup: %s\n' "$*"; }
die() {
	printf 'matchapp-backup: error: %s\n' "$*" >&2
	exit 1
}

# The value of KEY in a systemd EnvironmentFile (KEY=value, optionally quoted), or nothing.
env_file_value() {
	[[ -r $2 ]] || return 0
	sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$2" | tail -n 1 | sed -E 's/^"(.*)"$/\1/; s/^'"'"'(.*)'"'"'$/\1/'
}

# libpq does not know SQLAlchemy's driver names: postgresql+psycopg://… -> postgresql://…
libpq_url() {
	case $1 in
	postgres://* | postgresql://* | postgresql+*://*) printf '%s\n' "$1" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#' ;;
	*) return 1 ;;
	esac
}

# A URL fit for a log: the password, if any, replaced.
redacted() { printf '%s\n' "$1" | sed -E 's#^([a-z+]+://[^:/@]*):[^@]*@#\1:***@#'; }

[[ $KEEP_DAYS =~ ^[0-9]+$ && $KEEP_MIN =~ ^[0-9]+$ ]] || die "MATCHAPP_BACKUP_KEEP_DAYS and _KEEP_MIN must be whole numbers"
database_url=${DATABASE_URL:-$(env_file_value DATABASE_URL "$ENV_FILE")}
[[ -n $database_url ]] || die "DATABASE_URL is not set, neither in the environment nor in $ENV_FILE"
url=$(libpq_url "$database_url") || die "DATABASE_URL is not a PostgreSQL URL ($(redacted "$database_url")): only PostgreSQL is backed up"
command -v pg_dump >/dev/null || die "pg_dump not found: apt-get install postgresql-client"

mkdir -p "$BACKUP_DIR"
exec 9>"$BACKUP_DIR/.lock"
flock -n 9 || die "another backup is running in $BACKUP_DIR"

name=matchapp-$(date +%Y%m%d-%H%M%S)
dump_tmp=$(mktemp "$BACKUP_DIR/.$name.dump.XXXXXX")
counts_tmp=$(mktemp "$BACKUP_DIR/.$name.counts.XXXXXX")
status_file=$(mktemp "$BACKUP_DIR/.$name.status.XXXXXX")
trap 'rm -f -- "$dump_tmp" "$counts_tmp" "$status_file"' EXIT

# Every table of the public schema and its number of rows (the restore drill runs the same query).
COUNT_SQL="SELECT c.relname || ' ' || (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname;"

# One repeatable-read transaction exports its snapshot; pg_dump dumps that snapshot and the counts
# are taken in it too, so they describe exactly the rows in the dump even while users are saving.
# psql ignores a failing \! command: pg_dump's exit status goes through a file.
log "dumping $(redacted "$url")"
export MATCHAPP_PG_URL=$url MATCHAPP_DUMP_TMP=$dump_tmp MATCHAPP_DUMP_STATUS=$status_file
psql -X -w -q -A -t -v ON_ERROR_STOP=1 -d "$url" >"$counts_tmp" <<SQL || die "psql could not take the snapshot or count the rows (see above)"
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
SELECT pg_export_snapshot() AS snapshot \gset
\setenv MATCHAPP_SNAPSHOT :snapshot
\! pg_dump --format=custom --no-password --snapshot="\$MATCHAPP_SNAPSHOT" --file="\$MATCHAPP_DUMP_TMP" --dbname="\$MATCHAPP_PG_URL"; echo \$? >"\$MATCHAPP_DUMP_STATUS"
$COUNT_SQL
COMMIT;
SQL
[[ $(cat "$status_file") == 0 ]] || die "pg_dump failed (exit status $(cat "$status_file")); nothing was kept"
pg_restore --list "$dump_tmp" >/dev/null || die "the new dump does not read back as an archive; nothing was kept"
[[ -s $counts_tmp ]] || die "the database has no tables: is DATABASE_URL the application's database?"

mv -- "$counts_tmp" "$BACKUP_DIR/$name.counts"
mv -- "$dump_tmp" "$BACKUP_DIR/$name.dump"
(cd "$BACKUP_DIR" && sha256sum -- "$name.dump" "$name.counts" >".$name.sha256" && mv -- ".$name.sha256" "$name.sha256")
rows=$(awk '{ n += $2 } END { print n + 0 }' "$BACKUP_DIR/$name.counts")
tables=$(wc -l <"$BACKUP_DIR/$name.counts")
log "wrote $BACKUP_DIR/$name.dump ($(du -h "$BACKUP_DIR/$name.dump" | cut -f1), $tables tables, $rows rows)"

# Retention: the newest KEEP_MIN always stay, whatever their age (if backups stopped for a while,
# the last good ones must not age away); older ones go after KEEP_DAYS days.
mapfile -t dumps < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name 'matchapp-*.dump' -printf '%f\n' | sort -r)
removed=0
for old in "${dumps[@]:KEEP_MIN}"; do
	if [[ -n $(find "$BACKUP_DIR/$old" -mmin +"$((KEEP_DAYS * 1440))") ]]; then
		base=${old%.dump}
		rm -f -- "$BACKUP_DIR/$base.dump" "$BACKUP_DIR/$base.counts" "$BACKUP_DIR/$base.sha256"
		removed=$((removed + 1))
	fi
done
log "kept $((${#dumps[@]} - removed)) backup(s), removed $removed older than $KEEP_DAYS days"
