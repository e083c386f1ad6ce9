#!/usr/bin/env bash
# The heap profile at TRIAGE_HEAP_SAMPLE=1, where every allocation is
# recorded: the bytes and blocks that heap_keep keeps at each function
# (malloc, calloc, realloc, the aligned allocators, C++ new in three
# forms, before main, in a thread) must be exact in the profile, as go
# tool pprof reads it; freed blocks must leave inuse and stay in alloc;
# a delta profile must show exactly what was freed during it. Then the
# same with jemalloc preloaded behind libtriage, and the text form.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/heap.sh"

N=200

# start_keep LOG [PRELOAD]: heap_keep with the agent (and PRELOAD after
# it); sets PID, waits for "ready", opens fd 3 on its command FIFO.
start_keep() {
	local log=$1 extra=${2:-}
	rm -f "$WORK/cmd"
	mkfifo "$WORK/cmd"
	start_bg "$log" env LD_PRELOAD="$LIBTRIAGE${extra:+ $extra}" \
		TRIAGE_HEAP_SAMPLE=1 HEAP_KEEP_N=$N "$PROGS/heap_keep" "$WORK/cmd"
	wait_for 20 grep -q '^ready$' "$log" || fail "heap_keep not ready: $(cat "$log")"
	exec 3>"$WORK/cmd"
	wait_http "$PID"
}

# check_kept LOG PROFILE: every "keep" line of LOG exact in inuse, every
# "alloc" line exact in alloc.
check_kept() {
	local what func blocks bytes v
	while read -r what func blocks bytes; do
		v=($(heap_leaf "$2" "$func"))
		case $what in
		keep)
			[ "${v[2]}" = "$blocks" ] && [ "${v[3]}" = "$bytes" ] ||
				fail "$func: inuse ${v[2]} blocks ${v[3]} bytes, kept $blocks blocks $bytes bytes"
			;;
		alloc)
			[ "${v[0]}" = "$blocks" ] && [ "${v[1]}" = "$bytes" ] ||
				fail "$func: alloc ${v[0]} blocks ${v[1]} bytes, allocated $blocks blocks $bytes bytes"
			;;
		esac
	done < <(grep -E '^(keep|alloc) ' "$1")
}

start_keep "$WORK/keep.log"
keep=$PID
fetch "$keep" /debug/pprof/heap "$WORK/heap.pb.gz"
check_kept "$WORK/keep.log" "$WORK/heap.pb.gz"
pass "rate 1: $(grep -c '^keep ' "$WORK/keep.log") functions exact in inuse_space and inuse_objects"

gopprof -sample_index=inuse_space -top "$WORK/heap.pb.gz" >"$WORK/top"
grep -q '^Type: inuse_space' "$WORK/top" || fail "heap's default type: $(head -n 5 "$WORK/top")"
top=$(awk '$1 ~ /kB|MB|B$/ && NF == 6 { print $6; exit }' "$WORK/top")
[ "$top" = keep_calloc ] || fail "top of inuse_space is $top, not keep_calloc: $(cat "$WORK/top")"
fetch "$keep" /debug/pprof/allocs "$WORK/allocs.pb.gz"
gopprof -top "$WORK/allocs.pb.gz" | grep -q '^Type: alloc_space' ||
	fail "allocs' default type is not alloc_space"
gopprof -raw "$WORK/heap.pb.gz" | grep -q '^PeriodType: space bytes' ||
	fail "period type is not space/bytes"
pass "go tool pprof -top: keep_calloc on top; heap is inuse_space, allocs alloc_space"

# A delta profile over 4 seconds, during which the program frees: the
# freed functions show exactly minus what they kept, nothing allocated.
# The frees are made a second after the request went out, well inside
# the window whatever the load.
curl -s -o "$WORK/delta.pb.gz" -D "$WORK/delta.h" -w '%{http_code}' --max-time 60 \
	--trace-ascii "$WORK/trace" --unix-socket "$(sock_of "$keep")" \
	"http://agent/debug/pprof/heap?seconds=4" >"$WORK/delta.code" &
getter=$!
wait_for 10 grep -q '^=> Send header' "$WORK/trace" || fail "delta request not sent"
sleep 1
echo free >&3
wait_for 10 grep -q '^freed$' "$WORK/keep.log" || fail "no 'freed'"
wait "$getter"
[ "$(cat "$WORK/delta.code")" = 200 ] || fail "delta: HTTP $(cat "$WORK/delta.code")"
grep -qi 'filename="heap-delta"' "$WORK/delta.h" || fail "delta filename: $(cat "$WORK/delta.h")"
for f in keep_freed keep_cxx_freed keep_realloc; do
	kept=$(awk -v f="$f" '$1 == "keep" && $2 == f { print $3, $4 }' "$WORK/keep.log")
	set -- $kept
	v=($(heap_leaf "$WORK/delta.pb.gz" "$f"))
	[ "${v[0]}" = 0 ] && [ "${v[2]}" = "-$1" ] && [ "${v[3]}" = "-$2" ] ||
		fail "delta of $f: ${v[*]}, expected 0 allocs and -$1 blocks -$2 bytes"
done
v=($(heap_leaf "$WORK/delta.pb.gz" keep_malloc))
[ "${v[*]}" = "0 0 0 0" ] || fail "delta of keep_malloc, untouched: ${v[*]}"
pass "delta profile (seconds=4): exactly the frees made during it"

fetch "$keep" /debug/pprof/heap "$WORK/after.pb.gz"
for f in keep_freed keep_cxx_freed keep_realloc; do
	v=($(heap_leaf "$WORK/after.pb.gz" "$f"))
	before=($(heap_leaf "$WORK/heap.pb.gz" "$f"))
	[ "${v[2]}" = 0 ] && [ "${v[3]}" = 0 ] || fail "$f still in use after free: ${v[*]}"
	[ "${v[0]}" = "${before[0]}" ] && [ "${v[1]}" = "${before[1]}" ] ||
		fail "$f: alloc changed by the free: ${before[*]} -> ${v[*]}"
done
v=($(heap_leaf "$WORK/after.pb.gz" keep_malloc))
[ "${v[3]}" = $((N * 8192)) ] || fail "keep_malloc after the frees: ${v[*]}"
pass "freed blocks leave inuse (free, sized delete, realloc'd), stay in alloc"

# The text form: Go's legacy heap format, which go tool pprof parses.
fetch "$keep" "/debug/pprof/heap?debug=1" "$WORK/heap.txt"
head -n1 "$WORK/heap.txt" | grep -Eq '^heap profile: [0-9]+: [0-9]+ \[[0-9]+: [0-9]+\] @ heap/2$' ||
	fail "text header: $(head -n1 "$WORK/heap.txt")"
grep -Eq "^$N: $((N * 8192)) \[$N: $((N * 8192))\] @( 0x[0-9a-f]+)+$" "$WORK/heap.txt" ||
	fail "no record line for keep_malloc's blocks"
grep -Eq $'^#\t0x[0-9a-f]+\tkeep_calloc(\\+0x[0-9a-f]+)?\t.*heap_keep.c:[0-9]+$' "$WORK/heap.txt" ||
	fail "no frame line for keep_calloc: $(grep keep_calloc "$WORK/heap.txt")"
grep -q '^# SampleRate = 1$' "$WORK/heap.txt" || fail "no SampleRate comment"
v=$(gopprof -raw "$WORK/heap.txt" | awk '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
	on && $1 ~ /^[0-9]+$/ { v = $4; sub(":", "", v); t += v } END { print t + 0 }')
total=$(head -n1 "$WORK/heap.txt" | sed 's/^heap profile: [0-9]*: \([0-9]*\) .*/\1/')
[ "$v" = "$total" ] || fail "go tool pprof reads $v bytes in use from the text, its header says $total"
code=$(curl -s -D "$WORK/h" -o /dev/null -w '%{http_code}' --unix-socket "$(sock_of "$keep")" \
	"http://agent/debug/pprof/allocs?debug=1")
[ "$code" = 200 ] && grep -qi '^Content-Type: text/plain; charset=utf-8' "$WORK/h" ||
	fail "allocs?debug=1: $code $(cat "$WORK/h")"
pass "debug=1: Go's text format, read back by go tool pprof ($v bytes)"

fetch "$keep" /debug/pprof/ "$WORK/index.html"
grep -q "href='heap?debug=1'" "$WORK/index.html" && grep -q "href='allocs?debug=1'" "$WORK/index.html" ||
	fail "index lacks heap or allocs"
live=$(sed -n "s|.*<tr><td>\([0-9]*\)</td><td><a href='heap?debug=1'>.*|\1|p" "$WORK/index.html")
[ -n "$live" ] && [ "$live" -ge $((13 * N)) ] || fail "index count of live sampled blocks: '$live'"
pass "index lists heap and allocs, with $live live sampled blocks"
echo exit >&3
exec 3>&-
wait "$keep" || fail "heap_keep exited with $?"

# over NAME LIBRARY: the same, with another allocator behind libtriage
# (its malloc and its C++ operators are its own).
over() {
	local name=$1 lib=$2
	start_keep "$WORK/$name.log" "$lib"
	grep -q "$(basename "$lib")" "/proc/$PID/maps" || fail "$name not loaded"
	fetch "$PID" /debug/pprof/heap "$WORK/$name.pb.gz"
	check_kept "$WORK/$name.log" "$WORK/$name.pb.gz"
	echo free >&3
	wait_for 10 grep -q '^freed$' "$WORK/$name.log" || fail "no 'freed' under $name"
	fetch "$PID" /debug/pprof/heap "$WORK/$name.2.pb.gz"
	for f in keep_freed keep_cxx_freed keep_realloc; do
		v=($(heap_leaf "$WORK/$name.2.pb.gz" "$f"))
		[ "${v[3]}" = 0 ] || fail "under $name, $f still in use after free: ${v[*]}"
	done
	echo exit >&3
	exec 3>&-
	wait "$PID" || fail "heap_keep over $name exited with $?"
	pass "over $name: the same exact figures, frees seen"
}
over jemalloc "$JEMALLOC"
over tcmalloc "$TCMALLOC"

# jemalloc preloaded before libtriage takes malloc: the agent says so.
rm -f "$WORK/cmd"
mkfifo "$WORK/cmd"
start_bg "$WORK/first.log" env LD_PRELOAD="$JEMALLOC $LIBTRIAGE" \
	HEAP_KEEP_N=1 "$PROGS/heap_keep" "$WORK/cmd"
wait_for 20 grep -q '^ready$' "$WORK/first.log" || fail "heap_keep not ready"
exec 3>"$WORK/cmd"
grep -q 'heap profiles will be empty: malloc is .*libjemalloc.*put libtriage.so first' \
	"$WORK/first.log" || fail "no warning: $(cat "$WORK/first.log")"
fetch "$PID" /debug/pprof/heap "$WORK/first.pb.gz"
gopprof -raw "$WORK/first.pb.gz" >/dev/null || fail "unreadable profile"
echo exit >&3
exec 3>&-
pass "allocator preloaded first: a warning naming it"
