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
out=$SCRATCH/out

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

# logged FILE TRACE SPAN_NAME: FILE has the "span end" line of SPAN_NAME
# in TRACE (the logger writes within 100 ms, not at once).
logged() {
	jq -e --arg t "$2" --arg n "$3" \
		'select(.trace == $t and .content == "span end" and .span_name == $n)' \
		"$1" >/dev/null 2>&1
}

check "a good report: status" 201 "$(report '{"patientId":"p-17","score":7}')"
check_grep "a good report: a requestId" '"requestId":"[0-9a-f]{32}"' "$out"

# The incident: a score data-storage has no bucket for.
check "the failing report: status" 502 "$(report '{"patientId":"p-18","score":11}')"
id=$(jq -r .requestId "$out")
check_grep "the failing report: the patient sees a request ID" '^[0-9a-f]{32}$' <(echo "$id")
wait_until 10 logged "$EPRO_LOG" "$id" "POST /report" &&
	wait_until 10 logged "$STORE_LOG" "$id" "POST /reports"
check "both services logged the request" 0 "$?"

"$TRIAGE" logs --trace "$id" "$EPRO_LOG" "$STORE_LOG" >"$out" 2>"$SCRATCH/err"
check "triage logs: exit status" 0 "$?"
sed 's/^/     | /' "$out"
check_grep "text: epro-api's lines" '^  [0-9:.]+ epro-api +info +report received +patientId=p-18' "$out"
check_grep "text: data-storage's lines, under epro-api's call" \
	'^  [0-9:.]+ data-storage info      store request' "$out"
check_grep "text: the failure in data-storage, marked" \
	'^! [0-9:.]+ data-storage +error .*cannot store the report: score 11 has no bucket' "$out"
check_grep "text: the failing call, marked" \
	'^! [0-9:.]+ epro-api +error   span end  span_name="POST data-storage /reports"  kind=client' "$out"
check_grep "text: the hop in the summary, marked" \
	'^! data-storage     POST /reports +server +[0-9.]+ms +error: score 11 has no bucket' "$out"

# The same with --json, checked with jq: the order of the lines, and
# the spans' nesting across the two services.
"$TRIAGE" logs --json --trace "$id" "$EPRO_LOG" "$STORE_LOG" >"$out" 2>/dev/null
check "json: the lines in time order" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$out" | sort -s)" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$out")"
expected="epro-api|report received|
epro-api|calling data-storage|
data-storage|store request|
data-storage|cannot store the report: score 11 has no bucket (0..10)|
data-storage|span end|storage.put
data-storage|answering 500: score 11 has no bucket (0..10)|
data-storage|span end|POST /reports
epro-api|span end|POST data-storage /reports
epro-api|report not stored: data-storage answered 500: score 11 has no bucket (0..10)|
epro-api|span end|POST /report"
check "json: both services' lines, in the order of the call" "$expected" \
	"$(jq -r 'select(.["@timestamp"] and .level != "debug") | "\(.service)|\(.content)|\(.span_name // "")"' "$out")"
check "json: the spans' nesting and errors" \
	"epro-api POST /report 0 true,epro-api POST data-storage /reports 1 true,data-storage POST /reports 2 true,data-storage storage.put 3 true" \
	"$(tail -n 1 "$out" | jq -r '[.summary.spans[] | "\(.service) \(.name) \(.depth) \(.error)"] | join(",")')"
check "json: every hop timed by its span end" "span end" \
	"$(tail -n 1 "$out" | jq -r '[.summary.spans[].duration_from] | unique | join(",")')"

# A request that arrives with a traceparent continues that trace in both
# services: epro-api's span is the caller's child, data-storage's is
# epro-api's client span's child.
trace=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
caller=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
check "traceparent: status" 201 \
	"$(report '{"patientId":"p-19","score":3}' "traceparent: 00-$trace-$caller-01")"
check "traceparent: the requestId is the caller's trace" "$trace" "$(jq -r .requestId "$out")"
wait_until 10 logged "$EPRO_LOG" "$trace" "POST /report" &&
	wait_until 10 logged "$STORE_LOG" "$trace" "POST /reports"
check "traceparent: both services logged it" 0 "$?"
span_of() { # FILE SPAN_NAME FIELD: a field of that span's end line
	jq -r --arg t "$trace" --arg n "$2" \
		"select(.trace == \$t and .span_name == \$n) | .$3" "$1"
}
check "traceparent: epro-api's span is the caller's child" "$caller" \
	"$(span_of "$EPRO_LOG" "POST /report" parent)"
check "traceparent: data-storage's span is epro-api's call's child" \
	"$(span_of "$EPRO_LOG" "POST data-storage /reports" span)" \
	"$(span_of "$STORE_LOG" "POST /reports" parent)"
"$TRIAGE" logs --json --trace "$trace" "$EPRO_LOG" "$STORE_LOG" >"$out" 2>/dev/null
check "traceparent: triage logs finds both services" "data-storage,epro-api" \
	"$(jq -r 'select(.["@timestamp"]) | .service' "$out" | sort -u | paste -sd,)"
check "traceparent: the caller heads the tree, outside the logs" "$caller 0 0" \
	"$(tail -n 1 "$out" | jq -r '.summary.spans[0] | "\(.span) \(.lines) \(.depth)"')"
check "traceparent: no error in that trace" 0 \
	"$(tail -n 1 "$out" | jq '[.summary.spans[] | select(.error)] | length')"

finish
