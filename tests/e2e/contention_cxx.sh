#!/usr/bin/env bash
# A C++ program on the standard library's locks (std::mutex,
# std::condition_variable with and without a timeout, std::shared_mutex,
# std::timed_mutex) runs unchanged with every contention event recorded,
# and its waits show in the profiles under the standard library's names:
# a std::mutex wait it timed itself, within 20%; the consumers' timed
# condition-variable waits in the block profile.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/contention_helpers.bash"

export TRIAGE_MUTEX_FRACTION=1 TRIAGE_BLOCK_RATE=1
agent_bg "$WORK/cxx.log" "$PROGS/contention_cxx" 4 4 100000 stay
svc=$PID
wait_for 120 grep -qx done "$WORK/cxx.log" ||
	fail "contention_cxx did not finish: $(cat "$WORK/cxx.log")"
grep -q ' ok$' "$WORK/cxx.log" || fail "wrong result: $(cat "$WORK/cxx.log")"
pass "the work queue's result is right: $(head -n1 "$WORK/cxx.log")"
wait_http "$svc"

fetch "$svc" /debug/pprof/mutex "$WORK/mutex.pb.gz"
fetch "$svc" /debug/pprof/block "$WORK/block.pb.gz"

want=$(truth "$WORK/cxx.log" gate_ns)
got=$(cum_delay "$WORK/mutex.pb.gz" wait_at_gate)
expect_near "wait_at_gate delay" "$got" "$want" 20
gopprof -top "$WORK/mutex.pb.gz" | grep -q 'std::mutex::lock' ||
	fail "std::mutex::lock is not in the mutex profile"
pass "a std::mutex wait: $got ns under std::mutex::lock; the program timed $want ns"

got=$(cum_delay "$WORK/block.pb.gz" consume)
[ "$got" -ge 100000000 ] || fail "consume waited only $got ns in the block profile"
gopprof -top "$WORK/block.pb.gz" >"$WORK/block.top"
grep -q 'std::condition_variable::wait_for' "$WORK/block.top" &&
	grep -q 'pthread_cond_clockwait$' "$WORK/block.top" ||
	fail "no timed condition-variable wait: $(cat "$WORK/block.top")"
pass "timed condition-variable waits: $got ns in consume," \
	"under std::condition_variable::wait_for"
