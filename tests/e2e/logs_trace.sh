# logs_trace.sh - `triage logs` on the hand-written logs of two services
# (tests/data/logs): interleaved times, spans nested across the services,
# a file slightly out of order, errors, lines that are not JSON, a blank
# line, another trace's lines, data-storage's lines without a "service"
# field. The text output is checked whole; --json is checked with jq;
# then stdin, a traceparent as the ID, colour (on a terminal too), and
# the failures.
source "$(dirname "$0")/cli_helpers.bash"

SRC=${TRIAGE_SOURCE:?TRIAGE_SOURCE must name the source folder}
A=$SRC/tests/data/logs/epro-api.log
B=$SRC/tests/data/logs/data-storage.log
T=4bf92f3577b34da6a3ce929d0e0e4736
out=$SCRATCH/out err=$SCRATCH/err

"$TRIAGE" logs --trace "$T" "$A" "$B" >"$out" 2>"$err"
check "text: exit status" 0 "$?"
expected=$(
	cat <<'EOF'
  08:12:03.120 epro-api     info  report received  patientId=p-17  score=11
  08:12:03.122 epro-api     info    calling data-storage  url=http://127.0.0.1:8081/store
  08:12:03.122 data-storage info      store request  bytes=64
  08:12:03.124 data-storage debug       validating
! 08:12:03.126 data-storage error       score out of range  score=11  max=10
! 08:12:03.127 data-storage error       span end  span_name=validate  kind=internal  duration=3.1ms  error="score out of range"
  08:12:03.128 data-storage info      request body:\n"score": 11
  08:12:03.129 data-storage warn      answering 500  status=500
! 08:12:03.131 data-storage error     span end  span_name="POST /store"  kind=server  duration=8.6ms  error="invalid report"
! 08:12:03.131 epro-api     error   span end  span_name="POST data-storage"  kind=client  duration=9.2ms  error="HTTP 500"
! 08:12:03.132 epro-api     error report not stored: data-storage answered 500  status=500
  08:12:03.133 epro-api     info  span end  span_name="POST /report"  kind=server  duration=13.0ms

trace 4bf92f3577b34da6a3ce929d0e0e4736: 12 lines, 4 spans
  SERVICE      SPAN                           KIND           TIME
! epro-api     POST /report                   server       13.0ms  error: report not stored: data-storage answered 500
! epro-api       POST data-storage            client        9.2ms  error: HTTP 500
! data-storage     POST /store                server        8.6ms  error: invalid report
! data-storage       validate                 internal      3.1ms  error: score out of range
EOF
)
check "text: the whole output" "$expected" "$(cat "$out")"
check "text: the skipped lines, on stderr" \
	"triage logs: skipped 2 lines that are not JSON" "$(cat "$err")"

# The files' order on the command line changes nothing.
"$TRIAGE" logs --trace "$T" "$B" "$A" >"$SCRATCH/swapped" 2>/dev/null
check "text: same output with the files swapped" "$expected" \
	"$(cat "$SCRATCH/swapped")"

# --json: every kept line as written plus depth (and service when the
# line had none), then the summary.
"$TRIAGE" logs --json --trace "$T" "$A" "$B" >"$out" 2>"$err"
check "json: exit status" 0 "$?"
check "json: every line is JSON" 13 "$(jq -c . "$out" | wc -l)"
check "json: lines in time order" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$out" | sort -s)" \
	"$(jq -r 'select(.["@timestamp"]) | .["@timestamp"]' "$out")"
check "json: only the trace" 12 \
	"$(jq -r "select(.trace == \"$T\") | .trace" "$out" | wc -l)"
check "json: depth and service of each line" \
	"0 epro-api,1 epro-api,2 data-storage,3 data-storage,3 data-storage,3 data-storage,2 data-storage,2 data-storage,2 data-storage,1 epro-api,0 epro-api,0 epro-api" \
	"$(jq -r 'select(.["@timestamp"]) | "\(.depth) \(.service)"' "$out" | paste -sd,)"
check "json: a line keeps its fields and escapes" 'request body:
"score": 11' "$(jq -r 'select(.caller == "data-storage/http.c:95") | .content' "$out")"
check "json: the summary is last" true "$(tail -n 1 "$out" | jq '.summary != null')"
check "json: summary lines and skipped" "12 2 20" \
	"$(tail -n 1 "$out" | jq -r '.summary | "\(.lines) \(.not_json) \(.read)"')"
check "json: summary spans in tree order" \
	"1111111111111111:0:server:13:true 2222222222222222:1:client:9.2:true 3333333333333333:2:server:8.6:true 4444444444444444:3:internal:3.1:true" \
	"$(tail -n 1 "$out" | jq -r '[.summary.spans[] | "\(.span):\(.depth):\(.kind):\(.duration_ms):\(.error)"] | join(" ")')"
check "json: the failing hop's message" "invalid report" \
	"$(tail -n 1 "$out" | jq -r '.summary.spans[] | select(.name == "POST /store") | .error_message')"

# stdin, and a whole traceparent as the ID.
"$TRIAGE" logs --trace "00-$T-1111111111111111-01" <"$A" >"$out" 2>"$err"
check "stdin: exit status" 0 "$?"
check "stdin: epro-api's lines of the trace" 5 "$(grep -c '^. 08:.* epro-api ' "$out")"
check "stdin: no other trace" 0 "$(grep -c 'p-18' "$out")"
"$TRIAGE" logs --trace "$T" - <"$B" >"$out" 2>"$err"
check_grep "stdin: a line without service shows none" \
	'^  08:12:03.122              info  store request' "$out"

# Colour only when asked (stdout is not a terminal here).
"$TRIAGE" logs --color always --trace "$T" "$A" "$B" >"$out" 2>/dev/null
check "colour: errors in red" 9 "$(grep -c $'^\e\\[1;31m! ' "$out")"
"$TRIAGE" logs --trace "$T" "$A" "$B" >"$out" 2>/dev/null
check "colour: none in a pipe" 0 "$(grep -c $'\e' "$out")"
# On a terminal (script(1), of bsdutils, gives one), colour by itself,
# unless NO_COLOR says otherwise.
TERM=xterm script -qec "'$TRIAGE' logs --trace $T '$A' '$B'" /dev/null \
	</dev/null >"$out" 2>&1
check "colour: on a terminal" 9 "$(grep -c $'^\e\\[1;31m! ' "$out")"
NO_COLOR=1 TERM=xterm script -qec "'$TRIAGE' logs --trace $T '$A' '$B'" \
	/dev/null </dev/null >"$out" 2>&1
check "colour: not with NO_COLOR" 0 "$(grep -c $'\e' "$out")"

# Nothing found: status 1 and a line saying so.
"$TRIAGE" logs --trace 0af7651916cd43dd8448eb211c80319d "$A" >"$out" 2>"$err"
check "no match: exit status" 1 "$?"
check "no match: no output" 0 "$(wc -c <"$out")"
check_grep "no match: says so" 'no line of trace 0af7651916cd43dd8448eb211c80319d among 9 lines read' "$err"

# Failures and bad usage.
"$TRIAGE" logs --trace "$T" "$A" "$SCRATCH/missing.log" >"$out" 2>"$err"
check "missing file: exit status" 1 "$?"
check "missing file: no output" 0 "$(wc -c <"$out")"
check_grep "missing file: named" "cannot open $SCRATCH/missing.log" "$err"
"$TRIAGE" logs --trace "$T" "$A" "$SCRATCH" >"$out" 2>"$err"
check "unreadable input: exit status" 1 "$?"
check "unreadable input: one line naming it" \
	"triage logs: reading $SCRATCH: Is a directory" "$(cat "$err")"
for args in "logs" "logs --trace xyz" "logs --trace 00000000000000000000000000000000" \
	"logs --trace $T --color sometimes" "logs --trace $T --window -1" \
	"logs --frob"; do
	# shellcheck disable=SC2086
	"$TRIAGE" $args >"$out" 2>"$err" </dev/null
	check "usage '$args': exit status" 2 "$?"
	check "usage '$args': one line" 1 "$(wc -l <"$err")"
done
"$TRIAGE" logs --help >"$out" 2>"$err"
check "help: exit status" 0 "$?"
check_grep "help: usage on stdout" '^usage: triage logs --trace ID' "$out"

finish
