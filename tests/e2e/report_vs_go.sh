#!/usr/bin/env bash
# report_vs_go.sh - `triage pprof`'s text reports against their oracle:
# for CPU and heap profiles written by Go (tests/data/go-*), profiles
# written by triage (tests/data/triage-cpu.pb.gz, and one recorded now
# from a live process through its agent), and pseudo-random profiles
# made by build/tests/random-profile (inlining, nameless frames,
# negative values, drop_frames...), `triage pprof REPORT OPTIONS FILE...`
# and `go tool pprof` with the same arguments must print the same text,
# byte for byte: -top with a range of -sample_index, -focus, -ignore,
# -hide, -show, -nodecount, -unit, -diff_base and -base choices, and
# -tree, -peek, -traces and -list. Both run with TZ=UTC so the Time:
# line is the same.
set -u

build=${TRIAGE_BUILD:?set TRIAGE_BUILD to the build folder}
src=${TRIAGE_SOURCE:?set TRIAGE_SOURCE to the source folder}
triage=$build/bin/triage
random=$build/tests/random-profile
data=$src/tests/data

if ! command -v go >/dev/null; then
	echo "report_vs_go: 'go' is not installed (scripts/deps installs golang-go)" >&2
	exit 1
fi
for f in "$triage" "$random"; do
	[ -x "$f" ] || { echo "report_vs_go: missing $f; build first" >&2; exit 1; }
done

work=$(mktemp -d)
started=
trap '[ -n "$started" ] && kill -KILL $started 2>/dev/null; rm -rf "$work"' EXIT
export TZ=UTC HOME=$work PPROF_TMPDIR=$work

passed=0 failed=0

# compare ARGS...: one report, both ways (stdin closed: no shell).
compare() {
	go tool pprof "$@" >"$work/go.txt" 2>"$work/go.err" </dev/null
	local go_rc=$?
	"$triage" pprof "$@" >"$work/ours.txt" 2>"$work/ours.err" </dev/null
	local our_rc=$?
	if [ $go_rc -ne 0 ] || [ $our_rc -ne 0 ]; then
		echo "FAIL $*: exit go=$go_rc ours=$our_rc"
		cat "$work/go.err" "$work/ours.err"
		failed=$((failed + 1))
	elif ! cmp -s "$work/go.txt" "$work/ours.txt" && ! same_tree "$@"; then
		echo "FAIL $*: output differs (< go, > ours)"
		diff "$work/go.txt" "$work/ours.txt" | head -20
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

# same_tree ARGS...: for -tree and -peek, whether the two outputs hold
# the same lines in an order that differs only where pprof's own is
# random: calls of equal magnitude and opposite sign, which its sort
# sees as equal and leaves in map order (two runs of go tool pprof
# differ there too).
same_tree() {
	case "$*" in *-tree* | *-peek*) ;; *) return 1 ;; esac
	cmp -s <(sort "$work/go.txt") <(sort "$work/ours.txt") || return 1
	# The lines out of place must be call lines ("value pct% | name"),
	# each value's magnitude moved as often on one side as the other.
	diff "$work/go.txt" "$work/ours.txt" | sed -n 's/^[<>] *\(-\{0,1\}\)\([0-9.]*[a-zA-Z]*\) .*|.*/\2/p' |
		sort | uniq -c | awk '$1 % 2 { bad = 1 } END { exit bad }'
}

# each FILE REPORT -- OPTION-SET...: compare for each option set.
each() {
	local file=$1 report=$2
	shift 3
	for opts in "$@"; do
		# shellcheck disable=SC2086
		compare $report $opts "$file"
	done
}

cpu=$data/go-cpu.pb.gz
each "$cpu" -top -- "" "-cum" "-nodecount=3" "-nodecount=10 -cum" \
	"-sample_index=samples" "-sample_index=0" "-sample_index=cpu" \
	"-focus=main.sortRecords" "-focus=sha256 -cum" "-ignore=runtime" \
	"-hide=runtime" "-show=main" "-focus=main -ignore=sort" \
	"-nodefraction=0" "-nodefraction=0.05" "-unit=ms" "-unit=s"
each "$cpu" -tree -- "" "-cum" "-nodecount=5" "-focus=sort" \
	"-hide=runtime" "-edgefraction=0.05"
each "$cpu" -traces -- "" "-focus=sha" "-hide=runtime" "-show=main"
each "$cpu" "" -- "-peek=sortRecords" "-peek=main -hide=runtime" \
	"-peek=hash -sample_index=samples"

heap=$data/go-heap.pb.gz
each "$heap" -top -- "" "-sample_index=alloc_objects" \
	"-sample_index=alloc_space" "-sample_index=inuse_objects" \
	"-sample_index=inuse_space" "-sample_index=1 -cum" "-cum" \
	"-nodecount=3" "-focus=allocLarge" "-ignore=allocSmall" \
	"-sample_index=alloc_space -focus=main" "-hide=runtime -nodefraction=0" \
	"-unit=MB" "-alloc_objects"
each "$heap" -tree -- "" "-sample_index=alloc_space"
each "$heap" -traces -- "" "-sample_index=alloc_objects"
each "$heap" "" -- "-peek=runtime -sample_index=alloc_space"

# Diffs: the "after" profiles against the Go profiles above as bases,
# and several sources merged.
after_cpu=$data/go-cpu-after.pb.gz
after_heap=$data/go-heap-after.pb.gz
each "$after_cpu" -top -- "-diff_base=$cpu" "-diff_base=$cpu -cum" \
	"-diff_base=$cpu -focus=sha" "-diff_base=$cpu -sample_index=samples" \
	"-diff_base=$cpu -nodecount=4" "-base=$cpu" "-base=$cpu -cum" \
	"$cpu"
each "$after_cpu" -traces -- "-diff_base=$cpu" "$cpu"
each "$after_heap" -top -- "-diff_base=$heap" \
	"-diff_base=$heap -sample_index=alloc_space" \
	"-diff_base=$heap -sample_index=inuse_objects -cum" "-base=$heap" \
	"$heap"
each "$after_heap" -traces -- "-diff_base=$heap"

# -list reads the sources the profiles name: Go's own under
# /usr/lib/go-1.19, and mkprofiles' main.go wherever it was built,
# found again through pprof's rule for search folders (the part of the
# path after the base name of a search folder).
mkdir -p "$work/wt-profile/tests/go" "$work/wt-pprof2/tests/go"
ln -s "$src/tests/go/mkprofiles" "$work/wt-profile/tests/go/mkprofiles"
ln -s "$src/tests/go/mkprofiles" "$work/wt-pprof2/tests/go/mkprofiles"
each "$cpu" "" -- "-list=main.countPrimes -source_path=$work/wt-profile" \
	"-list=sha256.block" "-list=main.hash -source_path=$work/wt-profile" \
	"-list=nosuchfunction_x|main.mix -source_path=$work/nowhere"
each "$after_cpu" "" -- "-list=main. -source_path=$work/wt-pprof2" \
	"-list=main.cpuWork -diff_base=$cpu -source_path=$work/wt-pprof2"
each "$heap" "" -- "-list=runtime.malg" "-list=main.alloc -source_path=$work/wt-profile"

# Profiles written by triage: the one in tests/data, and one recorded now
# from a process run under the agent, fetched by PID.
mine=$data/triage-cpu.pb.gz
each "$mine" -top -- "" "-cum" "-sample_index=samples" "-focus=beta" \
	"-hide=libc" "-nodecount=4"
each "$mine" "" -- "-tree" "-traces" "-peek=stage" "-list=stage"
mkdir -m 700 "$work/sock"
export TRIAGE_SOCKET_DIR=$work/sock
LD_PRELOAD=$build/lib/libtriage.so "$build/tests/cpu_shares" 30 \
	>"$work/svc.log" 2>&1 &
started=$!
for _ in $(seq 200); do
	[ -S "$work/sock/$started.sock" ] && break
	sleep 0.05
done
if "$triage" pprof -seconds 2 -o "$work/live.pb.gz" -top "$started" \
	>/dev/null 2>"$work/live.err" </dev/null; then
	each "$work/live.pb.gz" -top -- "" "-cum" "-focus=alpha" "-hide=stage"
	each "$work/live.pb.gz" "" -- "-tree" "-traces" "-peek=burn"
else
	echo "FAIL recording a live profile: $(cat "$work/live.err" "$work/svc.log")"
	failed=$((failed + 1))
fi
{ kill -KILL $started && wait $started; } 2>/dev/null
started=

for seed in $(seq 1 12); do
	"$random" "$seed" "$work/random.pb.gz" || { failed=$((failed + 1)); continue; }
	each "$work/random.pb.gz" -top -- "" "-cum" "-nodecount=5" \
		"-nodefraction=0" "-focus=parse" "-ignore=hash" "-hide=main" \
		"-show=hash|run" "-sample_index=0"
	each "$work/random.pb.gz" "" -- "-tree" "-traces" "-peek=parse" \
		"-tree -nodecount=6 -cum"
done

echo "report_vs_go: $passed passed, $failed failed"
[ $failed -eq 0 ]
