#!/usr/bin/env bash
# pprof_graph.sh - the call graph of `triage pprof -dot` and -svg:
#
# - for profiles without labels, every node and edge line of the DOT
#   text is the one `go tool pprof -dot` writes (same trimming to 80
#   nodes by entropy, same labels, sizes, colours, dotted residual edges,
#   redundant ones removed); the legend differs only by pprof's link;
# - Graphviz draws it: -svg writes an SVG naming the hot function, and
#   -output FILE puts it in FILE;
# - without Graphviz, -svg fails with a message saying what to install,
#   and -dot still works.
. "$(dirname "$0")/../lib/e2e.sh"
export TZ=UTC

command -v dot >/dev/null || fail "Graphviz is not installed (scripts/deps installs graphviz)"
data=$S/tests/data

# body FILE: the node and edge lines, sorted (pprof's label nodelets,
# which triage does not draw, left out).
body() {
	grep -E '^N[0-9]+ (\[|-> N[0-9]+ \[)' "$1" | sort
}

n=0
for prof in "$data/go-cpu.pb.gz" "$data/go-cpu-after.pb.gz"; do
	for opts in "" "-nodecount=10" "-nodecount=3" "-focus=sort" \
		"-sample_index=samples -nodecount=5" "-cum -nodecount=20" \
		"-hide=runtime"; do
		# shellcheck disable=SC2086
		go tool pprof -dot $opts "$prof" >"$WORK/go.dot" 2>/dev/null </dev/null
		# shellcheck disable=SC2086
		"$TRIAGE" pprof -dot $opts "$prof" >"$WORK/ours.dot" </dev/null ||
			fail "-dot $opts $prof failed"
		cmp -s <(body "$WORK/go.dot") <(body "$WORK/ours.dot") || {
			diff <(body "$WORK/go.dot") <(body "$WORK/ours.dot") | head
			fail "-dot $opts $(basename "$prof"): nodes or edges differ"
		}
		n=$((n + 1))
	done
done
pass "-dot draws the nodes and edges go tool pprof draws ($n graphs)"

dot -Tsvg "$WORK/ours.dot" >/dev/null || fail "dot rejects our DOT"
"$TRIAGE" pprof -svg "$data/go-cpu.pb.gz" >"$WORK/g.svg" </dev/null ||
	fail "-svg failed"
grep -q '<svg' "$WORK/g.svg" && grep -q 'countPrimes' "$WORK/g.svg" ||
	fail "-svg wrote no graph with the hot function: $(head -c 300 "$WORK/g.svg")"
"$TRIAGE" pprof -svg -output "$WORK/out.svg" "$data/go-cpu.pb.gz" \
	>"$WORK/stdout" 2>"$WORK/err" </dev/null || fail "-svg -output failed"
[ ! -s "$WORK/stdout" ] && grep -q '<svg' "$WORK/out.svg" &&
	grep -q "^Generating report in $WORK/out.svg\$" "$WORK/err" ||
	fail "-output: $(cat "$WORK/err")"
pass "-svg draws through Graphviz, to stdout or -output"

# Without Graphviz on the PATH: a clear message, and -dot still works.
mkdir "$WORK/bin"
ln -s "$(command -v go)" "$WORK/bin/go"
if PATH=$WORK/bin "$TRIAGE" pprof -svg "$data/go-cpu.pb.gz" \
	>/dev/null 2>"$WORK/err" </dev/null; then
	fail "-svg without Graphviz succeeded"
fi
grep -q "needs Graphviz's 'dot'.*apt-get install graphviz" "$WORK/err" ||
	fail "no clear message without Graphviz: $(cat "$WORK/err")"
PATH=$WORK/bin "$TRIAGE" pprof -dot "$data/go-cpu.pb.gz" >/dev/null </dev/null ||
	fail "-dot needs nothing but works not without Graphviz"
pass "without Graphviz, -svg says what to install and -dot still works"
