# tests/lib/scale.sh: several "carecard-ca serve" instances sharing one CA
# state directory (registry on PostgreSQL, one SoftHSM2 token), behind
# haproxy on loopback (ca/service/deploy/haproxy.cfg.in). For tests, and for
# a deployer trying the set-up out (ca/service/README-scale.md). Source it.
#
#   scale_ports N        pick the loopback ports first (before the CA is made,
#                        so its policy can name the front end): sets
#                        SCALE_URL (haproxy's HTTP front), SCALE_EST_URL
#                        (haproxy's HTTPS front), and for each instance I
#                        in 1..N SCALE_HTTP_I / SCALE_HTTPS_I (its own ports)
#   scale_start [FLAGS]  start the N instances (in turn: the first makes the
#                        service's TLS certificate when it is missing), then
#                        haproxy; waits until haproxy sees every instance up.
#                        FLAGS go to every "serve" (e.g. --config FILE).
#   scale_instance_start I [FLAGS]   (re)start instance I on its own ports
#   scale_instance_kill I [SIG]      signal instance I (default KILL) and reap it
#   scale_wait_up I|all [SECS]       until haproxy reports instance I (or all) UP
#   scale_stop           stop haproxy and every instance (SIGTERM), reaping them
#
# Needs: CA (the carecard-ca binary), S (the state directory, from
# "carecard-ca init --registry postgresql://..."), SCALE_DIR (a work
# directory), top_srcdir. Each instance runs "serve --state $S --http
# 127.0.0.1:P --https 127.0.0.1:Q --workers ${SCALE_WORKERS:-1}", its output
# in $SCALE_DIR/serve-I.out/.err, its access log in $SCALE_DIR/access-I.log.
# haproxy runs as the calling user (it needs no privilege on loopback ports
# above 1024); only PostgreSQL refuses root, and tests/lib/pg.sh handles it.

SCALE_N=0

# A free loopback TCP port, picked below Linux's ephemeral range (32768-): the
# ports are picked before the CA is made and bound a minute later, and in
# between other tests running beside this one get kernel-picked (ephemeral)
# ports, which can then never be ours.
scale_free_port() {
	python3 -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break'
}

scale_ports() {
	SCALE_N=$1
	SCALE_FRONT_HTTP=$(scale_free_port) && SCALE_FRONT_HTTPS=$(scale_free_port) || return 1
	SCALE_URL=http://127.0.0.1:$SCALE_FRONT_HTTP
	SCALE_EST_URL=https://127.0.0.1:$SCALE_FRONT_HTTPS
	_i=1
	while [ "$_i" -le "$SCALE_N" ]; do
		eval "SCALE_HTTP_$_i=\$(scale_free_port) && SCALE_HTTPS_$_i=\$(scale_free_port)" ||
			return 1
		_i=$((_i + 1))
	done
}

# scale_haproxy_cfg OUT: the template with this set-up's ports.
scale_haproxy_cfg() {
	_hs= _ts= _i=1
	while [ "$_i" -le "$SCALE_N" ]; do
		eval "_h=\$SCALE_HTTP_$_i _t=\$SCALE_HTTPS_$_i"
		_hs="$_hs	server ca$_i 127.0.0.1:$_h check
"
		_ts="$_ts	server ca$_i 127.0.0.1:$_t check port $_h
"
		_i=$((_i + 1))
	done
	# The admin socket lets scale_wait_up read what haproxy thinks of each
	# instance ("show stat"); a deployment keeps it too (mode 0600).
	SCALE_HAPROXY_SOCK=$SCALE_DIR/haproxy.sock
	HS=$_hs TS=$_ts GX="	stats socket $SCALE_HAPROXY_SOCK mode 600 level admin" \
	HB=127.0.0.1:$SCALE_FRONT_HTTP TB=127.0.0.1:$SCALE_FRONT_HTTPS awk '
		/^@HTTP_SERVERS@$/ { printf "%s", ENVIRON["HS"]; next }
		/^@HTTPS_SERVERS@$/ { printf "%s", ENVIRON["TS"]; next }
		/^@GLOBAL_EXTRA@$/ { print ENVIRON["GX"]; next }
		{ gsub(/@HTTP_BIND@/, ENVIRON["HB"]); gsub(/@HTTPS_BIND@/, ENVIRON["TB"]); print }
	' "$top_srcdir/ca/service/deploy/haproxy.cfg.in" >"$1"
	# a benchmark's own sections after the deployment's (SCALE_HAPROXY_EXTRA)
	[ -z "${SCALE_HAPROXY_EXTRA:-}" ] || printf '%s\n' "$SCALE_HAPROXY_EXTRA" >>"$1"
}

scale_instance_start() {
	_i=$1
	shift
	eval "_h=\$SCALE_HTTP_$_i _t=\$SCALE_HTTPS_$_i"
	: >"$SCALE_DIR/serve-$_i.out"
	"$CA" serve --state "$S" --http "127.0.0.1:$_h" --https "127.0.0.1:$_t" \
		--workers "${SCALE_WORKERS:-1}" --access-log "$SCALE_DIR/access-$_i.log" \
		${SCALE_FLAGS:-} "$@" >"$SCALE_DIR/serve-$_i.out" 2>>"$SCALE_DIR/serve-$_i.err" &
	eval "SCALE_PID_$_i=$!"
	_w=0
	until grep -q '^listening https' "$SCALE_DIR/serve-$_i.out" 2>/dev/null; do
		eval "_p=\$SCALE_PID_$_i"
		if ! kill -0 "$_p" 2>/dev/null || [ $_w -ge 600 ]; then
			echo "# instance $_i did not start:" >&2
			tail -n 20 "$SCALE_DIR/serve-$_i.err" | sed 's/^/# /' >&2
			return 1
		fi
		sleep 0.1
		_w=$((_w + 1))
	done
}

scale_instance_kill() {
	eval "_p=\${SCALE_PID_$1:-}"
	[ -n "$_p" ] || return 0
	kill "-${2:-KILL}" "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "SCALE_PID_$1="
}

# What haproxy's admin socket says (one command, its answer on stdout).
scale_haproxy_cmd() {
	python3 - "$SCALE_HAPROXY_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
PY
}

# scale_status: "BACKEND/SERVER STATUS" lines, e.g. "carecard_http/ca1 UP"
scale_status() {
	scale_haproxy_cmd "show stat" 2>/dev/null | awk -F, '$2 ~ /^ca[0-9]+$/ { print $1 "/" $2, $18 }'
}

scale_wait_up() {
	_want=$1 _secs=${2:-60} _w=0
	while [ $_w -lt $((_secs * 10)) ]; do
		_st=$(scale_status)
		if [ "$_want" = all ]; then
			[ -n "$_st" ] && ! printf '%s\n' "$_st" | grep -qv ' UP$' && return 0
		else
			[ "$(printf '%s\n' "$_st" | grep -c "/ca$_want UP\$")" = 2 ] && return 0
		fi
		sleep 0.1
		_w=$((_w + 1))
	done
	echo "# haproxy: $(printf '%s\n' "$_st" | tr '\n' ' ')" >&2
	return 1
}

scale_start() {
	command -v haproxy >/dev/null || { echo "# haproxy is not installed" >&2; return 1; }
	[ "$SCALE_N" -gt 0 ] || { echo "# scale_ports first" >&2; return 1; }
	_i=1
	while [ "$_i" -le "$SCALE_N" ]; do
		scale_instance_start "$_i" "$@" || return 1
		_i=$((_i + 1))
	done
	scale_haproxy_cfg "$SCALE_DIR/haproxy.cfg" || return 1
	haproxy -c -q -f "$SCALE_DIR/haproxy.cfg" >"$SCALE_DIR/haproxy.err" 2>&1 || {
		sed 's/^/# /' "$SCALE_DIR/haproxy.err" >&2
		return 1
	}
	# -db: in the foreground (our child, stopped by scale_stop); -W: master-worker
	haproxy -db -W -f "$SCALE_DIR/haproxy.cfg" >>"$SCALE_DIR/haproxy.err" 2>&1 &
	SCALE_HAPROXY_PID=$!
	_w=0
	until [ -S "$SCALE_HAPROXY_SOCK" ]; do
		if ! kill -0 "$SCALE_HAPROXY_PID" 2>/dev/null || [ $_w -ge 100 ]; then
			sed 's/^/# /' "$SCALE_DIR/haproxy.err" >&2
			return 1
		fi
		sleep 0.1
		_w=$((_w + 1))
	done
	scale_wait_up all 60
}

scale_stop() {
	if [ -n "${SCALE_HAPROXY_PID:-}" ]; then
		kill -TERM "$SCALE_HAPROXY_PID" 2>/dev/null
		wait "$SCALE_HAPROXY_PID" 2>/dev/null
		SCALE_HAPROXY_PID=
	fi
	_i=1
	while [ "$_i" -le "$SCALE_N" ]; do
		scale_instance_kill "$_i" TERM
		_i=$((_i + 1))
	done
}
