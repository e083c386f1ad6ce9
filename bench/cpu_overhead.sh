#!/usr/bin/env bash
# CPU profiler overhead: the same fixed workload with no profiler, with
# triage (--cpuprofile) and with gperftools' CPU profiler (libprofiler
# preloaded, CPUPROFILE), at the same rate, alternating runs; medians,
# overheads and the ratio triage/gperftools. Also how much CPU time each
# profile accounts for against the CPU time the workload really used.
# "timer" is the floor: the same per-thread perf event as triage's, at
# the same rate, with an empty handler (no profiler at all). "posix" is
# triage with TRIAGE_CPU_TIMER=posix: POSIX CPU timers, which fire at
# the kernel's tick, their overruns counted.
#
# usage: bench/cpu_overhead.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=${1:-build}
rounds=${2:-7}
W=$B/bench/cpu_workload
LIBPROF=$(ls /usr/lib/x86_64-linux-gnu/libprofiler.so* | head -n1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# run MODE HZ THREADS ITER: prints "work_ns cpu_ns sampled_ns"
run() {
	local mode=$1 hz=$2 th=$3 it=$4 out=$work/out prof=$work/prof
	rm -f "$prof"
	case $mode in
	none) "$W" "$th" "$it" >"$out" ;;
	timer) CPU_WORKLOAD_TIMER_HZ=$hz "$W" "$th" "$it" >"$out" ;;
	triage) "$B/bin/triage" run --hz "$hz" --cpuprofile "$prof" -- \
		"$W" "$th" "$it" >"$out" ;;
	posix) TRIAGE_CPU_TIMER=posix "$B/bin/triage" run --hz "$hz" \
		--cpuprofile "$prof" -- "$W" "$th" "$it" >"$out" 2>/dev/null ;;
	gperf) CPUPROFILE=$prof CPUPROFILE_FREQUENCY=$hz LD_PRELOAD=$LIBPROF \
		"$W" "$th" "$it" >"$out" 2>/dev/null ;;
	esac
	local wns cpu sampled=0
	wns=$(sed -n 's/^work_ns=//p' "$out")
	cpu=$(sed -n 's/^cpu_ns=//p' "$out")
	if [ -s "$prof" ]; then
		sampled=$(go tool pprof -raw "$prof" 2>/dev/null | awk '
			/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
			on && $1 ~ /^[0-9]+$/ { v = $2; sub(":", "", v); t += v }
			END { printf "%.0f", t }')
	fi
	echo "$wns $cpu $sampled"
}

iters=${ITERS:-1200000} # about 2 s of work a run
printf '%-8s %4s %7s %12s %9s %9s\n' config hz threads work_ms overhead sampled%
for hz in 100 1000; do
	for th in 1 2; do
		: >"$work/none" >"$work/timer" >"$work/triage" >"$work/posix" \
			>"$work/gperf"
		for r in $(seq "$rounds"); do
			for m in none timer triage posix gperf; do
				run "$m" "$hz" "$th" "$iters" >>"$work/$m"
			done
		done
		base=$(cut -d' ' -f1 "$work/none" | median)
		for m in none timer triage posix gperf; do
			w=$(cut -d' ' -f1 "$work/$m" | median)
			# Sampled share of the work's CPU time, per run, median.
			s=$(awk '$3 > 0 { printf "%.1f\n", 100 * $3 / $2 }' \
				"$work/$m" | median)
			printf '%-8s %4d %7d %12.1f %8.2f%% %9s\n' "$m" "$hz" \
				"$th" "$(echo "$w" | awk '{ print $1 / 1e6 }')" \
				"$(awk -v a="$w" -v b="$base" 'BEGIN { print 100 * (a - b) / b }')" \
				"${s:--}"
		done
		t=$(cut -d' ' -f1 "$work/triage" | median)
		g=$(cut -d' ' -f1 "$work/gperf" | median)
		awk -v t="$t" -v g="$g" -v b="$base" -v hz="$hz" -v th="$th" 'BEGIN {
			ot = t - b; og = g - b
			printf "  %d Hz, %d thread(s): triage/gperftools work time ratio %.4f", hz, th, t / g
			if (og > 0) printf ", overhead ratio %.2f", ot / og
			printf "\n" }'
	done
done
