#!/usr/bin/env bash
# The memory-leak scene end to end, as the playbook walks it: emr-cache
# under `triage run`, 25 requests for records. Then:
# - RSS has grown by about 250 MB;
# - threads?debug=1 has one group of 25 threads whose stack holds
#   load_emr_record, and debug=2 lists each of them with its state;
# - go tool pprof, reading the heap profile, shows load_emr_record on top
#   of inuse_space with 250 MB (within 10%).
. "$(dirname "$0")/../lib/e2e.sh"

"$TRIAGE" run -- "$B/bin/emr-cache" --port 0 \
	>"$WORK/svc.out" 2>"$WORK/svc.err" &
STARTED+=($!)
wait_for 10 grep -q '^listening on ' "$WORK/svc.out" || fail "service did not start"
wait_for 10 grep -q '^triage: agent for ' "$WORK/svc.err" ||
	fail "no agent: $(cat "$WORK/svc.err")"
pid=$(sed -n 's/^triage: agent for .* (pid \([0-9]*\)).*/\1/p' "$WORK/svc.err")
# Killing `triage run` would leave the service behind: kill it too.
STARTED+=("$pid")
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/svc.out")
wait_http "$pid"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
before=$(rss_kb)

for i in $(seq 1 25); do
	code=$(curl -s -o "$WORK/emr.json" -w '%{http_code}' --max-time 30 \
		"http://127.0.0.1:$port/cache/emr?id=patient-$i")
	[ "$code" = 200 ] || fail "request $i: HTTP $code: $(cat "$WORK/emr.json")"
done
grep -q '"cached":true' "$WORK/emr.json" || fail "answer: $(cat "$WORK/emr.json")"
code=$(curl -s -o "$WORK/bad.json" -w '%{http_code}' \
	"http://127.0.0.1:$port/cache/emr?id=")
[ "$code" = 400 ] || fail "an empty id answers $code, not 400"

# Rising memory: 25 records of 10 MiB each, every page written.
grown=$(($(rss_kb) - before))
[ "$grown" -ge $((25 * 10240 * 9 / 10)) ] ||
	fail "RSS grew by $grown kB, not ~256000 kB"
pass "RSS grew by $grown kB after 25 requests"

# The thread dump: one group of 25 threads in load_emr_record.
code=$(get "$pid" "/debug/pprof/threads?debug=1" "$WORK/threads.txt")
[ "$code" = 200 ] || fail "threads?debug=1: HTTP $code"
group=$(awk '/^[0-9]+ @/ { n = $1 } /load_emr_record/ && n { print n; n = 0 }' \
	"$WORK/threads.txt")
[ "$group" = 25 ] || {
	cat "$WORK/threads.txt"
	fail "groups holding load_emr_record: '$group', not one of 25"
}
first=$(awk '/^[0-9]+ @/ { print $1; exit }' "$WORK/threads.txt")
[ "$first" = 25 ] || fail "the first (largest) group has $first threads"
pass "threads?debug=1: one group of 25 threads in load_emr_record, first"

code=$(get "$pid" "/debug/pprof/threads?debug=2" "$WORK/dump.txt")
[ "$code" = 200 ] || fail "threads?debug=2: HTTP $code"
keepers=$(grep -cE '^thread [0-9]+ \[sleeping, syscall futex.*name "emr-keeper"\]:$' \
	"$WORK/dump.txt" || true)
[ "$keepers" = 25 ] || {
	grep '^thread ' "$WORK/dump.txt"
	fail "debug=2 lists $keepers emr-keeper threads asleep in futex, not 25"
}
in_load=$(awk '/^thread [0-9]+ /{ k = /emr-keeper/ } k && /^load_emr_record\(/ { n++ }
	END { print n + 0 }' "$WORK/dump.txt")
[ "$in_load" = 25 ] || fail "$in_load emr-keeper stacks hold load_emr_record"
pass "threads?debug=2: 25 emr-keeper threads, each sleeping in futex"

# The heap profile, read by go tool pprof: load_emr_record on top of
# inuse_space with 250 MB (the 25 records; 10 MiB = 10.49 MB each).
code=$(get "$pid" "/debug/pprof/heap" "$WORK/heap.pb.gz")
[ "$code" = 200 ] || fail "heap profile: HTTP $code: $(head -c 300 "$WORK/heap.pb.gz")"
gopprof -sample_index=inuse_space -top "$WORK/heap.pb.gz" >"$WORK/heap.top" ||
	fail "go tool pprof cannot read the heap profile"
top=$(awk '/flat%/ { getline; print; exit }' "$WORK/heap.top")
fn=$(awk '{ print $6 }' <<<"$top")
[ "$fn" = load_emr_record ] || {
	cat "$WORK/heap.top"
	fail "top of inuse_space is '$fn', not load_emr_record"
}
mb=$(awk '{ v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
	m = (u == "GB") ? 1024 : (u == "MB") ? 1 : (u == "kB") ? 1 / 1024 : 0
	print v * m }' <<<"$top")
approx "$mb" 250 10 || {
	cat "$WORK/heap.top"
	fail "load_emr_record holds $mb MB of inuse_space, not 250 (±10%)"
}
pass "heap: load_emr_record on top of inuse_space with $mb MB"
