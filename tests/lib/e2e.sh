# e2e.sh - what the end-to-end tests share. Sourced, not run.
#
# Each test runs real processes in a scratch folder of its own, with its
# own socket folder, and kills what it started when it ends, however it
# ends. Waits are on conditions with deadlines, never bare sleeps.

set -euo pipefail

B=${TRIAGE_BUILD:?TRIAGE_BUILD is the build folder}
S=${TRIAGE_SOURCE:?TRIAGE_SOURCE is the source folder}
TRIAGE=$B/bin/triage
LIBTRIAGE=$B/lib/libtriage.so
PROGS=$B/tests

WORK=$(mktemp -d "${TMPDIR:-/tmp}/triage-e2e.XXXXXX")
export TRIAGE_SOCKET_DIR=$WORK/sock
export HOME=$WORK/home PPROF_TMPDIR=$WORK/pprof
mkdir -p "$HOME"
STARTED=()

cleanup() {
	local pid
	for pid in "${STARTED[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	echo "ok: $*"
}

# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
	local secs=$1
	shift
	local end=$((SECONDS + secs))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

# start_bg LOGFILE COMMAND...: starts COMMAND in the background; sets PID.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	PID=$!
	STARTED+=("$PID")
}

# agent_bg LOGFILE COMMAND...: start_bg with the agent preloaded into
# COMMAND only (not into the test's own curl or go).
agent_bg() {
	local log=$1
	shift
	start_bg "$log" env LD_PRELOAD="$LIBTRIAGE" "$@"
}

# sock_of PID: the agent's socket path for PID.
sock_of() {
	echo "$TRIAGE_SOCKET_DIR/$1.sock"
}

# wait_agent PID: waits until PID's agent socket exists.
wait_agent() {
	wait_for 10 test -S "$(sock_of "$1")" ||
		fail "no agent socket for pid $1"
}

# wait_http PID: waits until PID's agent answers over its socket.
wait_http() {
	wait_for 10 sh -c "curl -sf -o /dev/null --max-time 2 --unix-socket \
		'$(sock_of "$1")' http://agent/debug/pprof/cmdline" ||
		fail "agent of pid $1 does not answer"
}

# get PID PATH OUTFILE: an HTTP GET through the agent's socket; prints
# the status code.
get() {
	curl -s -o "$3" -w '%{http_code}' --max-time 120 \
		--unix-socket "$(sock_of "$1")" "http://agent$2"
}

# profile_shows PID SECONDS FILE FUNC: takes a CPU profile of PID into
# FILE and checks that go tool pprof finds FUNC in it.
profile_shows() {
	local code
	code=$(get "$1" "/debug/pprof/profile?seconds=$2" "$3")
	[ "$code" = 200 ] || fail "profile of pid $1: HTTP $code"
	gopprof -top "$3" | grep -q "$4" || fail "profile of pid $1 lacks $4"
}

# gopprof ARGS...: the independent reader.
gopprof() {
	go tool pprof "$@" 2>/dev/null
}

# flat_pct FILE FUNC: FUNC's flat% in go tool pprof -top (0 if absent).
flat_pct() {
	gopprof -top "$1" | awk -v f="$2" '
		$NF == f { sub("%", "", $2); print $2; found = 1; exit }
		END { if (!found) print 0 }'
}

# total_ns FILE: the "Total samples" of a CPU profile, in nanoseconds,
# as go tool pprof -raw reports the sum of the cpu values.
total_ns() {
	gopprof -raw "$1" | awk '
		/^Samples:/ { on = 1; next }
		/^Locations/ { on = 0 }
		on && $1 ~ /^[0-9]+$/ { v = $2; sub(":", "", v); t += v }
		END { printf "%.0f\n", t }'
}

# approx A B PCT: true when A is within PCT percent of B.
approx() {
	awk -v a="$1" -v b="$2" -v p="$3" \
		'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100) }'
}
