#!/usr/bin/env bash
# pprof_vs_go.sh BUILD [ROUNDS]: `triage pprof -top` against `go tool
# pprof -top` (its pprof binary, run directly, so the go command's own
# start is not counted against it) on one large profile written by
# bench/pprof_gen (1,000,000 samples over 40,000 distinct stacks, deep
# C++ stacks, thread labels). Runs alternate, A then B then B then A...;
# prints every run, the medians of wall time and peak RSS, and the
# ratios, and checks that both printed the same report. Targets: at
# least 3x faster, at most a third of the peak memory.
set -eu

B=${1:-build}
rounds=${2:-5}
triage=$B/bin/triage
gen=$B/bench/pprof_gen
gopprof=$(go env GOTOOLDIR)/pprof
for f in "$triage" "$gen" "$gopprof" /usr/bin/time; do
	[ -x "$f" ] || { echo "pprof_vs_go: missing $f" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pprof-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TZ=UTC HOME=$work PPROF_TMPDIR=$work
prof=$work/big.pb.gz
"$gen" "$prof" 1000000 40000 1 >"$work/gen.txt"
echo "profile: $(cat "$work/gen.txt"), $(stat -c %s "$prof") bytes gzipped"

# run NAME CMD...: one timed run; appends "seconds kilobytes" to NAME.
run() {
	local name=$1
	shift
	/usr/bin/time -o "$work/time" -f '%e %M' "$@" -top "$prof" \
		>"$work/$name.out" 2>"$work/$name.err" </dev/null
	cat "$work/time" >>"$work/$name.runs"
	printf '  %-7s %6s s %8s KB\n' "$name" $(cat "$work/time")
}

for i in $(seq 1 "$rounds"); do
	if [ $((i % 2)) = 1 ]; then
		run triage "$triage" pprof
		run go "$gopprof"
	else
		run go "$gopprof"
		run triage "$triage" pprof
	fi
done

cmp -s "$work/triage.out" "$work/go.out" || {
	echo "pprof_vs_go: the reports differ:" >&2
	diff "$work/go.out" "$work/triage.out" | head >&2
	exit 1
}
echo "both printed the same report ($(wc -l <"$work/go.out") lines)"

# median COLUMN FILE
median() {
	cut -d' ' -f"$1" "$2" | sort -n | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
t_ours=$(median 1 "$work/triage.runs") t_go=$(median 1 "$work/go.runs")
m_ours=$(median 2 "$work/triage.runs") m_go=$(median 2 "$work/go.runs")
awk -v to="$t_ours" -v tg="$t_go" -v mo="$m_ours" -v mg="$m_go" 'BEGIN {
	printf "median wall time: triage %.2f s, go tool pprof %.2f s: %.2fx faster (target >= 3x)\n",
		to, tg, tg / to
	printf "median peak RSS: triage %.0f MB, go tool pprof %.0f MB: %.2f of it (target <= 0.33)\n",
		mo / 1024, mg / 1024, mo / mg
}'
