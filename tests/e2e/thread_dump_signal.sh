#!/usr/bin/env bash
# The dump signal: a program that handles SIGRTMIN+3 itself gets a clear
# 500 naming TRIAGE_DUMP_SIGNAL, and dumps work once it names another
# real-time signal; a signal that is not a real-time one keeps the agent
# off, saying which variable is wrong.
. "$(dirname "$0")/../lib/e2e.sh"

agent_bg "$WORK/a.out" "$PROGS/threads_parked" 10 --own-rt 3
a=$PID
wait_for 30 grep -q '^ready$' "$WORK/a.out" || fail "program a not ready"
wait_http "$a"
code=$(get "$a" "/debug/pprof/threads?debug=1" "$WORK/a.txt")
[ "$code" = 500 ] || fail "dump with the signal taken: HTTP $code"
grep -q 'handles SIGRTMIN+3 itself; set TRIAGE_DUMP_SIGNAL' "$WORK/a.txt" ||
	fail "the 500 says: $(cat "$WORK/a.txt")"
pass "SIGRTMIN+3 taken by the program: 500 naming TRIAGE_DUMP_SIGNAL"

other=$(kill -l RTMIN+5)
agent_bg "$WORK/b.out" env TRIAGE_DUMP_SIGNAL="$other" \
	"$PROGS/threads_parked" 10 --own-rt 3
b=$PID
wait_for 30 grep -q '^ready$' "$WORK/b.out" || fail "program b not ready"
wait_http "$b"
code=$(get "$b" "/debug/pprof/threads?debug=1" "$WORK/b.txt")
[ "$code" = 200 ] || fail "dump with TRIAGE_DUMP_SIGNAL=$other: HTTP $code"
head -1 "$WORK/b.txt" | grep -x 'threads profile: total 11' >/dev/null ||
	fail "dump with TRIAGE_DUMP_SIGNAL=$other: $(head -1 "$WORK/b.txt")"
grep -B20 park_on_condvar "$WORK/b.txt" | grep '^7 @' >/dev/null ||
	fail "no group of 7 threads in park_on_condvar: $(cat "$WORK/b.txt")"
pass "TRIAGE_DUMP_SIGNAL=$other: the dump counts all 11 threads"

TRIAGE_DUMP_SIGNAL=12 LD_PRELOAD="$LIBTRIAGE" "$PROGS/threads_parked" 0 \
	>"$WORK/c.out" 2>&1 &
c=$!
STARTED+=("$c")
wait_for 10 grep -q 'TRIAGE_DUMP_SIGNAL is malformed; the agent is off' \
	"$WORK/c.out" || fail "TRIAGE_DUMP_SIGNAL=12 says: $(cat "$WORK/c.out")"
pass "TRIAGE_DUMP_SIGNAL=12 is refused"
