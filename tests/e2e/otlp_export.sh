#!/usr/bin/env bash
# Spans over OTLP/HTTP, read by an independent decoder: span_service
# makes two HTTP hops (libmicrohttpd in, libcurl out, an incoming W3C
# traceparent and two tracestate headers), nested spans with attributes
# and errors, a span handed to another thread and an unsampled one; a
# receiver decoding with OpenTelemetry JS's code must get exactly the
# sampled spans, with the IDs, parents, kinds, status, attributes and
# tracestate that the service made, children within their parents' time,
# and the service's name. Each span's end is also a log line carrying
# its IDs.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/otlp.sh"

otlp_setup
start_receiver ok

TRIAGE_OTLP_ENDPOINT=$RECEIVER TRIAGE_SERVICE_NAME=epro-api \
	TRIAGE_OTLP_DELAY_MS=200 TRIAGE_LOG_PATH="$WORK/service.jsonl" \
	timeout 60 "$PROGS/span_service" scene \
	>"$WORK/expected" 2>"$WORK/service.log" ||
	fail "span_service scene: $(cat "$WORK/service.log")"
[ "$(wc -l <"$WORK/expected")" = 7 ] ||
	fail "span_service printed $(wc -l <"$WORK/expected") spans, want 7"

# triage_stop() flushed before the service exited: all is there now.
node "$S/tests/otlp/compare.js" "$WORK/expected" "$WORK/ok.spans" \
	epro-api >"$WORK/compare" || fail "$(cat "$WORK/compare")"
pass "$(cat "$WORK/compare"), decoded by OpenTelemetry JS"

# The logger's line for each span's end, with the span's own IDs.
node "$S/tests/otlp/span_lines.js" "$WORK/expected" "$WORK/service.jsonl" \
	>"$WORK/lines" || fail "$(cat "$WORK/lines")"
pass "$(cat "$WORK/lines") (IDs, name, kind, duration, error)"

grep -q '"status":200' "$WORK/ok.requests" || fail "no request answered 200"
! grep -v '"status":200' "$WORK/ok.requests" | grep -q . ||
	fail "requests other than 200: $(cat "$WORK/ok.requests")"
pass "every export was a POST to /v1/traces"

# OTEL_* names when the TRIAGE_* ones are unset.
: >"$WORK/ok.spans"
env -u TRIAGE_OTLP_ENDPOINT -u TRIAGE_SERVICE_NAME \
	OTEL_EXPORTER_OTLP_ENDPOINT=$RECEIVER/ OTEL_SERVICE_NAME=data-storage \
	timeout 60 "$PROGS/span_service" scene >"$WORK/expected" \
	2>"$WORK/service.log" || fail "span_service: $(cat "$WORK/service.log")"
node "$S/tests/otlp/compare.js" "$WORK/expected" "$WORK/ok.spans" \
	data-storage >"$WORK/compare" || fail "$(cat "$WORK/compare")"
pass "OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME: $(cat "$WORK/compare")"

# A gzip body and headers of the operator's (an API key, %-encoded).
: >"$WORK/ok.spans"
: >"$WORK/ok.requests"
TRIAGE_OTLP_ENDPOINT=$RECEIVER TRIAGE_SERVICE_NAME=epro-api \
	TRIAGE_OTLP_COMPRESSION=gzip TRIAGE_OTLP_HEADERS='x-api-key=s3cr%20t' \
	timeout 60 "$PROGS/span_service" scene >"$WORK/expected" \
	2>"$WORK/service.log" || fail "span_service: $(cat "$WORK/service.log")"
node "$S/tests/otlp/compare.js" "$WORK/expected" "$WORK/ok.spans" \
	epro-api >"$WORK/compare" || fail "$(cat "$WORK/compare")"
grep -q '"status":200,.*"encoding":"gzip","apiKey":"s3cr t"' \
	"$WORK/ok.requests" || fail "requests: $(cat "$WORK/ok.requests")"
pass "gzip body and TRIAGE_OTLP_HEADERS: $(cat "$WORK/compare")"

# fork: the spans the parent had queued are sent once, by the parent;
# the child sends its own, with its own pid and IDs.
: >"$WORK/ok.spans"
TRIAGE_OTLP_ENDPOINT=$RECEIVER TRIAGE_OTLP_DELAY_MS=60000 \
	timeout 60 "$PROGS/span_service" fork >"$WORK/pids" \
	2>"$WORK/service.log" || fail "span_service fork: $(cat "$WORK/service.log")"
node -e '
	const fs = require("fs");
	const pids = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
	const spans = fs.readFileSync(process.argv[2], "utf8").split("\n")
		.filter(Boolean).map((l) => JSON.parse(l));
	const by = {};
	for (const s of spans) {
		const k = s.resource["process.pid"] + " " + s.name;
		by[k] = (by[k] || 0) + 1;
	}
	const want = {};
	want[pids.parent + " parent before fork"] = 10;
	want[pids.parent + " parent after fork"] = 2;
	want[pids.child + " child"] = 3;
	const ids = new Set(spans.map((s) => s.span));
	if (JSON.stringify(by, Object.keys(by).sort()) !==
	    JSON.stringify(want, Object.keys(want).sort()) || ids.size !== 15) {
		console.log("got " + JSON.stringify(by) + ", " + ids.size +
			" distinct IDs; want " + JSON.stringify(want));
		process.exit(1);
	}' "$WORK/pids" "$WORK/ok.spans" >"$WORK/forkcheck" ||
	fail "fork: $(cat "$WORK/forkcheck")"
pass "fork: the parent's 12 spans sent once by the parent, the child's 3 by the child, 15 distinct IDs"

# triage_start()'s options win over the environment (which names a port
# nobody listens on): before the first span, and after spans already
# went to the environment's endpoint (those are sent there, and lost).
for when in early late; do
	: >"$WORK/ok.spans"
	TRIAGE_OTLP_ENDPOINT=http://127.0.0.1:$("$PROGS/freeport") \
		TRIAGE_OTLP_EXIT_WAIT_MS=1000 TRIAGE_SERVICE_NAME=from-env \
		timeout 60 "$PROGS/span_service" options "$RECEIVER" "$when" \
		2>"$WORK/service.log" ||
		fail "span_service options: $(cat "$WORK/service.log")"
	got=$(node -e 'const s = require("fs").readFileSync(process.argv[1],
		"utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
		console.log(s.map((x) => x.name + "/" +
			x.resource["service.name"]).join(","))' "$WORK/ok.spans")
	want="after start/from-options,after start/from-options,after start/from-options"
	[ "$got" = "$want" ] || fail "options ($when): got $got"
done
pass "triage_start options (otlp_endpoint, service_name) over the environment, before and after the first span"
