#!/usr/bin/env bash
# Threads that all burn CPU: every thread's samples are in the profile,
# and the sampled CPU time is within 5% of the CPU time the threads
# really used, at 100 Hz and at 1000 Hz (where timers on the thread CPU
# clock tick only at the kernel's HZ and would read a quarter).
. "$(dirname "$0")/../lib/e2e.sh"

threads=3
for hz in 100 1000; do
	prof=$WORK/threads-$hz.pb.gz
	"$TRIAGE" run --hz "$hz" --cpuprofile "$prof" -- \
		"$PROGS/cpu_threads" "$threads" 3 "$WORK/used-$hz" \
		2>"$WORK/err" || fail "cpu_threads failed: $(cat "$WORK/err")"
	real=$(sed -n 's/^cpu_ns=//p' "$WORK/used-$hz")
	sampled=$(total_ns "$prof")
	echo "hz=$hz real=${real}ns sampled=${sampled}ns"
	approx "$sampled" "$real" 5 ||
		fail "at $hz Hz sampled $sampled ns, real $real ns: off by more than 5%"
	pass "$hz Hz: sampled CPU within 5% of real"

	# One thread_id label per worker carrying spin_worker samples.
	n=$(gopprof -tags -focus=spin_worker "$prof" |
		awk '/thread_id:/ { on = 1; next } on && /^ *$/ { on = 0 }
		     on && $0 ~ /%/ { n++ } END { print n + 0 }')
	[ "$n" -eq "$threads" ] ||
		fail "at $hz Hz, $n threads have spin_worker samples, want $threads"
	pass "$hz Hz: all $threads threads sampled"
done
