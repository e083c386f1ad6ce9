#!/usr/bin/env bash
# Threads that all burn CPU: every thread's samples are in the profile,
# and the sampled CPU time is within 5% of the CPU time the threads
# really used, at 100 Hz and at 1000 Hz (where timers on the thread CPU
# clock tick only at the kernel's HZ and would read a quarter).
. "$(dirname "$0")/../lib/e2e.sh"

threads=3
# perf events at 100 and 1000 Hz; POSIX CPU timers (the fallback, which
# tick at the kernel's HZ) at 1000 Hz, where their overruns must count.
for mode in perf:100 perf:1000 posix:1000; do
	timer=${mode%%:*} hz=${mode##*:}
	prof=$WORK/threads-$hz.pb.gz
	TRIAGE_CPU_TIMER=$timer "$TRIAGE" run --hz "$hz" --cpuprofile "$prof" -- \
		"$PROGS/cpu_threads" "$threads" 3 "$WORK/used-$hz" \
		2>"$WORK/err" || fail "cpu_threads failed: $(cat "$WORK/err")"
	real=$(sed -n 's/^cpu_ns=//p' "$WORK/used-$hz")
	sampled=$(total_ns "$prof")
	echo "$timer hz=$hz real=${real}ns sampled=${sampled}ns"
	approx "$sampled" "$real" 5 ||
		fail "$timer at $hz Hz sampled $sampled ns, real $real ns: off by more than 5%"
	pass "$timer $hz Hz: sampled CPU within 5% of real"

	# One thread_id label per worker carrying spin_worker samples.
	n=$(gopprof -tags -focus=spin_worker "$prof" |
		awk '/thread_id:/ { on = 1; next } on && /^ *$/ { on = 0 }
		     on && $0 ~ /%/ { n++ } END { print n + 0 }')
	[ "$n" -eq "$threads" ] ||
		fail "at $hz Hz, $n threads have spin_worker samples, want $threads"
	pass "$timer $hz Hz: all $threads threads sampled"
done
