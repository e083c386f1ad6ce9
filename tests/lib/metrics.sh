# metrics.sh - helpers of the metrics end-to-end tests. Sourced after
# e2e.sh.

# start_metrics_service JOBS: starts tests/programs/metrics_service with
# the agent on a TCP port the kernel picks; sets SVC (pid), AGENT and
# APP (ports).
start_metrics_service() {
	TRIAGE_LISTEN=127.0.0.1:0 start_bg "$WORK/svc.log" \
		"$PROGS/metrics_service" "$1" 300
	SVC=$PID
	wait_for 10 grep -q '^agent=' "$WORK/svc.log" ||
		fail "metrics_service did not start: $(cat "$WORK/svc.log")"
	AGENT=$(sed -n 's/^agent=\([0-9]*\) .*/\1/p' "$WORK/svc.log")
	APP=$(sed -n 's/.* app=\([0-9]*\)$/\1/p' "$WORK/svc.log")
}

# start_preloaded: patient-import, which knows nothing of triage, with
# the agent preloaded on a TCP port; sets PRE (pid) and PRE_PORT.
start_preloaded() {
	TRIAGE_LISTEN=127.0.0.1:0 TRIAGE_VERBOSE=2 agent_bg "$WORK/pre.log" \
		"$B/bin/patient-import" --port 0 --work 1000
	PRE=$PID
	wait_for 10 grep -q 'listening on http://' "$WORK/pre.log" ||
		fail "preloaded agent did not listen: $(cat "$WORK/pre.log")"
	PRE_PORT=$(sed -n 's/.*listening on http:[^ ]*:\([0-9]*\).*/\1/p' \
		"$WORK/pre.log" | head -n1)
}

# sample FILE SERIES: the value of SERIES (name{labels} exactly as
# written) in an exposition, or nothing.
sample() {
	# Through the environment: awk -v would undo the backslashes.
	SERIES=$2 awk 'BEGIN { s = ENVIRON["SERIES"] }
		index($0, s " ") == 1 { print substr($0, length(s) + 2) }' "$1"
}

# check_histograms FILE: what promtool lets through, checked here: in
# every histogram series the buckets' le increase, their counts never
# fall, the last is +Inf, and it equals _count.
check_histograms() {
	awk '
	function fail(msg) { print "histogram: " msg ": " $0; bad = 1; exit 1 }
	/^# TYPE [^ ]+ histogram$/ { hist[$3] = 1; next }
	/^#/ { next }
	{
		name = $1; sub(/\{.*/, "", name)
		base = name; sub(/_(bucket|count)$/, "", base)
		if (!(base in hist)) next
		line = $0; val = $NF
		if (name == base "_bucket") {
			i = match(line, /[{,]le="[^"]*"\} /)
			if (!i) fail("no le label last")
			le = substr(line, i + 5, RLENGTH - 8)
			key = base substr(line, length(base "_bucket") + 1, i - length(base "_bucket"))
			lev = (le == "+Inf") ? "inf" : le + 0
			if (key in last_le) {
				if (last_le[key] == "inf") fail("bucket after +Inf")
				if (lev != "inf" && lev <= last_le[key]) fail("le not increasing")
				if (val + 0 < last_v[key]) fail("counts not cumulative")
			}
			last_le[key] = lev; last_v[key] = val + 0; n++
		} else if (name == base "_count") {
			pre = length(base "_count")
			rest = substr(line, pre + 1, length(line) - length(val) - 1 - pre)
			k = (rest == "") ? base "{" : base substr(rest, 1, length(rest) - 1) ","
			if (last_le[k] != "inf") fail("no +Inf bucket")
			if (last_v[k] != val + 0) fail("+Inf bucket is not _count")
			counted++
		}
	}
	END { if (bad) exit 1; if (!counted) { print "no histogram checked"; exit 1 } print counted }
	' "$1"
}
