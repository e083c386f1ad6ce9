#!/usr/bin/env bash
# The contention profiles are off by default, as in Go: without
# TRIAGE_MUTEX_FRACTION and TRIAGE_BLOCK_RATE the profiles are valid and
# empty however much the program waits. Bad parameters get 400 with
# Go's error headers and a reason. Preloaded programs that lock and wait
# a lot, or hardly at all, or from a library's constructor before the
# agent's, run unchanged with the profiles off and on.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/contention_helpers.bash"

unset TRIAGE_MUTEX_FRACTION TRIAGE_BLOCK_RATE
agent_bg "$WORK/fight.log" "$FIGHT" 3 10
svc=$PID
wait_for 60 grep -qx done "$WORK/fight.log" ||
	fail "contention_fight did not finish: $(cat "$WORK/fight.log")"
wait_http "$svc"
for p in mutex block; do
	fetch "$svc" "/debug/pprof/$p" "$WORK/$p.pb.gz"
	gopprof -raw "$WORK/$p.pb.gz" | grep -q '^PeriodType: contentions count$' ||
		fail "$p: not a contention profile"
	n=$(nsamples "$WORK/$p.pb.gz")
	[ "$n" = 0 ] || fail "$p profile is off but has $n samples"
done
fetch "$svc" "/debug/pprof/mutex?debug=1" "$WORK/mutex.txt"
off_text=$(printf -- '--- mutex:\ncycles/second=1000000000\nsampling period=0')
[ "$(cat "$WORK/mutex.txt")" = "$off_text" ] ||
	fail "mutex text while off: $(cat "$WORK/mutex.txt")"
pass "off by default: valid, empty profiles although the program waited"

# Bad parameters: 400, X-Go-Pprof, one line saying what is wrong.
bad() {
	local q=$1 want=$2 code
	code=$(curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' \
		--unix-socket "$(sock_of "$svc")" "http://agent/debug/pprof/mutex?$q")
	[ "$code" = 400 ] || fail "?$q gave HTTP $code"
	grep -qi '^X-Go-Pprof: 1' "$WORK/h" || fail "?$q: no X-Go-Pprof header"
	grep -qi '^Content-Type: text/plain' "$WORK/h" || fail "?$q: not text"
	[ "$(cat "$WORK/b")" = "$want" ] || fail "?$q: body '$(cat "$WORK/b")', want '$want'"
}
for q in seconds=0 seconds=-1 seconds=abc seconds=5s seconds=3601 seconds= \
	'seconds=+2' 'seconds=1e3'; do
	bad "$q" 'invalid value for "seconds" - must be a positive integer not above 3600'
done
for q in debug=x debug=-1 debug=1.5 debug= 'debug=%201'; do
	bad "$q" 'invalid value for "debug" - must be a non-negative integer'
done
bad 'seconds=1&debug=1' 'seconds and debug params are incompatible'
code=$(get "$svc" "/debug/pprof/block?seconds=1&debug=0" "$WORK/d.pb.gz")
[ "$code" = 200 ] || fail "seconds=1&debug=0 gave HTTP $code"
pass "bad seconds and debug values give 400 with Go's headers and a reason"
kill "$svc"

# Programs that wait much or hardly at all, preloaded, off and on.
for on in 0 1; do
	export TRIAGE_MUTEX_FRACTION=$on TRIAGE_BLOCK_RATE=$on
	timeout 60 env LD_PRELOAD="$LIBTRIAGE" /bin/true ||
		fail "/bin/true failed under the agent (profiles $on)"
	out=$(echo hello | timeout 60 env LD_PRELOAD="$LIBTRIAGE" sh -c 'cat | tr a-z A-Z')
	[ "$out" = HELLO ] || fail "a pipeline under the agent said '$out'"
	timeout 120 env LD_PRELOAD="$LIBTRIAGE" "$PROGS/contention_cxx" 4 4 20000 \
		>"$WORK/cxx.out" 2>&1 ||
		fail "contention_cxx (profiles $on): $(cat "$WORK/cxx.out")"
	grep -q ' ok$' "$WORK/cxx.out" || fail "contention_cxx: $(cat "$WORK/cxx.out")"
done
	# A library that locks in its constructor, before or after ours.
	early=$PROGS/libcontention_early.so
	for pre in "$early $LIBTRIAGE" "$LIBTRIAGE $early"; do
		out=$(timeout 60 env LD_PRELOAD="$pre" /bin/true 2>&1) ||
			fail "/bin/true with $pre: $out"
		echo "$out" | grep -qx 'early: ok' ||
			fail "early locking under the agent: $out"
	done
unset TRIAGE_MUTEX_FRACTION TRIAGE_BLOCK_RATE
pass "/bin/true, a pipeline and a std::mutex work queue run unchanged, profiles off and on"
