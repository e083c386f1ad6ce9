#!/usr/bin/env bash
# A program with three functions of known CPU shares (50/30/20), built
# -O2 without frame pointers, profiled for its whole run: go tool pprof
# must read each share back within 3 points, with the right callers.
. "$(dirname "$0")/../lib/e2e.sh"

prof=$WORK/shares.pb.gz
"$TRIAGE" run --cpuprofile "$prof" -- "$PROGS/cpu_shares" 5 >"$WORK/out" \
	2>"$WORK/err" || fail "cpu_shares failed: $(cat "$WORK/err")"
[ -s "$prof" ] || fail "no profile written"

gopprof -top "$prof" >"$WORK/top" || fail "go tool pprof cannot read it"
cat "$WORK/top"
for f in burn_alpha:50 burn_beta:30 burn_gamma:20; do
	name=${f%%:*} want=${f##*:}
	got=$(flat_pct "$prof" "$name")
	awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; exit !(d <= 3 && d >= -3) }' ||
		fail "$name: flat $got%, want $want% +- 3"
	pass "$name flat $got% (want $want%)"
done

# Every stack through burn_X continues stage_X, run_rounds, main.
gopprof -traces "$prof" >"$WORK/traces"
awk '
	/^-+\+-+$/ { n = 0; next }
	{ f = $NF; stack[n++] = f }
	f ~ /^burn_/ { want = f; sub("burn_", "stage_", want); pending = 3 }
	pending == 3 && f ~ /^stage_/ { if (f != want) bad++; pending = 2; next }
	pending == 2 { if (f != "run_rounds") bad++; pending = 1; next }
	pending == 1 { if (f != "main") bad++; else good++; pending = 0 }
	END { printf "good=%d bad=%d\n", good, bad; exit !(good > 0 && bad == 0) }
' "$WORK/traces" || fail "wrong caller chains; see $WORK/traces"
pass "caller chains burn_X <- stage_X <- run_rounds <- main"
