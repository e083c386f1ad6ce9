#!/usr/bin/env bash
# The exporter when the receiver is not well: it waits what a 503's
# Retry-After says and then delivers everything; it retries a receiver
# that drops connections; it does not retry a 400 or a partial success; against a receiver that is down it drops and
# counts, within the documented bound, and never holds up the service:
# the slowest triage_span_end stays far below the receiver's delays
# (under 250 ms against the 3 s of Retry-After; it is microseconds but
# for scheduling noise on a busy machine), and triage_stop() returns
# within TRIAGE_OTLP_EXIT_WAIT_MS.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/otlp.sh"

otlp_setup

# burst NAME N [VAR=VALUE...]: N spans from span_service into $WORK/NAME.out.
burst() {
	local name=$1 n=$2
	shift 2
	env TRIAGE_OTLP_ENDPOINT="$RECEIVER" TRIAGE_OTLP_DELAY_MS=100 "$@" \
		timeout 120 "$PROGS/span_service" burst "$n" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" ||
		fail "span_service burst: $(cat "$WORK/$name.err")"
}

field() {
	json_field "$WORK/$1.out" "$2"
}

# never_blocked NAME LIMIT_MS: the slowest span end and the stop.
never_blocked() {
	local worst stop
	worst=$(field "$1" max_end_us)
	stop=$(field "$1" stop_ms)
	awk -v w="$worst" 'BEGIN { exit !(w < 250000) }' ||
		fail "$1: a span end took $worst us"
	awk -v s="$stop" -v l="$2" 'BEGIN { exit !(s < l) }' ||
		fail "$1: triage_stop took $stop ms (limit $2)"
	echo "slowest span end $worst us, stop $stop ms"
}

unique_spans() {
	node -e 'const s = new Set(require("fs").readFileSync(process.argv[1],
		"utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).span));
		console.log(s.size)' "$WORK/$1.spans"
}

# 1. 503 with Retry-After: 3, twice. Backoff alone would retry after
# about 1 and 2 seconds; the receiver asked for 3 each time.
start_receiver busy FAIL_FIRST=2 FAIL_WITH=503 RETRY_AFTER=3
burst busy 3000 TRIAGE_OTLP_QUEUE=4096 TRIAGE_OTLP_EXIT_WAIT_MS=30000
[ "$(field busy exported)" = 3000 ] && [ "$(field busy dropped)" = 0 ] ||
	fail "503: $(cat "$WORK/busy.out")"
[ "$(unique_spans busy)" = 3000 ] ||
	fail "503: the receiver has $(unique_spans busy) spans, want 3000"
gaps=$(node -e 'const r = require("fs").readFileSync(process.argv[1], "utf8")
	.split("\n").filter(Boolean).map((l) => JSON.parse(l));
	const g = [];
	for (let i = 1; i < r.length; i++)
		if (r[i - 1].status === 503) g.push(r[i].ms - r[i - 1].ms);
	console.log(g.join(" "))' "$WORK/busy.requests")
[ "$(echo "$gaps" | wc -w)" = 2 ] || fail "503: retries after $gaps ms"
for g in $gaps; do
	[ "$g" -ge 2900 ] || fail "503: retried after $g ms, Retry-After was 3 s"
done
pass "503 + Retry-After: 3 s: retried after $gaps ms; 3000/3000 spans delivered, none dropped; $(never_blocked busy 30000)"

# 2. Connections closed without an answer, twice: backoff, then all.
start_receiver reset FAIL_FIRST=2 FAIL_WITH=reset
burst reset 2000 TRIAGE_OTLP_QUEUE=4096 TRIAGE_OTLP_EXIT_WAIT_MS=30000
[ "$(field reset exported)" = 2000 ] && [ "$(field reset dropped)" = 0 ] ||
	fail "reset: $(cat "$WORK/reset.out")"
[ "$(unique_spans reset)" = 2000 ] ||
	fail "reset: the receiver has $(unique_spans reset) spans, want 2000"
pass "connection closed twice: 2000/2000 spans delivered after backoff; $(never_blocked reset 30000)"

# 3. The receiver is down (nothing listens on the port): every span is
# dropped and counted, and the service neither waits on each span nor
# at its stop past TRIAGE_OTLP_EXIT_WAIT_MS (1 s here).
RECEIVER=http://127.0.0.1:$("$PROGS/freeport")
burst down 20000 TRIAGE_OTLP_QUEUE=1024 TRIAGE_OTLP_BATCH=256 \
	TRIAGE_OTLP_EXIT_WAIT_MS=1000
[ "$(field down exported)" = 0 ] && [ "$(field down dropped)" = 20000 ] ||
	fail "down: $(cat "$WORK/down.out")"
pass "receiver down: 20000 made, 20000 dropped and counted; $(never_blocked down 1600)"

# 4. The documented bound: while the receiver cannot take spans, the
# queue (1024) and the batch in flight (256) wait and the rest is
# dropped; once it can, all that waited arrives.
start_receiver late FAIL_FIRST=1 FAIL_WITH=reset
burst late 5000 TRIAGE_OTLP_QUEUE=1024 TRIAGE_OTLP_BATCH=256 \
	TRIAGE_OTLP_EXIT_WAIT_MS=30000
got=$(unique_spans late)
exported=$(field late exported)
dropped=$(field late dropped)
[ "$got" = "$exported" ] || fail "late: received $got, counted $exported"
[ $((exported + dropped)) = 5000 ] ||
	fail "late: $exported exported + $dropped dropped != 5000"
[ "$exported" -ge 1024 ] && [ "$exported" -le $((1024 + 256 + 256)) ] ||
	fail "late: $exported exported; the queue holds 1024, a batch 256"
pass "receiver late: $exported delivered (queue 1024 + batch 256 bound), $dropped dropped and counted, none lost uncounted"

# 5. A receiver that takes the request and never answers, with a long
# request timeout: the request is abandoned at the stop's deadline
# (libcurl notices within a second), well before the 2.5 s after which
# triage_stop() would give up on the exporter thread.
start_receiver hang FAIL_FIRST=1000 FAIL_WITH=hang
burst hang 500 TRIAGE_OTLP_TIMEOUT_MS=60000 TRIAGE_OTLP_EXIT_WAIT_MS=1000
[ "$(field hang exported)" = 0 ] && [ "$(field hang dropped)" = 500 ] ||
	fail "hang: $(cat "$WORK/hang.out")"
pass "receiver that never answers: 500 dropped and counted; $(never_blocked hang 2300)"

# 6. Answers that must not be retried: a 400 drops its batch at once; a
# partial success (encoded by OpenTelemetry JS) counts what it rejected.
start_receiver bad FAIL_FIRST=1 FAIL_WITH=400
burst bad 100 TRIAGE_OTLP_EXIT_WAIT_MS=5000
[ "$(field bad exported)" = 0 ] && [ "$(field bad dropped)" = 100 ] ||
	fail "400: $(cat "$WORK/bad.out")"
[ "$(grep -c . "$WORK/bad.requests")" = 1 ] ||
	fail "400 was retried: $(cat "$WORK/bad.requests")"
start_receiver partial REJECT=7
burst partial 100 TRIAGE_OTLP_EXIT_WAIT_MS=5000
[ "$(field partial exported)" = 93 ] && [ "$(field partial dropped)" = 7 ] ||
	fail "partial success: $(cat "$WORK/partial.out")"
[ "$(grep -c . "$WORK/partial.requests")" = 1 ] ||
	fail "partial success was retried: $(cat "$WORK/partial.requests")"
pass "400: the batch dropped, not retried; partial success: 7 rejected counted as dropped, 93 exported, not retried"
