#!/usr/bin/env bash
# C++ in a CPU profile: go tool pprof, which cannot demangle, shows the
# names the agent wrote: demangled and simplified as pprof shows them.
. "$(dirname "$0")/../lib/e2e.sh"

prof=$WORK/cpp.pb.gz
"$TRIAGE" run --cpuprofile "$prof" -- "$PROGS/cpp_burn" 2 >/dev/null \
	2>"$WORK/err" || fail "cpp_burn failed: $(cat "$WORK/err")"
gopprof -top "$prof" >"$WORK/top" || fail "go tool pprof cannot read it"
cat "$WORK/top"
for name in 'clinic::Scorer::score' 'clinic::(anonymous namespace)::mix'; do
	awk -v n="$name" '
		/flat%/ { on = 1; next }
		on { $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); if ($0 == n) f = 1 }
		END { exit !f }' "$WORK/top" || fail "no row named '$name'"
	pass "row '$name'"
done
grep -q '_ZN' "$WORK/top" && fail "a mangled name is shown"
# pprof "simplifies" names equal to their system name, which would strip
# "(anonymous namespace)" and leave "clinic::::name".
grep -q '::::' "$WORK/top" && fail "a name lost its (anonymous namespace)"
pass "no mangled or mangled-by-pprof names shown"
