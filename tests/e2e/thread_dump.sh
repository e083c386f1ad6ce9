#!/usr/bin/env bash
# The thread dump of a process with 1,003 threads: 667 parked on a
# condition variable in park_on_condvar, 333 reading a pipe in
# park_in_read, the main thread in pause(), one thread that blocks
# every signal and one asleep uninterruptibly in vfork. Each form of the
# dump counts them all (debug=1's total, debug=2's entries, and debug=0
# as go tool pprof reads it); the two that cannot answer are reported
# with their state, and the dump still returns within its deadline.
# threadcreate shows the creating function, and bad parameters get 400.
. "$(dirname "$0")/../lib/e2e.sh"

agent_bg "$WORK/prog.out" "$PROGS/threads_parked" 1000 --masked --vfork 60
pid=$PID
wait_for 60 grep -q '^ready$' "$WORK/prog.out" ||
	fail "program not ready: $(tail -3 "$WORK/prog.out")"
child=$(sed -n 's/^vfork-child \([0-9]*\)$/\1/p' "$WORK/prog.out")
[ -n "$child" ] && STARTED+=("$child")
wait_http "$pid"
total=1003

# debug=2 first: the vfork thread has never been asked yet, so this dump
# waits its deadline for it, and no longer.
secs=$(curl -s -o "$WORK/dump.txt" -w '%{time_total}' --max-time 60 \
	--unix-socket "$(sock_of "$pid")" \
	"http://agent/debug/pprof/threads?debug=2&timeout_ms=500")
awk -v s="$secs" 'BEGIN { exit !(s >= 0.5 && s < 5) }' ||
	fail "the dump with a 500 ms deadline took $secs s"
n=$(grep -cE '^thread [0-9]+ \[.+, name ".*"\]:$' "$WORK/dump.txt")
[ "$n" = $total ] || fail "debug=2 lists $n threads, not $total"
n=$(grep -cE '^thread [0-9]+ \[sleeping, syscall futex, wchan [a-z_]+, name "parked-cond"\]:$' \
	"$WORK/dump.txt")
[ "$n" = 667 ] || fail "debug=2: $n parked-cond threads asleep in futex, not 667"
n=$(grep -cE '^thread [0-9]+ \[sleeping, syscall read, wchan [a-z_]+, name "parked-read"\]:$' \
	"$WORK/dump.txt")
[ "$n" = 333 ] || fail "debug=2: $n parked-read threads asleep in read, not 333"
n=$(grep -c '^park_on_condvar(\.\.\.)$' "$WORK/dump.txt")
[ "$n" = 667 ] || fail "debug=2: $n stacks in park_on_condvar, not 667"
grep -A1 -E '^thread [0-9]+ \[disk sleep, syscall vfork.*name "parked-vfork"\]:$' \
	"$WORK/dump.txt" | grep >/dev/null '^no stack: did not answer in 500 ms$' ||
	fail "the vfork thread: $(grep -A1 parked-vfork "$WORK/dump.txt")"
grep -A1 'name "parked-masked"' "$WORK/dump.txt" |
	grep >/dev/null '^no stack: blocks the dump signal$' ||
	fail "the masked thread: $(grep -A1 parked-masked "$WORK/dump.txt")"
grep -A30 'name "parked-cond"' "$WORK/dump.txt" | grep >/dev/null '^created by make_parked_threads$' ||
	fail "no 'created by make_parked_threads' under a parked thread"
pass "debug=2: $total threads with their states, in $secs s"

# debug=1: the groups, largest first, and the total.
code=$(get "$pid" "/debug/pprof/threads?debug=1" "$WORK/grouped.txt")
[ "$code" = 200 ] || fail "debug=1: HTTP $code"
head -1 "$WORK/grouped.txt" | grep -x >/dev/null "threads profile: total $total" ||
	fail "debug=1 header: $(head -1 "$WORK/grouped.txt")"
groups=$(awk '/^[0-9]+ @/ { n = $1 } /park_on_condvar|park_in_read/ && n {
	printf "%s%s", sep, n; sep = " "; n = 0 }' "$WORK/grouped.txt")
[ "$groups" = "667 333" ] || fail "debug=1 groups: '$groups', not '667 333'"
grep -qx '# 1 without a stack: blocks the dump signal \[sleeping, syscall futex, wchan [a-z_]*\]' \
	"$WORK/grouped.txt" || fail "debug=1 lacks the masked thread"
# The vfork thread has not taken the first dump's signal yet.
grep -q "^# 1 without a stack: has not taken an earlier dump's signal \[disk sleep, syscall vfork" \
	"$WORK/grouped.txt" || fail "debug=1 lacks the vfork thread"
pass "debug=1: total $total, groups $groups, the stackless reported"

# debug=0, read by go tool pprof.
code=$(get "$pid" "/debug/pprof/threads" "$WORK/threads.pb.gz")
[ "$code" = 200 ] || fail "debug=0: HTTP $code"
gopprof -top "$WORK/threads.pb.gz" >"$WORK/top.txt" || fail "go tool pprof cannot read it"
grep -q "of $total total" "$WORK/top.txt" || fail "pprof -top: $(sed -n 4p "$WORK/top.txt")"
cum() { awk -v f="$2" '$6 == f { print $4; exit }' "$1"; }
[ "$(cum "$WORK/top.txt" park_on_condvar)" = 667 ] ||
	fail "park_on_condvar cum $(cum "$WORK/top.txt" park_on_condvar), not 667"
[ "$(cum "$WORK/top.txt" park_in_read)" = 333 ] ||
	fail "park_in_read cum $(cum "$WORK/top.txt" park_in_read), not 333"
sum=$(gopprof -raw "$WORK/threads.pb.gz" | awk '/^Samples:/ { on = 1; next }
	/^Locations/ { on = 0 } on && $1 ~ /^[0-9]+:?$/ { sub(":", "", $1); t += $1 }
	END { print t }')
[ "$sum" = $total ] || fail "pprof -raw: samples add up to $sum, not $total"
gopprof -raw "$WORK/threads.pb.gz" | grep >/dev/null '^PeriodType: threads count$' ||
	fail "period type is not threads/count"
pass "debug=0: go tool pprof counts $sum threads"

# The same at Go's path, in Go's words.
code=$(get "$pid" "/debug/pprof/goroutine?debug=1" "$WORK/g1.txt")
head -1 "$WORK/g1.txt" | grep -x >/dev/null "goroutine profile: total $total" ||
	fail "goroutine?debug=1: HTTP $code, $(head -1 "$WORK/g1.txt")"
code=$(get "$pid" "/debug/pprof/goroutine" "$WORK/g0.pb.gz")
gopprof -raw "$WORK/g0.pb.gz" | grep >/dev/null '^PeriodType: goroutine count$' ||
	fail "goroutine: HTTP $code, not a goroutine/count profile"
pass "/goroutine answers in Go's words"

# threadcreate: every parked thread was made by make_parked_threads.
code=$(get "$pid" "/debug/pprof/threadcreate?debug=1" "$WORK/tc.txt")
[ "$code" = 200 ] || fail "threadcreate?debug=1: HTTP $code"
head -1 "$WORK/tc.txt" | grep -x >/dev/null 'threadcreate profile: total 1002' ||
	fail "threadcreate header: $(head -1 "$WORK/tc.txt")"
awk 'NR == 2 { ok = ($1 == 1000) } NR == 3 { ok = ok && /make_parked_threads/ }
	END { exit !ok }' "$WORK/tc.txt" ||
	fail "threadcreate's first record: $(sed -n 2,3p "$WORK/tc.txt")"
code=$(get "$pid" "/debug/pprof/threadcreate" "$WORK/tc.pb.gz")
gopprof -top "$WORK/tc.pb.gz" >"$WORK/tc.top"
[ "$(cum "$WORK/tc.top" make_parked_threads)" = 1002 ] ||
	fail "threadcreate: HTTP $code; $(cat "$WORK/tc.top")"
pass "threadcreate: 1002 threads created by make_parked_threads"

# Two dumps at once are served one after the other, both whole.
get "$pid" "/debug/pprof/threads?debug=1" "$WORK/c1.txt" >"$WORK/c1.code" &
get "$pid" "/debug/pprof/threads?debug=1" "$WORK/c2.txt" >"$WORK/c2.code"
wait $!
for c in c1 c2; do
	[ "$(cat "$WORK/$c.code")" = 200 ] &&
		head -1 "$WORK/$c.txt" | grep -x >/dev/null "threads profile: total $total" ||
		fail "concurrent dump $c: $(cat "$WORK/$c.code") $(head -1 "$WORK/$c.txt")"
done
pass "two concurrent dumps both whole"

# Bad parameters: 400 with the reason.
for q in debug=x debug=-1 debug=1.5 timeout_ms=0 timeout_ms=10001 \
	timeout_ms=abc seconds=5; do
	code=$(get "$pid" "/debug/pprof/threads?$q" "$WORK/bad.txt")
	[ "$code" = 400 ] || fail "threads?$q: HTTP $code, not 400"
	grep -q '"' "$WORK/bad.txt" || fail "threads?$q: body $(cat "$WORK/bad.txt")"
done
code=$(get "$pid" "/debug/pprof/threadcreate?debug=zz" "$WORK/bad.txt")
[ "$code" = 400 ] || fail "threadcreate?debug=zz: HTTP $code"
pass "bad parameters answer 400"

# The dumps did not disturb the host: its threads are still parked.
n=$(grep -l 'parked-cond\|parked-read' /proc/"$pid"/task/*/comm | wc -l)
[ "$n" = 1000 ] || fail "$n parked threads left, not 1000"
kill -0 "$pid" || fail "the program died"
pass "the program and its 1,000 parked threads live on"
