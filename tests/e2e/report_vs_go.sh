#!/usr/bin/env bash
# report_vs_go.sh - the -top report against its oracle: for Go-written
# CPU and heap profiles (tests/data) and for pseudo-random profiles made
# by build/tests/random-profile (inlining, nameless frames, negative
# values, drop_frames...), with a range of options, triage's report-top
# and `go tool pprof -top` must print the same text, byte for byte:
# header, "Showing nodes"/"Dropped" lines and every row. Both run with
# TZ=UTC so the Time: line is the same.
set -u

build=${TRIAGE_BUILD:?set TRIAGE_BUILD to the build folder}
src=${TRIAGE_SOURCE:?set TRIAGE_SOURCE to the source folder}
ours=$build/tests/report-top
random=$build/tests/random-profile
data=$src/tests/data

if ! command -v go >/dev/null; then
	echo "report_vs_go: 'go' is not installed (scripts/deps installs golang-go)" >&2
	exit 1
fi
for f in "$ours" "$random"; do
	[ -x "$f" ] || { echo "report_vs_go: missing $f; build first" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC HOME=$work PPROF_TMPDIR=$work

passed=0 failed=0

# compare FILE [OPTIONS...]: one report, both ways.
compare() {
	local file=$1
	shift
	go tool pprof -top "$@" "$file" >"$work/go.txt" 2>"$work/go.err"
	local go_rc=$?
	"$ours" "$@" "$file" >"$work/ours.txt" 2>"$work/ours.err"
	local our_rc=$?
	if [ $go_rc -ne 0 ] || [ $our_rc -ne 0 ]; then
		echo "FAIL $(basename "$file") $*: exit go=$go_rc ours=$our_rc"
		cat "$work/go.err" "$work/ours.err"
		failed=$((failed + 1))
	elif ! cmp -s "$work/go.txt" "$work/ours.txt"; then
		echo "FAIL $(basename "$file") $*: output differs (< go, > ours)"
		diff "$work/go.txt" "$work/ours.txt" | head -20
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

cpu=$data/go-cpu.pb.gz
for opts in "" "-cum" "-nodecount=3" "-nodecount=10 -cum" \
	"-sample_index=samples" "-sample_index=0" "-sample_index=cpu" \
	"-focus=main.sortRecords" "-focus=sha256 -cum" "-ignore=runtime" \
	"-hide=runtime" "-show=main" "-focus=main -ignore=sort" \
	"-nodefraction=0" "-nodefraction=0.05"; do
	# shellcheck disable=SC2086
	compare "$cpu" $opts
done

heap=$data/go-heap.pb.gz
for opts in "" "-sample_index=alloc_objects" "-sample_index=alloc_space" \
	"-sample_index=inuse_objects" "-sample_index=inuse_space" \
	"-sample_index=1 -cum" "-cum" "-nodecount=3" "-focus=allocLarge" \
	"-ignore=allocSmall" "-sample_index=alloc_space -focus=main" \
	"-hide=runtime -nodefraction=0"; do
	# shellcheck disable=SC2086
	compare "$heap" $opts
done

for seed in $(seq 1 12); do
	"$random" "$seed" "$work/random.pb.gz" || { failed=$((failed + 1)); continue; }
	for opts in "" "-cum" "-nodecount=5" "-nodefraction=0" "-focus=parse" \
		"-ignore=hash" "-hide=main" "-show=hash|run" "-sample_index=0"; do
		# shellcheck disable=SC2086
		compare "$work/random.pb.gz" $opts
	done
done

echo "report_vs_go: $passed passed, $failed failed"
[ $failed -eq 0 ]
