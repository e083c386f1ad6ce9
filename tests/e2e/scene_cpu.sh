#!/usr/bin/env bash
# The CPU scene end to end, as the playbook walks it: patient-import
# under `triage run`, an import that pins a core, `triage pprof` by PID;
# go tool pprof, reading the saved file, must show score_patient_records
# on top with at least 80% of the flat time.
. "$(dirname "$0")/../lib/e2e.sh"

"$TRIAGE" run -- "$B/bin/patient-import" --port 0 --work 90000 \
	>"$WORK/svc.out" 2>"$WORK/svc.err" &
STARTED+=($!)
wait_for 10 grep -q '^listening on ' "$WORK/svc.out" || fail "service did not start"
wait_for 10 grep -q '^triage: agent for ' "$WORK/svc.err" ||
	fail "no agent: $(cat "$WORK/svc.err")"
pid=$(sed -n 's/^triage: agent for .* (pid \([0-9]*\)).*/\1/p' "$WORK/svc.err")
STARTED+=("$pid")
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/svc.out")

curl -s -o "$WORK/import.json" -X POST --data '{"batchId": "e2e-1"}' \
	"http://127.0.0.1:$port/import/data" &
STARTED+=($!)
"$TRIAGE" pprof -seconds 2 -o "$WORK/scene.pb.gz" "$pid" >"$WORK/top" \
	2>"$WORK/pprof.err" || fail "triage pprof: $(cat "$WORK/pprof.err")"
cat "$WORK/top"
grep -q 'score_patient_records' "$WORK/top" || fail "triage pprof top lacks the hot function"

first=$(gopprof -top "$WORK/scene.pb.gz" | awk '/flat%/ { getline; print $NF; exit }')
[ "$first" = score_patient_records ] || fail "top function is '$first'"
pct=$(flat_pct "$WORK/scene.pb.gz" score_patient_records)
awk -v p="$pct" 'BEGIN { exit !(p >= 80) }' || fail "hot function has $pct% flat"
pass "score_patient_records on top with $pct% of flat time"
