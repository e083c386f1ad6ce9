#!/usr/bin/env bash
# Thread dump of a process with N parked threads (default 1,000): the
# agent's dump (curl over its socket, debug=2: every thread with state
# and symbolized stack; and debug=1, grouped) against the anchors on the
# same process, `gdb -batch -ex 'thread apply all bt'` and `eu-stack`,
# alternating, ROUNDS times; medians and the ratios anchor/triage. Each
# run's output is checked to hold every thread. The first dump of the
# process (it builds the symbolizer) is reported apart.
#
# usage: bench/thread_dump.sh BUILD_DIR [ROUNDS] [THREADS]
set -euo pipefail
B=${1:-build}
rounds=${2:-7}
threads=${3:-1000}
work=$(mktemp -d)
export TRIAGE_SOCKET_DIR=$work/sock
unset DEBUGINFOD_URLS
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

LD_PRELOAD=$B/lib/libtriage.so "$B/tests/threads_parked" "$threads" \
	>"$work/prog.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
	grep -q '^ready$' "$work/prog.out" && [ -S "$work/sock/$pid.sock" ] && break
	sleep 0.1
done
grep -q '^ready$' "$work/prog.out" || { echo "program not ready" >&2; exit 1; }
want=$((threads + 1)) # and the main thread

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s%N; }

# run NAME: one timed dump into $work/out; prints milliseconds.
run() {
	local t0 t1
	t0=$(now)
	case $1 in
	triage2) curl -s --unix-socket "$work/sock/$pid.sock" \
		'http://agent/debug/pprof/threads?debug=2' >"$work/out" ;;
	triage1) curl -s --unix-socket "$work/sock/$pid.sock" \
		'http://agent/debug/pprof/threads?debug=1' >"$work/out" ;;
	gdb) gdb -batch -nx -iex 'set debuginfod enabled off' -p "$pid" \
		-ex 'thread apply all bt' >"$work/out" 2>/dev/null ;;
	eu-stack) eu-stack -p "$pid" >"$work/out" 2>/dev/null ;;
	esac
	t1=$(now)
	echo $(((t1 - t0) / 1000000))
}

# check NAME: the last output holds every thread.
check() {
	local n
	case $1 in
	triage2) n=$(grep -c '^thread [0-9]* \[' "$work/out") ;;
	triage1) n=$(sed -n 's/^threads profile: total //p' "$work/out") ;;
	gdb) n=$(grep -c '^Thread [0-9]' "$work/out") ;;
	eu-stack) n=$(grep -c '^TID ' "$work/out") ;;
	esac
	[ "$n" -ge "$want" ] || {
		echo "$1 saw $n threads, not $want" >&2
		exit 1
	}
}

first=$(run triage2)
check triage2
echo "first dump of the process (symbolizer built): ${first} ms"
for r in $(seq "$rounds"); do
	for m in triage2 triage1 gdb eu-stack; do
		run "$m" >>"$work/$m.ms"
		check "$m"
	done
done
printf '%-10s %10s   (%d threads, %d rounds, alternating)\n' tool median_ms \
	"$want" "$rounds"
for m in triage2 triage1 gdb eu-stack; do
	printf '%-10s %10s\n' "$m" "$(median <"$work/$m.ms")"
done
t=$(median <"$work/triage2.ms")
g=$(median <"$work/gdb.ms")
e=$(median <"$work/eu-stack.ms")
awk -v t="$t" -v g="$g" -v e="$e" 'BEGIN {
	if (t < 1) t = 1
	printf "gdb/triage(debug=2) %.1fx, eu-stack/triage(debug=2) %.1fx\n",
		g / t, e / t }'
