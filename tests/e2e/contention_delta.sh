#!/usr/bin/env bash
# Delta profiles (?seconds=N): what happened during the N seconds, not
# since the start. A quiet second gives an empty delta while the
# cumulative profile is full; a stream of waits gives a delta whose delay
# matches the waits the program timed inside the profile's window (from
# its time_nanos back over its duration). A forked child starts with
# empty profiles of its own.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/contention_helpers.bash"

export TRIAGE_MUTEX_FRACTION=1
agent_bg "$WORK/quiet.log" "$FIGHT" 5 10 fork
quiet=$PID
wait_for 60 grep -q '^child=' "$WORK/quiet.log" ||
	fail "contention_fight did not fork: $(cat "$WORK/quiet.log")"
child=$(sed -n 's/^child=//p' "$WORK/quiet.log")
STARTED+=("$child")
wait_http "$quiet"

fetch "$quiet" /debug/pprof/mutex "$WORK/all.pb.gz"
[ "$(nsamples "$WORK/all.pb.gz")" -gt 0 ] || fail "no samples in the cumulative profile"
code=$(curl -s -D "$WORK/h" -o "$WORK/quiet.pb.gz" -w '%{http_code}' \
	--unix-socket "$(sock_of "$quiet")" "http://agent/debug/pprof/mutex?seconds=1")
[ "$code" = 200 ] || fail "delta: HTTP $code"
grep -qi 'filename="mutex-delta"' "$WORK/h" || fail "delta headers: $(cat "$WORK/h")"
n=$(nsamples "$WORK/quiet.pb.gz")
[ "$n" = 0 ] || fail "a quiet second's delta has $n samples"
gopprof -raw "$WORK/quiet.pb.gz" | grep -q '^Duration: 1\.0' ||
	fail "delta duration: $(gopprof -raw "$WORK/quiet.pb.gz" | head -n 5)"
pass "a quiet second's delta is empty (filename mutex-delta, duration 1s)"

# The child has its own agent, and nothing of the parent's waits.
wait_http "$child"
fetch "$child" /debug/pprof/mutex "$WORK/child.pb.gz"
n=$(nsamples "$WORK/child.pb.gz")
[ "$n" = 0 ] || fail "the forked child's profile has $n samples of its parent's"
pass "a forked child starts with an empty profile"
kill "$quiet" "$child"

# A stream of rounds, each 20 ms of waiting, one log line each.
agent_bg "$WORK/stream.log" "$FIGHT" 5 20 stream
svc=$PID
wait_for 60 grep -q '^round ' "$WORK/stream.log" ||
	fail "no rounds: $(cat "$WORK/stream.log")"
wait_http "$svc"
fetch "$svc" "/debug/pprof/mutex?seconds=3" "$WORK/delta.pb.gz"
fetch "$svc" /debug/pprof/mutex "$WORK/after.pb.gz"

# The window ends at the profile's time and lasts its 3 seconds; the
# rounds that ended in it are the ones the delta holds.
t1=$(gopprof -raw "$WORK/delta.pb.gz" | sed -n 's/^Time: \(.*\) UTC$/\1/p')
end=$(date -d "$t1" +%s%N) || fail "cannot read the profile's time '$t1'"
want=$(awk -v end="$end" '
	$1 == "round" && $2 > end - 3e9 && $2 <= end { t += $3 }
	END { printf "%.0f\n", t }' "$WORK/stream.log")
[ "$want" -gt 1000000000 ] || fail "only $want ns of waits in the window"
got=$(cum_delay "$WORK/delta.pb.gz" wait_for_lock)
expect_near "delta of wait_for_lock" "$got" "$want" 20
all=$(cum_delay "$WORK/after.pb.gz" wait_for_lock)
[ "$all" -gt "$got" ] || fail "cumulative $all ns is not above the delta's $got ns"
pass "a 3 s delta holds $got ns of waits; the program timed $want ns" \
	"in that window (cumulative: $all ns)"
