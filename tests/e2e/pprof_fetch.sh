# pprof_fetch.sh - `triage pprof` fetches a profile over TCP, over an
# agent's Unix socket (by PID), with a bearer token, and from a file;
# saves exactly the bytes served, where go tool pprof would; and shows
# the server's reason when it refuses.
source "$(dirname "$0")/cli_helpers.bash"

server=$BUILD/tests/cli_pprof_server
fixture=${TRIAGE_SOURCE:?}/tests/data/cli/burn.cpu.pb.gz
out=$SCRATCH/out err=$SCRATCH/err
export TRIAGE_SOCKET_DIR=$SCRATCH/sockets PPROF_TMPDIR=$SCRATCH/saved
mkdir -m 700 "$TRIAGE_SOCKET_DIR"
unset TRIAGE_TOKEN

# start_server NAME ARGS...: sets $pid and $port of a ready server.
start_server() {
	local log=$SCRATCH/$1.log
	shift
	"$server" "$fixture" "$@" >"$log" 2>&1 &
	pid=$!
	STARTED+=("$pid")
	wait_until 10 grep -q '^listening on' "$log" || {
		echo "server did not start:"
		cat "$log"
		exit 1
	}
	port=$(port_of "$log")
}

start_server plain --socket-dir "$TRIAGE_SOCKET_DIR"
log=$SCRATCH/plain.log
wait_until 10 grep -q '^socket' "$log"
base=http://127.0.0.1:$port

# Over TCP, host:port only: the CPU profile path and ?seconds are added.
"$TRIAGE" pprof -seconds 2 "127.0.0.1:$port" >"$out" 2>"$err"
check "tcp: exit status" 0 "$?"
check_grep "tcp: says where from" \
	"^Fetching profile over HTTP from $base/debug/pprof/profile\\?seconds=2\$" "$err"
check_grep "tcp: the server got ?seconds=2" \
	'^request /debug/pprof/profile\?seconds=2 ' "$log"
saved=$PPROF_TMPDIR/pprof.burn.samples.cpu.001.pb.gz
check_grep "tcp: saved as pprof names it" "^Saved profile in $saved\$" "$err"
cmp -s "$fixture" "$saved"
check "tcp: the saved file is byte-identical to what was served" 0 "$?"
check_grep "tcp: the report shows the hot function" 'main\.burnRecords' "$out"
check_no_grep "tcp: no progress bar off a terminal" $'\r' "$err"

"$TRIAGE" pprof "$base/debug/pprof/profile" >"$out" 2>"$err"
check "tcp again: exit status" 0 "$?"
check_grep "tcp again: the next free number" \
	"^Saved profile in $PPROF_TMPDIR/pprof.burn.samples.cpu.002.pb.gz\$" "$err"

# Over the Unix socket of a PID (the server names it <pid>.sock).
"$TRIAGE" pprof "$pid" >"$out" 2>"$err"
check "pid: exit status" 0 "$?"
check_grep "pid: fetched over the socket" \
	"from /debug/pprof/profile of process $pid \\(unix:$TRIAGE_SOCKET_DIR/$pid.sock\\)" "$err"
cmp -s "$fixture" "$PPROF_TMPDIR/pprof.burn.samples.cpu.003.pb.gz"
check "pid: the saved file is byte-identical" 0 "$?"
check_grep "pid: the report shows the hot function" 'main\.burnRecords' "$out"

"$TRIAGE" pprof -seconds 1 "$pid:/debug/pprof/heap" >"$out" 2>"$err"
check "pid:path: exit status" 0 "$?"
check_grep "pid:path: the server got the path" \
	'^request /debug/pprof/heap\?seconds=1 ' "$log"

# -o FILE saves there instead.
"$TRIAGE" pprof -o "$SCRATCH/mine.pb.gz" "$base" >"$out" 2>"$err"
check "-o: exit status" 0 "$?"
cmp -s "$fixture" "$SCRATCH/mine.pb.gz"
check "-o: the file is byte-identical" 0 "$?"
check "-o: nothing more in PPROF_TMPDIR" 4 "$(ls "$PPROF_TMPDIR" | wc -l)"

# A file source is read, not fetched, and not saved again.
"$TRIAGE" pprof -top "$fixture" >"$out" 2>"$err"
check "file: exit status" 0 "$?"
check "file: nothing said on stderr" "" "$(cat "$err")"
check_grep "file: the report shows the hot function" 'main\.burnRecords' "$out"

# Refusals show the server's reason and status.
"$TRIAGE" pprof "$base/debug/pprof/busy" >"$out" 2>"$err"
check "500: exit status" 1 "$?"
check "500: the server's reason" \
	"triage pprof: server said 500 Internal Server Error: Could not enable CPU profiling: cpu profiling already in use" \
	"$(tail -n 1 "$err")"
"$TRIAGE" pprof "$base/debug/pprof/nope" >"$out" 2>"$err"
check "404: the server's reason" \
	"triage pprof: server said 404 Not Found: Unknown profile" \
	"$(tail -n 1 "$err")"
"$TRIAGE" pprof "$base/debug/pprof/garbage" >"$out" 2>"$err"
check "not a profile: exit status" 1 "$?"
check_grep "not a profile: names the source" \
	"^triage pprof: $base/debug/pprof/garbage: " "$err"

# What cannot be reached says what to do.
"$TRIAGE" pprof "$SCRATCH/none.pb.gz" >"$out" 2>"$err"
check "missing file: exit status" 1 "$?"
check_grep "missing file: lists the forms" 'give a profile file, an http' "$err"
"$TRIAGE" pprof $$ >"$out" 2>"$err"
check "pid without agent: exit status" 1 "$?"
check_grep "pid without agent: says how to start one" \
	"process $$ has no agent socket at .*triage run" "$err"

# A token: refused without it, accepted with it.
start_server token --token s3cret
tlog=$SCRATCH/token.log
"$TRIAGE" pprof "127.0.0.1:$port" >"$out" 2>"$err"
check "no token: exit status" 1 "$?"
check_grep "no token: the reason and what to do" \
	'server said 401 Unauthorized: missing or wrong bearer token \(set TRIAGE_TOKEN' "$err"
TRIAGE_TOKEN=s3cret "$TRIAGE" pprof "127.0.0.1:$port" >"$out" 2>"$err"
check "token: exit status" 0 "$?"
check_grep "token: sent as a bearer token" ' auth=Bearer s3cret$' "$tlog"

# On a terminal, a countdown while the server records.
# (-top: with no report, a terminal gets the interactive shell.)
script -qec "$TRIAGE pprof -top -seconds 2 $base/debug/pprof/slow" /dev/null \
	>"$SCRATCH/tty" 2>&1 </dev/null
check "tty: exit status" 0 "$?"
check_grep "tty: a countdown is drawn" '\] [12] s left' "$SCRATCH/tty"

finish
