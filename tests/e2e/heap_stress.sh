#!/usr/bin/env bash
# Stress: 8 threads allocating and freeing blocks of random sizes with
# every allocation call (a fifth of the frees on another thread) while
# heap and allocs profiles are fetched. At TRIAGE_HEAP_SAMPLE=1 the
# allocations the profile counts must equal those the program made, and
# once the program has freed everything, nothing it allocated may be in
# use: a lost free would stay in use, a free counted twice would go
# negative. The same over jemalloc at a sampled rate. RSS, read from
# /proc while it runs, must stay bounded and must not grow by round.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/heap.sh"

THREADS=8
OPS=${HEAP_STRESS_OPS:-300000}
ROUNDS=3
RSS_MAX_KB=$((512 * 1024))   # the program holds ~40 MB at most
GROWTH_MAX_KB=$((24 * 1024)) # per round, after round 1

# stress RATE PRELOAD_AFTER NAME: runs heap_stress, fetching profiles
# until it is done; checks counts, frees and RSS.
stress() {
	local rate=$1 extra=$2 name=$3 log=$WORK/$3.log n=0 rss max=0 code
	rm -f "$WORK/cmd"
	mkfifo "$WORK/cmd"
	start_bg "$log" env LD_PRELOAD="$LIBTRIAGE${extra:+ $extra}" \
		TRIAGE_HEAP_SAMPLE="$rate" \
		"$PROGS/heap_stress" $THREADS "$OPS" $ROUNDS "$WORK/cmd"
	local pid=$PID
	wait_agent "$pid"
	until grep -q '^done$' "$log"; do
		kill -0 "$pid" 2>/dev/null || fail "$name: heap_stress died: $(tail -n 5 "$log")"
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${rss:-0}" -gt "$max" ] && max=$rss
		case $((n % 3)) in
		0) code=$(get "$pid" /debug/pprof/heap "$WORK/$name.mid.pb.gz") ;;
		1) code=$(get "$pid" /debug/pprof/allocs "$WORK/$name.mid.pb.gz") ;;
		2) code=$(get "$pid" "/debug/pprof/heap?debug=1" "$WORK/$name.mid.txt") ;;
		esac
		[ "$code" = 200 ] || grep -q '^done$' "$log" || fail "$name: fetch $n: HTTP $code"
		if [ $((n % 3)) != 2 ] && [ "$code" = 200 ]; then
			neg=$(heap_negative "$WORK/$name.mid.pb.gz")
			[ "$neg" = 0 ] || fail "$name: $neg samples with negative values mid-run"
		fi
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || echo "note: $name finished after $n fetches"
	[ "$max" -le "$RSS_MAX_KB" ] || fail "$name: RSS reached $max kB"

	exec 3>"$WORK/cmd"
	fetch "$pid" /debug/pprof/heap "$WORK/$name.end.pb.gz"
	echo exit >&3
	exec 3>&-
	wait "$pid" || fail "$name: heap_stress exited with $?"

	# Rounds end with everything freed: RSS must not creep up.
	awk -v max=$GROWTH_MAX_KB '$1 == "round" { rss[$2] = $6; last = $2 }
		END { for (r = 3; r <= last; r++) if (rss[r] - rss[2] > max) {
			printf "round %d: %d kB, round 2: %d kB\n", r, rss[r], rss[2]; exit 1 } }' \
		"$log" || fail "$name: RSS grows by round: $(grep '^round' "$log")"

	made=$(awk '$1 == "round" { a = $4 } END { print a }' "$log")
	a=($(heap_cum "$WORK/$name.end.pb.gz" stress_alloc))
	g=($(heap_cum "$WORK/$name.end.pb.gz" stress_grow))
	[ "${a[2]}" = 0 ] && [ "${a[3]}" = 0 ] && [ "${g[2]}" = 0 ] && [ "${g[3]}" = 0 ] ||
		fail "$name: in use after every free: stress_alloc ${a[*]}, stress_grow ${g[*]}"
	[ "$(heap_negative "$WORK/$name.end.pb.gz")" = 0 ] || fail "$name: negative values"
	[ "${a[0]}" -gt 0 ] && [ "${g[0]}" -gt 0 ] || fail "$name: nothing sampled: ${a[*]} / ${g[*]}"
	if [ "$rate" = 1 ]; then
		[ $((a[0] + g[0])) = "$made" ] ||
			fail "$name: profile counts $((a[0] + g[0])) allocations, the program made $made"
	fi
	pass "$name: $made allocations, $n profiles fetched meanwhile, nothing in use at the end, peak RSS $max kB"
}

stress 1 "" every
stress 4096 "$JEMALLOC" jemalloc
