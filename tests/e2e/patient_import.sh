# patient_import.sh - the CPU scene's service answers as its playbook
# says: 200 with the batch's JSON for an import, 400 with a JSON error for
# bad input, ok on /healthz while an import runs, and a clean exit on
# SIGTERM. (That its hot function dominates a CPU profile needs the
# agent; that check belongs with the agent's tests.)
source "$(dirname "$0")/cli_helpers.bash"

service=$BUILD/bin/patient-import
log=$SCRATCH/service.log out=$SCRATCH/out

"$service" --port 0 --work 2000 >"$log" 2>"$SCRATCH/service.err" &
pid=$!
STARTED+=("$pid")
wait_until 10 grep -q '^listening on 127.0.0.1:' "$log" || {
	cat "$log" "$SCRATCH/service.err"
	exit 1
}
base=http://127.0.0.1:$(port_of "$log")

# post BODY: POSTs to /import/data; the body to $out, the status printed.
post() {
	curl -s -o "$out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data "$1" \
		"$base/import/data"
}

check "import: status" 200 "$(post '{"batchId": "b-17"}')"
check_grep "import: batchId" '"batchId":"b-17"' "$out"
check_grep "import: records processed" '"recordsProcessed":2000[,}]' "$out"
check_grep "import: a checksum" '"checksum":[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?[,}]' "$out"
first=$(cat "$out")
post '{"batchId": "b-17"}' >/dev/null
check "import: the same batch gives the same answer" "$first" "$(cat "$out")"
post '{"batchId": "b-18"}' >/dev/null
check_no_grep "import: another batch another checksum" \
	"$(sed -n 's/.*"checksum":\([^,}]*\).*/"checksum":\1[,}]/p' <<<"$first")" "$out"

check "bad JSON: status" 400 "$(post '{"batchId": ')"
check_grep "bad JSON: a JSON error" '^\{"error":"[^"]+"\}$' "$out"
check "missing batchId: status" 400 "$(post '{"batch": "b-17"}')"
check_grep "missing batchId: says so" '"error":"batchId' "$out"
check "batchId not a string: status" 400 "$(post '{"batchId": 17}')"
check "not an object: status" 400 "$(post '["b-17"]')"

check "healthz: status" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")"
check "healthz: body" ok "$(curl -s "$base/healthz")"
check "GET on the import: 405" 405 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$base/import/data")"
check "unknown path: 404" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$base/nope")"

# /healthz answers while a long import keeps a core busy, and SIGTERM
# ends the service promptly, cutting the import short.
kill -TERM "$pid"
wait_exit 10 "$pid"
check "SIGTERM: exits 0" 0 "$EXIT_STATUS"

"$service" --port 0 --work 1000000 >"$log" 2>"$SCRATCH/service.err" &
pid=$!
STARTED+=("$pid")
wait_until 10 grep -q '^listening on' "$log"
base=http://127.0.0.1:$(port_of "$log")
post '{"batchId": "huge"}' >"$SCRATCH/huge.status" &
curl_pid=$!
busy() {
	local ticks
	ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	[ "$ticks" -gt 20 ]
}
wait_until 20 busy
check "healthz during an import" ok "$(curl -s -m 5 "$base/healthz")"
kill -TERM "$pid"
wait_exit 10 "$pid"
check "SIGTERM during an import: exits 0" 0 "$EXIT_STATUS"
wait "$curl_pid"
check "the cut import answers 503" 503 "$(cat "$SCRATCH/huge.status")"

"$service" --port 0 --work 0 >/dev/null 2>"$SCRATCH/service.err"
check "bad --work: exit status" 2 "$?"

finish
