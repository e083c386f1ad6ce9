#!/usr/bin/env bash
# The heap profile at a sampled rate: each function's kept bytes, as go
# tool pprof reads them, within 10% of what heap_keep kept, wherever it
# kept enough for 10% to be more than three standard errors of the
# sampling. Then the endpoint's answers to bad parameters.
#
# Why three standard errors, worked out: with a mean interval of R
# bytes, each block of S bytes is sampled independently with
# probability p = 1 - exp(-S/R) (a Poisson process over bytes). Of N
# blocks kept, k ~ Binomial(N, p) are sampled, and the profile reports
# k * S / p bytes (Go's scaling), an unbiased estimate of N * S with
# variance N p (1-p) (S/p)^2, i.e. a relative standard error of
# sqrt((1-p) / (N p)). The 10% bound is asserted only where
# 0.10 >= 3 * that; N is chosen so that every function qualifies with
# room to spare (10% is about 5 standard errors at 8 KiB blocks), which
# keeps the chance of a false failure near 1e-6 per function.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/heap.sh"

R=8192
N=1400

mkfifo "$WORK/cmd"
agent_bg "$WORK/keep.log" env TRIAGE_HEAP_SAMPLE=$R HEAP_KEEP_N=$N \
	"$PROGS/heap_keep" "$WORK/cmd"
keep=$PID
wait_for 30 grep -q '^ready$' "$WORK/keep.log" || fail "heap_keep not ready: $(cat "$WORK/keep.log")"
exec 3>"$WORK/cmd"
wait_http "$keep"
fetch "$keep" /debug/pprof/heap "$WORK/heap.pb.gz"
gopprof -raw "$WORK/heap.pb.gz" | grep -q "^Period: $R$" || fail "period is not $R"

checked=0
while read -r what func blocks bytes; do
	[ "$what" = keep ] || continue
	v=($(heap_leaf "$WORK/heap.pb.gz" "$func"))
	verdict=$(awk -v n="$blocks" -v total="$bytes" -v est="${v[3]}" -v r=$R '
		BEGIN {
			s = total / n; p = 1 - exp(-s / r)
			se = sqrt((1 - p) / (n * p))
			err = (est - total) / total
			if (0.10 < 3 * se) { printf "skip %.4f", se; exit }
			printf "%s %.4f %.4f", (err <= 0.10 && err >= -0.10) ? "ok" : "bad", err, se
		}')
	set -- $verdict
	case $1 in
	ok)
		checked=$((checked + 1))
		echo "$func: ${v[3]} of $bytes bytes, off by $2 (SE $3)"
		;;
	skip) echo "note: $func keeps too little for a 10% check (SE $2)" ;;
	*) fail "$func: estimated ${v[3]} bytes, kept $bytes: off by $2 (standard error $3)" ;;
	esac
done <"$WORK/keep.log"
[ "$checked" -ge 12 ] || fail "only $checked functions qualified for the 10% check"
pass "rate $R: $checked functions within 10% of their kept bytes (10% >= 3 standard errors)"

# Parameters: Go's errors, and 400s where Go would silently use 0.
bad() { # QUERY TEXT
	local code
	code=$(curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' \
		--unix-socket "$(sock_of "$keep")" "http://agent/debug/pprof/heap?$1")
	[ "$code" = 400 ] || fail "?$1 gave HTTP $code"
	grep -qi '^X-Go-Pprof: 1' "$WORK/h" || fail "?$1: no X-Go-Pprof header"
	grep -q "$2" "$WORK/b" || fail "?$1: body $(cat "$WORK/b")"
}
for q in debug=-1 debug=x debug= debug=1.5 gc=x gc=-1 gc=; do
	bad "$q" "invalid value for \"${q%%=*}\" - must be a non-negative integer"
done
for q in seconds=0 seconds=-1 seconds=x seconds=5s seconds=3601 seconds=; do
	bad "$q" 'invalid value for "seconds" - must be a positive integer'
done
bad "seconds=1&debug=1" 'seconds and debug params are incompatible'
for q in gc=1 debug=0 debug=2; do
	code=$(get "$keep" "/debug/pprof/heap?$q" "$WORK/ok")
	[ "$code" = 200 ] || fail "?$q gave HTTP $code"
done
head -n1 "$WORK/ok" | grep -q '^heap profile: ' || fail "debug=2: $(head -n1 "$WORK/ok")"
pass "bad debug, gc and seconds values: 400 with a reason; gc=1 accepted"
echo exit >&3
exec 3>&-
wait "$keep" || fail "heap_keep exited with $?"

# TRIAGE_HEAP_SAMPLE=0: nothing sampled, and the profile says so.
rm -f "$WORK/cmd"
mkfifo "$WORK/cmd"
agent_bg "$WORK/off.log" env TRIAGE_HEAP_SAMPLE=0 HEAP_KEEP_N=$N \
	"$PROGS/heap_keep" "$WORK/cmd"
off=$PID
wait_for 30 grep -q '^ready$' "$WORK/off.log" || fail "heap_keep not ready: $(cat "$WORK/off.log")"
exec 3>"$WORK/cmd"
wait_http "$off"
fetch "$off" /debug/pprof/heap "$WORK/off.pb.gz"
n=$(heap_values "$WORK/off.pb.gz" | wc -l)
[ "$n" = 0 ] || fail "TRIAGE_HEAP_SAMPLE=0: $n samples: $(heap_values "$WORK/off.pb.gz" | head -n 3)"
gopprof -raw "$WORK/off.pb.gz" | grep -q 'heap profiling is off' ||
	fail "TRIAGE_HEAP_SAMPLE=0: no comment saying profiling is off"
fetch "$off" "/debug/pprof/heap?debug=1" "$WORK/off.txt"
head -n1 "$WORK/off.txt" | grep -q '^heap profile: 0: 0 \[0: 0\] @ heap/' ||
	fail "TRIAGE_HEAP_SAMPLE=0, text: $(head -n1 "$WORK/off.txt")"
echo exit >&3
exec 3>&-
wait "$off" || fail "heap_keep exited with $?"
pass "TRIAGE_HEAP_SAMPLE=0: an empty profile that says profiling is off"
