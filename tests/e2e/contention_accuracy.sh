#!/usr/bin/env bash
# The contention profiles against the program's own clock: threads wait
# for a mutex, an rwlock, a condition variable and a semaphore held for
# known times (contention_fight, every event recorded); go tool pprof
# must find each waiting function with a delay within 20% of what the
# program measured, under the hook that blocked. Then the same profiles
# as Go's debug=1 text, which go tool pprof must read to the same totals;
# the response headers; the index.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/contention_helpers.bash"

ROUNDS=10
export TRIAGE_MUTEX_FRACTION=1 TRIAGE_BLOCK_RATE=1
agent_bg "$WORK/fight.log" "$FIGHT" "$ROUNDS" 20
svc=$PID
wait_for 120 grep -qx done "$WORK/fight.log" ||
	fail "contention_fight did not finish: $(cat "$WORK/fight.log")"
wait_http "$svc"
unset TRIAGE_MUTEX_FRACTION TRIAGE_BLOCK_RATE

fetch "$svc" /debug/pprof/mutex "$WORK/mutex.pb.gz"
fetch "$svc" /debug/pprof/block "$WORK/block.pb.gz"

# Each waiting function: delay within 20% of the program's own sum, all
# of it charged to the hook the function called (the leaf).
check() {
	local file=$1 fn=$2 name=$3 leaf=$4 want got count
	want=$(truth "$WORK/fight.log" "$name")
	got=$(cum_delay "$file" "$fn")
	expect_near "$fn delay" "$got" "$want" 20
	[ "$(flat_delay "$file" "$leaf")" = "$got" ] ||
		fail "$leaf flat $(flat_delay "$file" "$leaf") != $fn cum $got"
	count=$(cum_count "$file" "$fn")
	[ "$count" -ge $((ROUNDS / 2)) ] && [ "$count" -le "$ROUNDS" ] ||
		fail "$fn: $count contentions in $ROUNDS rounds"
	pass "$fn: $got ns in $count waits under $leaf; the program measured $want ns"
}
check "$WORK/mutex.pb.gz" wait_for_lock mutex_ns pthread_mutex_lock
check "$WORK/mutex.pb.gz" wait_for_read rwlock_ns pthread_rwlock_rdlock
check "$WORK/block.pb.gz" wait_on_cond cond_ns pthread_cond_wait
check "$WORK/block.pb.gz" wait_on_sem sem_ns sem_wait

# The waits are in the right profile only.
[ "$(cum_delay "$WORK/mutex.pb.gz" wait_on_cond)" = 0 ] &&
	[ "$(cum_delay "$WORK/block.pb.gz" wait_for_lock)" = 0 ] ||
	fail "a wait is in the wrong profile"
gopprof -raw "$WORK/mutex.pb.gz" >"$WORK/mutex.raw"
grep -q '^PeriodType: contentions count$' "$WORK/mutex.raw" &&
	grep -q '^Period: 1$' "$WORK/mutex.raw" &&
	grep -q '^contentions/count delay/nanoseconds$' "$WORK/mutex.raw" ||
	fail "sample or period types: $(head -n 5 "$WORK/mutex.raw")"
pass "sample types contentions/count, delay/nanoseconds; period 1"

# Headers: proto as an attachment named for the profile; text as text.
curl -s -D "$WORK/h" -o /dev/null --unix-socket "$(sock_of "$svc")" \
	"http://agent/debug/pprof/mutex"
grep -qi '^Content-Type: application/octet-stream' "$WORK/h" &&
	grep -qi 'filename="mutex"' "$WORK/h" || fail "proto headers: $(cat "$WORK/h")"
curl -s -D "$WORK/h" -o "$WORK/mutex.txt" --unix-socket "$(sock_of "$svc")" \
	"http://agent/debug/pprof/mutex?debug=1"
grep -qi '^Content-Type: text/plain; charset=utf-8' "$WORK/h" ||
	fail "text headers: $(cat "$WORK/h")"
pass "headers of proto and text"

# debug=1: Go's legacy text, every frame listed.
fetch "$svc" "/debug/pprof/block?debug=2" "$WORK/block.txt"
sed -n 1,3p "$WORK/mutex.txt" | tr '\n' '|' | grep -qxF -e \
	'--- mutex:|cycles/second=1000000000|sampling period=1|' ||
	fail "mutex text header: $(head -n 3 "$WORK/mutex.txt")"
sed -n 1,2p "$WORK/block.txt" | tr '\n' '|' | grep -qxF -e \
	'--- contention:|cycles/second=1000000000|' ||
	fail "block text header: $(head -n 3 "$WORK/block.txt")"
grep -Eq '^[0-9]+ [0-9]+ @( 0x[0-9a-f]+)+$' "$WORK/mutex.txt" ||
	fail "no record line: $(cat "$WORK/mutex.txt")"
grep -Pq '^#\t0x[0-9a-f]+\tpthread_mutex_lock\+0x0\t\S+contention_lock_hooks\.c:\d+$' \
	"$WORK/mutex.txt" || fail "no hook frame line: $(cat "$WORK/mutex.txt")"
grep -Pq '^#\t0x[0-9a-f]+\twait_for_lock\t\S+contention_fight\.c:\d+$' \
	"$WORK/mutex.txt" || fail "no waiter frame line: $(cat "$WORK/mutex.txt")"
grep -Pq '^#\t0x[0-9a-f]+\tmain\t' "$WORK/block.txt" ||
	fail "frames stop short of main: $(cat "$WORK/block.txt")"
pass "debug=1 text: headers, records, every frame"

# go tool pprof reads the text (its legacy parser) to the proto's totals.
for p in mutex block; do
	for col in 1 2; do
		a=$(raw_total "$WORK/$p.pb.gz" $col)
		b=$(raw_total "$WORK/$p.txt" $col)
		[ "$a" = "$b" ] && [ "$a" -gt 0 ] ||
			fail "$p value $col: proto $a, text $b"
	done
done
pass "go tool pprof reads the text to the same totals as the proto"

fetch "$svc" /debug/pprof/ "$WORK/index.html"
grep -q "href='mutex?debug=1'" "$WORK/index.html" &&
	grep -q "href='block?debug=1'" "$WORK/index.html" ||
	fail "index lacks mutex or block"
pass "the index lists mutex and block"
