#!/usr/bin/env bash
# pprof_shell.sh - the interactive shell of `triage pprof`, driven
# through a pseudo-terminal (build/tests/pty_drive) as a person types:
#
# - each report command prints what the flag of the same name prints
#   (without the profile's header lines, which the shell shows once on
#   entry, as pprof's shell does), settings (sample_index=, focus=,
#   hide=, source_path=) change the reports that follow;
# - the same session typed into `go tool pprof`'s shell gives the same
#   output, byte for byte (but for Ctrl-P, which pprof's shell lacks);
# - readline: a line edited with backspace runs as edited, Ctrl-P
#   brings back the last line, history is kept in $HOME;
# - web and flame write their pictures and, with no browser to open
#   them, say where; help lists the commands; a bad command is named.
. "$(dirname "$0")/../lib/e2e.sh"

drive=$PROGS/pty_drive
prof=$S/tests/data/go-cpu.pb.gz
export TZ=UTC TERM=dumb
unset DISPLAY WAYLAND_DISPLAY BROWSER
mkdir -p "$WORK/src/wt-profile/tests/go"
ln -s "$S/tests/go/mkprofiles" "$WORK/src/wt-profile/tests/go/mkprofiles"

# The session both shells get: commands, and the flags each must match.
cat >"$WORK/common" <<EOF
top 5
top
top3 -cum
peek sortRecords
tree 4
traces
source_path=$WORK/src/wt-profile
list main.countPrimes
sample_index=samples
top 3
sample_index=cpu
focus=sha
top
focus=
hide=runtime
tree 3
hide=
topx\b 2
\p
quit
EOF
flags=(
	"-top -nodecount=5" "-top -nodecount=10" "-top -nodecount=3 -cum"
	"-peek=sortRecords" "-tree -nodecount=4" "-traces" ""
	"-list=main.countPrimes -source_path=$WORK/src/wt-profile" ""
	"-top -nodecount=3 -sample_index=samples" "" "" "-top -nodecount=10 -focus=sha"
	"" "" "-tree -nodecount=3 -hide=runtime" "" "-top -nodecount=2"
	"-top -nodecount=2"
)

# sections FILE DIR: the output after each prompt into DIR/1, DIR/2...
# (the line typed, which the terminal echoes, left out).
sections() {
	mkdir -p "$2"
	awk -v dir="$2" '
		/^\(pprof\) / { n++; out = dir "/" n; printf "" >out; next }
		n { print >>out }' "$1"
}

"$drive" '(pprof) ' "$WORK/common" 60 -- "$TRIAGE" pprof "$prof" \
	>"$WORK/ours.txt" || fail "triage pprof's shell: exit $?: $(tail -5 "$WORK/ours.txt")"
grep -q '^Entering interactive mode' "$WORK/ours.txt" ||
	fail "no greeting: $(head -5 "$WORK/ours.txt")"
sections "$WORK/ours.txt" "$WORK/ours"

i=0
for f in "${flags[@]}"; do
	i=$((i + 1))
	[ -n "$f" ] || continue
	# shellcheck disable=SC2086
	"$TRIAGE" pprof $f "$prof" </dev/null 2>/dev/null |
		grep -Ev '^(File|Build ID|Type|Time|Duration): ' >"$WORK/flag.txt"
	case $f in -traces*) "$TRIAGE" pprof $f "$prof" >"$WORK/flag.txt" </dev/null ;; esac
	cmp -s "$WORK/flag.txt" "$WORK/ours/$i" || {
		diff "$WORK/flag.txt" "$WORK/ours/$i" | head -20
		fail "command $i ($(sed -n "${i}p" "$WORK/common")) differs from triage pprof $f"
	}
done
[ -s "$WORK/ours/18" ] || fail "the edited line printed nothing"
pass "each report command prints what its flag prints"

grep -qx 'top 2' "$HOME/.triage_pprof_history" ||
	fail "history not kept: $(cat "$HOME/.triage_pprof_history" 2>&1)"
pass "history is kept in \$HOME/.triage_pprof_history"

"$drive" '(pprof) ' "$WORK/common" 60 -- go tool pprof "$prof" \
	>"$WORK/go.txt" || fail "go tool pprof's shell: exit $?"
sections "$WORK/go.txt" "$WORK/go"
# pprof's own line reader has no Ctrl-P (line 19): leave that one out.
rm -f "$WORK/go/19" "$WORK/ours/19"
diff -r "$WORK/go" "$WORK/ours" >"$WORK/diff" ||
	fail "go tool pprof's shell printed otherwise: $(head -20 "$WORK/diff")"
pass "the same session in go tool pprof's shell prints the same"

# Our own commands: pictures, help, a mistake, Ctrl-D to leave.
printf 'web\nflame\nhelp\nfrobnicate\no\n\\d\n' >"$WORK/more"
"$drive" '(pprof) ' "$WORK/more" 60 -- "$TRIAGE" pprof "$prof" \
	>"$WORK/more.txt" ||
	fail "the second session did not end on Ctrl-D: $(tail -5 "$WORK/more.txt")"
svg=$(sed -n 's/^the call graph written to \(.*\.svg\) (no browser.*/\1/p' "$WORK/more.txt")
[ -n "$svg" ] && grep -q '<svg' "$svg" && grep -q 'main.countPrimes\|countPrimes' "$svg" ||
	fail "web: $(grep -i 'graph' "$WORK/more.txt")"
html=$(sed -n 's/^the flame graph written to \(.*\.html\) (no browser.*/\1/p' "$WORK/more.txt")
[ -n "$html" ] && grep -q 'main.countPrimes' "$html" ||
	fail "flame: $(grep -i 'flame' "$WORK/more.txt")"
rm -f "$svg" "$html"
pass "web and flame write their pictures and say where"
grep -q '^  list  *RE' "$WORK/more.txt" || fail "help lists no list command"
grep -q 'unrecognized command: "frobnicate"' "$WORK/more.txt" ||
	fail "a bad command is not named"
grep -q 'sample_index *=' "$WORK/more.txt" || fail "o shows no settings"
pass "help, options and mistakes"
