# scene_trace.sh - the playbook's cross-service scene, end to end, as
# separate processes: epro-api stores patients' reports in data-storage
# over HTTP, each logging JSON to its own file through libtriage. A
# report data-storage cannot store comes back as a 502 whose requestId is
# the trace ID; `triage logs --trace ID` on the two files must show both
# services' lines in order, data-storage under epro-api's call, with the
# failing call marked. Then a request sent with a traceparent (by curl)
# must continue that trace in both services. The log files are read with
# jq as well, independently of triage.
source "$(dirname "$0")/cli_helpers.bash"

EPRO_LOG=$SCRATCH/epro-api.log STORE_LOG=$SCRATCH/data-storage.log
out=$SCRATCH/out json=$SCRATCH/json

# start NAME ARGS...: starts build/bin/NAME logging to $SCRATCH/NAME.log;
# its port in $PORT once it listens.
start() {
	local name=$1
	shift
	env -u TRIAGE_LOG_LEVEL -u TRIAGE_LOG_FORMAT \
		TRIAGE_LOG_PATH="$SCRATCH/$name.log" TRIAGE_SERVICE_NAME="$name" \
		"$BUILD/bin/$name" --port 0 "$@" >"$SCRATCH/$name.out" \
		2>"$SCRATCH/$name.err" &
	STARTED+=("$!")
	wait_until 10 grep -q '^listening on 127.0.0.1:' "$SCRATCH/$name.out" || {
		echo "FAIL $name did not start:"
		cat "$SCRATCH/$name.out" "$SCRATCH/$name.err"
		exit 1
	}
	PORT=$(port_of "$SCRATCH/$name.out")
}

start data-storage
start epro-api --storage "http://127.0.0.1:$PORT"
api=http://127.0.0.1:$PORT

# report BODY [HEADER]: POSTs a report; the answer in $out, status printed.
report() {
	curl -s -o "$out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' ${2:+-H "$2"} \
		--data "$1" "$api/report"
}

# line_field FILE TRACE CONTENT FIELD: FIELD of that line.
line_field() {
	jq -r --arg t "$2" --arg c "$3" \
		"select(.trace == \$t and (.content | startswith(\$c))) | .$4" "$1"
}

# logged FILE TRACE CONTENT: FILE has a line of TRACE whose content
# starts with CONTENT (the logger writes within 100 ms, not at once).
logged() {
	[ -n "$(line_field "$@" content 2>/dev/null)" ]
}

check "a good report: status" 201 "$(report '{"patientId":"p-17","score":7}')"
check_grep "a good report: a requestId" '"requestId":"[0-9a-f]{32}"' "$out"

# The incident: a score data-storage has no bucket for.
check "the failing report: status" 502 "$(report '{"patientId":"p-18","score":11}')"
id=$(jq -r .requestId "$out")
check_grep "the failing report: the patient sees a request ID" '^[0-9a-f]{32}$' <(echo "$id")
wait_until 10 logged "$EPRO_LOG" "$id" "report not stored" &&
	wait_until 10 logged "$STORE_LOG" "$id" "answering 500"
check "both services logged the request" 0 "$?"

"$TRIAGE" logs --trace "$id" "$EPRO_LOG" "$STORE_LOG" >"$out" 2>"$SCRATCH/err"
check "triage logs: exit status" 0 "$?"
sed 's/^/     | /' "$out"
check_grep "text: epro-api's lines" \
	'^  [0-9:.]+ epro-api     info  report received  patientId=p-18$' "$out"
check_grep "text: data-storage's lines, under epro-api's call" \
	'^  [0-9:.]+ data-storage info      store request  patientId=p-18  score=11$' "$out"
check_grep "text: the failure in data-storage, marked" \
	'^! [0-9:.]+ data-storage error       cannot store the report: score 11 has no bucket \(0\.\.10\)' "$out"
check_grep "text: the failing answer, marked" \
	'^! [0-9:.]+ data-storage error     answering 500: score 11 has no bucket' "$out"
check_grep "text: what epro-api made of it, marked" \
	'^! [0-9:.]+ epro-api     error report not stored: data-storage answered 500: score 11 has no bucket' "$out"

# The same with --json, checked with jq: the order of the lines (the
# span module's "span end" lines aside, checked below), their nesting
# across the two services, and the spans' tree.
"$TRIAGE" logs --json --trace "$id" "$EPRO_LOG" "$STORE_LOG" >"$json" 2>/dev/null
check "json: the lines in time order" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$json" | sort -s)" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$json")"
expected="0 epro-api report received
1 epro-api calling data-storage
2 data-storage store request
3 data-storage cannot store the report: score 11 has no bucket (0..10)
2 data-storage answering 500: score 11 has no bucket (0..10)
0 epro-api report not stored: data-storage answered 500: score 11 has no bucket (0..10)"
check "json: both services' lines in the order of the call, nested" "$expected" \
	"$(jq -r 'select(.["@timestamp"] and .level != "debug" and .content != "span end") | "\(.depth) \(.service) \(.content)"' "$json")"
check "json: the spans' tree across the services" \
	"epro-api 0 true,epro-api 1,data-storage 2 true,data-storage 3 true" \
	"$(tail -n 1 "$json" | jq -r '[.summary.spans[] | "\(.service) \(.depth)" + (if .depth == 1 then "" else " \(.error)" end)] | join(",")')"

# The span module's lines: each span's "span end", with its name, kind
# and duration, an error when the span failed (docs/logging.md).
check_grep "span end: the failing call, marked" \
	'^! [0-9:.]+ epro-api     error   span end  span_name="POST data-storage /reports"  kind=client' "$out"
check_grep "span end: the failing hop in the summary, marked" \
	'^! data-storage     POST /reports +server +[0-9.]+ms  error: score 11 has no bucket' "$out"
check "span end: the spans' names and kinds" \
	"POST /report server,POST data-storage /reports client,POST /reports server,storage.put internal" \
	"$(tail -n 1 "$json" | jq -r '[.summary.spans[] | "\(.name) \(.kind)"] | join(",")')"
check "span end: every hop timed by its span end" "span end" \
	"$(tail -n 1 "$json" | jq -r '[.summary.spans[].duration_from] | unique | join(",")')"

# The other input data-storage fails on, and one epro-api refuses.
check "an empty patientId: status" 502 "$(report '{"patientId":"","score":3}')"
empty=$(jq -r .requestId "$out")
wait_until 10 logged "$STORE_LOG" "$empty" "answering 500"
check "an empty patientId: data-storage says why" \
	"cannot store the report: no partition for an empty patientId" \
	"$(line_field "$STORE_LOG" "$empty" "cannot store" content)"
check "a malformed report: status" 400 "$(report '{"patientId":"p-20"}')"
check_grep "a malformed report: a requestId too" '"requestId":"[0-9a-f]{32}"' "$out"

# A request that arrives with a traceparent continues that trace in both
# services: epro-api's span is the caller's child, data-storage's is the
# child of epro-api's call.
trace=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
caller=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
check "traceparent: status" 201 \
	"$(report '{"patientId":"p-19","score":3}' "traceparent: 00-$trace-$caller-01")"
check "traceparent: the requestId is the caller's trace" "$trace" "$(jq -r .requestId "$out")"
wait_until 10 logged "$EPRO_LOG" "$trace" "report stored" &&
	wait_until 10 logged "$STORE_LOG" "$trace" "report stored"
check "traceparent: both services logged it" 0 "$?"
check "traceparent: epro-api's span is the caller's child" "$caller" \
	"$(line_field "$EPRO_LOG" "$trace" "report received" parent)"
check "traceparent: data-storage's span is the child of epro-api's call" \
	"$(line_field "$EPRO_LOG" "$trace" "calling data-storage" span)" \
	"$(line_field "$STORE_LOG" "$trace" "store request" parent)"
"$TRIAGE" logs --json --trace "$trace" "$EPRO_LOG" "$STORE_LOG" >"$json" 2>/dev/null
check "traceparent: triage logs finds both services" "data-storage,epro-api" \
	"$(jq -r 'select(.["@timestamp"]) | .service' "$json" | sort -u | paste -sd,)"
check "traceparent: the caller heads the tree, outside the logs" "$caller 0 0" \
	"$(tail -n 1 "$json" | jq -r '.summary.spans[0] | "\(.span) \(.lines) \(.depth)"')"
check "traceparent: no error in that trace" 0 \
	"$(tail -n 1 "$json" | jq '[.summary.spans[] | select(.error)] | length')"

finish
