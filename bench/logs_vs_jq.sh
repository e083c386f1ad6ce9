#!/usr/bin/env bash
# logs_vs_jq.sh BUILD [ROUNDS] [BYTES]: `triage logs --json --trace ID`
# against jq, the tool people reach for to pick a trace's lines out of
# JSON logs (`jq -cR 'fromjson? | select(.trace == ID)'`: -R and fromjson?
# so that a line that is not JSON is skipped, not fatal), on one log
# written by tests/logs_gen (200 MB by default). jq only filters; triage
# also validates every line, merges by time and summarises the spans.
# Runs alternate, A B B A...; prints every run, the medians of wall time
# and peak RSS, the throughputs and the ratios, and checks that both
# found the same lines.
set -eu

B=${1:-build}
rounds=${2:-3}
bytes=${3:-200000000}
triage=$B/bin/triage
gen=$B/tests/logs_gen
trace=4bf92f3577b34da6a3ce929d0e0e4736
for f in "$triage" "$gen" /usr/bin/time; do
	[ -x "$f" ] || { echo "logs_vs_jq: missing $f" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "logs_vs_jq: missing jq" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/logs-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/svc.log
"$gen" "$bytes" "$trace" 10000 >"$log" 2>"$work/gen.txt"
size=$(stat -c %s "$log")
echo "log: $size bytes, $(cat "$work/gen.txt")"

# run NAME CMD...: one timed run; appends "seconds kilobytes" to NAME.
run() {
	local name=$1
	shift
	/usr/bin/time -o "$work/time" -f '%e %M' "$@" \
		>"$work/$name.out" 2>"$work/$name.err" </dev/null
	cat "$work/time" >>"$work/$name.runs"
	printf '  %-7s %6s s %8s KB\n' "$name" $(cat "$work/time")
}

for i in $(seq 1 "$rounds"); do
	if [ $((i % 2)) = 1 ]; then
		run triage "$triage" logs --json --trace "$trace" "$log"
		run jq jq -cR "fromjson? | select(.trace == \"$trace\")" "$log"
	else
		run jq jq -cR "fromjson? | select(.trace == \"$trace\")" "$log"
		run triage "$triage" logs --json --trace "$trace" "$log"
	fi
done

ours=$(grep -c '"@timestamp"' "$work/triage.out")
theirs=$(wc -l <"$work/jq.out")
[ "$ours" = "$theirs" ] || {
	echo "logs_vs_jq: triage found $ours lines, jq $theirs" >&2
	exit 1
}
echo "both found the trace's $ours lines"

# median COLUMN FILE
median() {
	cut -d' ' -f"$1" "$2" | sort -n | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
t_ours=$(median 1 "$work/triage.runs") t_jq=$(median 1 "$work/jq.runs")
m_ours=$(median 2 "$work/triage.runs") m_jq=$(median 2 "$work/jq.runs")
awk -v to="$t_ours" -v tj="$t_jq" -v mo="$m_ours" -v mj="$m_jq" -v b="$size" 'BEGIN {
	printf "median wall: triage %.2f s (%.0f MB/s), jq %.2f s (%.0f MB/s): triage %.1fx faster\n",
		to, b / 1e6 / to, tj, b / 1e6 / tj, tj / to
	printf "median peak RSS: triage %d KB, jq %d KB\n", mo, mj
}'
