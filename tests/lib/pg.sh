# tests/lib/pg.sh: a throw-away PostgreSQL for the suite, on a Unix socket
# only (no TCP), in a temporary directory, stopped by pg_stop. Source it.
#
#   pg_start || tap_skip_all "$PG_SKIP"   # sets PG_DIR, PG_BIN, PG_URI
#   pg_createdb NAME                      # prints postgresql:///NAME?host=...
#   pg_stop                               # call it from the script's EXIT trap
#
# PostgreSQL refuses to run as root, and CI runs as root: then the server
# runs as the unprivileged account PG_USER (default nobody), owning only the
# temporary directory; root's clients reach it through the socket, where
# (and only where) pg_hba.conf trusts them.

PG_USER=${PG_USER:-nobody}

pg_find() {
	PG_BIN=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
	done
	[ -n "$PG_BIN" ]
}

# As the server's account (as ourselves when not root).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	if ! pg_find; then
		PG_SKIP="PostgreSQL not found (no /usr/lib/postgresql/*/bin/initdb): install postgresql"
		return 1
	fi
	# Under TMPDIR when the server's account can reach it, else /tmp.
	base=${TMPDIR:-/tmp}
	pg_as test -x "$base" || base=/tmp
	PG_DIR=$(mktemp -d "$base/cc-pg.XXXXXX") || return 1
	# The server's account must reach the directory through every parent.
	chmod 0755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$PG_USER" "$PG_DIR"
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U carecard -A trust --no-sync \
		-E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
		cat "$PG_DIR/initdb.log" >&2
		PG_SKIP="initdb failed"
		return 1
	fi
	# Unix socket only, trusted; nothing over TCP. fsync off: a test
	# database is thrown away, and durability is SQLite's test.
	printf 'local all all trust\n' >"$PG_DIR/data/pg_hba.conf"
	cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
max_connections = 100
CONF
	if ! pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		start >/dev/null 2>&1; then
		cat "$PG_DIR/server.log" >&2
		PG_SKIP="PostgreSQL did not start"
		return 1
	fi
	PG_URI="postgresql:///carecard?host=$PG_DIR&user=carecard"
	"$PG_BIN/createdb" -h "$PG_DIR" -U carecard carecard
}

# A new, empty database NAME; prints its URI.
pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_DIR" -U carecard "$1" &&
		echo "postgresql:///$1?host=$PG_DIR&user=carecard"
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	[ -f "$PG_DIR/data/postmaster.pid" ] &&
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}

# pg_variant TEST [long]: run tests/integration/TEST (a script that makes its
# CA with ca_init, test-ca-card-lib.sh) with the registry on a PostgreSQL
# started for the run: the same assertions, the registry's SQL through psql.
# "long": in the normal pass only; the sanitizer pass covers the registry on
# PostgreSQL through test-ca-registry-pg and test-ca-pg, within CI's time.
pg_variant() {
	if [ "${2:-}" = long ] && [ "${CC_SANITIZERS:-no}" = yes ]; then
		tap_skip_all "long PostgreSQL variant: normal pass only"
	fi
	trap pg_stop EXIT
	pg_start || tap_skip_all "$PG_SKIP"
	command -v psql >/dev/null || tap_skip_all "psql not installed"
	CC_TEST_PG_URI=$PG_URI CC_TEST_PG_BIN=$PG_BIN sh "$top_srcdir/tests/integration/$1"
}
