#!/usr/bin/env bash
# Profiling processes that fork, exec, and churn through 10,000 short
# threads: nothing crashes or hangs, the forked child serves its own
# socket, and the exec'd program serves again on the same pid.
. "$(dirname "$0")/../lib/e2e.sh"

# fork: the child gets its own socket, and its profile is its own work.
agent_bg "$WORK/fork.log" "$PROGS/lifecycle" fork 6
parent=$PID
wait_for 10 grep -q '^child=' "$WORK/fork.log" || fail "no child started"
child=$(sed -n 's/^child=//p' "$WORK/fork.log")
STARTED+=("$child")
wait_agent "$parent"
wait_agent "$child"
profile_shows "$child" 2 "$WORK/child.pb.gz" child_work
gopprof -top "$WORK/child.pb.gz" | grep -q parent_work &&
	fail "child profile shows parent_work"
pass "forked child serves its own profile"
profile_shows "$parent" 1 "$WORK/parent.pb.gz" parent_work
pass "parent still serves its own profile"
wait "$parent" || fail "fork program exited non-zero"

# 10,000 short threads created and joined during a profile.
agent_bg "$WORK/threads.log" "$PROGS/lifecycle" threads 10000
wait_agent "$PID"
code=$(get "$PID" "/debug/pprof/profile?seconds=1" "$WORK/thr.pb.gz") ||
	true
wait "$PID" || fail "thread churn program failed: $(cat "$WORK/threads.log")"
grep -q 'threads=10000' "$WORK/threads.log" || fail "not all threads ran"
# The program may finish before the second is up; a profile or a
# dropped connection are both fine, a crash or hang is not.
if [ "$code" = 200 ]; then
	gopprof -top "$WORK/thr.pb.gz" >/dev/null || fail "bad profile"
fi
pass "10,000 short threads under the profiler (HTTP $code)"

# exec during a profile: the new image serves on the same pid.
agent_bg "$WORK/exec.log" "$PROGS/lifecycle" exec 5
pid=$PID
wait_agent "$pid"
code=$(get "$pid" "/debug/pprof/profile?seconds=2" "$WORK/pre.pb.gz") || true
echo "profile across exec: HTTP $code"
wait_for 10 sh -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q burn" ||
	fail "program did not exec"
wait_http "$pid"
profile_shows "$pid" 1 "$WORK/post.pb.gz" after_exec_work
pass "exec'd program serves again on pid $pid"
wait "$pid" || fail "exec program failed"

# A SIGPROF pending at exec is dropped, not left to kill the new image.
agent_bg "$WORK/pending.log" "$PROGS/lifecycle" pending 20
pid=$PID
wait_agent "$pid"
get "$pid" "/debug/pprof/profile?seconds=1" "$WORK/pend.pb.gz" >/dev/null ||
	true
wait "$pid" || fail "exec with a SIGPROF pending: status $? ($(cat "$WORK/pending.log"))"
grep -q survived "$WORK/pending.log" || fail "the exec'd image did not run"
pass "a SIGPROF pending at exec is dropped"
