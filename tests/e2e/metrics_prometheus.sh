#!/usr/bin/env bash
# A real Prometheus server scrapes the instrumented service and a
# preloaded one (OpenMetrics, as Prometheus asks for it first) with the
# shipped alert rules loaded; its HTTP API then has the process metrics
# of both, the service's counter, histogram and UTF-8 label values with
# the values the service set, and both targets up.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/metrics.sh"

start_metrics_service 4321
start_preloaded
for path in ok ok fail; do
	curl -s -o /dev/null "http://127.0.0.1:$APP/$path"
done

prom_port=$("$PROGS/freeport")
mkdir -p "$WORK/prom/data"
cp "$S/deploy/prometheus/alerts.yml" "$WORK/prom/"
cat >"$WORK/prom/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - alerts.yml
scrape_configs:
  - job_name: service
    static_configs:
      - targets: ["127.0.0.1:$AGENT"]
  - job_name: preloaded
    static_configs:
      - targets: ["127.0.0.1:$PRE_PORT"]
YML
start_bg "$WORK/prom.log" prometheus \
	--config.file="$WORK/prom/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom/data" \
	--web.listen-address="127.0.0.1:$prom_port"
api=http://127.0.0.1:$prom_port/api/v1

# value QUERY: the value of the query's only result, or nothing (also
# while Prometheus is starting).
value() {
	local json
	json=$(curl -s -G --max-time 5 "$api/query" \
		--data-urlencode "query=$1") || return 0
	jq -r 'if .status == "success" and (.data.result | length) == 1
		then .data.result[0].value[1] else empty end' \
		<<<"$json" 2>/dev/null || true
}

# wait_value QUERY WANT: waits (60 s at most) for QUERY to give WANT.
wait_value() {
	local end=$((SECONDS + 60)) got
	while :; do
		got=$(value "$1")
		[ "$got" = "$2" ] && return 0
		[ $SECONDS -lt $end ] || fail "$1: got '$got', want '$2'; $(tail -n 5 "$WORK/prom.log")"
		sleep 0.5
	done
}

wait_value 'up{job="service"}' 1
wait_value 'up{job="preloaded"}' 1
pass "Prometheus scrapes both targets"

wait_value 'jobs_processed_total{job="service"}' 4321
wait_value 'queue_depth{job="service"}' 40.5
wait_value 'job_duration_seconds_count{job="service"}' 3
wait_value 'job_duration_seconds_bucket{job="service",le="1.0"}' 2
wait_value 'requests_by_client_total{job="service",note="Zürich ✓ 日本"}' 1.5
wait_value 'requests_by_client_total{job="service",client="quote\"d",note="back\\slash"}' 0.5
wait_value 'http_requests_total{job="service",path="/fail",status="500"}' 1
pass "the service's counter, gauge, histogram and odd label values"

# An idle service may have used less CPU than a clock tick: >= 0 there.
for job in service preloaded; do
	for m in 'process_cpu_seconds_total >= 0' \
		'process_resident_memory_bytes > 0' \
		'process_virtual_memory_bytes > 0' 'process_open_fds > 0' \
		'process_max_fds > 0' 'process_start_time_seconds > 0' \
		'process_threads > 0'; do
		q="${m%% *}{job=\"$job\"} ${m#* }"
		[ -n "$(value "$q")" ] || fail "$q: no such value"
	done
done
pass "process metrics of both"

targets=$(curl -s "$api/targets")
[ "$(jq -r '[.data.activeTargets[] | select(.health == "up")] | length' <<<"$targets")" = 2 ] ||
	fail "targets: $(jq -c '.data.activeTargets[] | {health, lastError}' <<<"$targets")"
rules=$(curl -s "$api/rules")
[ "$(jq '[.data.groups[].rules[]] | length' <<<"$rules")" = 4 ] ||
	fail "rules: $rules"
pass "no scrape errors; the 4 shipped alert rules are loaded"
