#!/usr/bin/env bash
# The logger's lines, checked by independent parsers (Python's json and
# jq): threads writing at once give only whole lines, to a file and to a
# pipe (where only writes of up to PIPE_BUF bytes are atomic), lines over
# 64 KiB and payloads with control bytes and invalid UTF-8 included; a
# crash (SIGSEGV, abort, SIGTERM) keeps every line logged before it; the
# trace context and the fields come out as the contract says; and the
# agent's counters count the lines.
. "$(dirname "$0")/../lib/e2e.sh"

W=$PROGS/log_writer
CHECK="python3 $S/tests/lib/check_log.py"

TRIAGE_LOG_PATH=$WORK/threads.log "$W" threads 8 4000 ||
	fail "log_writer threads exited $?"
$CHECK "$WORK/threads.log" 8 4000 || fail "threads to a file"
jq -e . "$WORK/threads.log" >/dev/null || fail "jq rejects the file"
pass "8 threads x 4000 lines to a file: every line whole, parsed, in order"

"$W" threads 4 3000 2>&1 >/dev/null | cat >"$WORK/pipe.log"
$CHECK "$WORK/pipe.log" 4 3000 || fail "threads to a pipe"
pass "4 threads x 3000 lines to stderr on a pipe: every line whole"

for how in segv abort term; do
	rc=0
	TRIAGE_LOG_PATH=$WORK/$how.log "$W" crash "$how" 2500 || rc=$?
	[ "$rc" -gt 128 ] || fail "crash $how: exit status $rc, not a signal"
	n=$(jq -s 'map(select(.content == "before the '"$how"'")) | length' \
		"$WORK/$how.log") || fail "jq rejects the lines before $how"
	[ "$n" = 2500 ] || fail "crash $how: $n of 2500 lines kept"
done
pass "SIGSEGV, abort() and SIGTERM keep all 2500 lines logged before them"

TRIAGE_LOG_PATH=$WORK/exit.log "$W" crash exit 100 || fail "crash exit"
tail -1 "$WORK/exit.log" | jq -e '.content == "after the logger'"'"'s exit handler"' \
	>/dev/null || fail "no line from a late atexit handler"
[ "$(wc -l <"$WORK/exit.log")" = 101 ] || fail "exit: lines lost"
pass "exit keeps every line, one logged by a later atexit handler too"

"$W" span 2>"$WORK/span.log" || fail "log_writer span"
python3 - "$WORK/span.log" <<'PY' || fail "span line"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
out, inside = lines
assert list(out) == ["@timestamp", "level", "content", "caller"], out
assert list(inside) == ["@timestamp", "level", "content", "trace", "span",
                        "caller", "parent", "ms", "retry"], inside
assert inside["trace"] == "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", inside
assert inside["span"] == "1011121314151617", inside
assert inside["parent"] == "3031323334353637", inside
assert inside["level"] == "error" and inside["ms"] == 12.5, inside
assert inside["retry"] is True, inside
assert inside["caller"].startswith("programs/log_writer.c:"), inside
PY
pass "trace, span, parent and typed fields in the contract's order"

TRIAGE_LOG_PATH=$WORK/fork.log "$W" fork || fail "log_writer fork"
python3 - "$WORK/fork.log" <<'PY' || fail "fork"
import collections, json, sys
c = collections.Counter(json.loads(l)["content"] for l in open(sys.argv[1]))
want = ["parent before %d" % i for i in range(100)] + \
    ["child %d" % i for i in range(50)] + \
    ["parent after %d" % i for i in range(50)]
assert sorted(c) == sorted(want), set(c) ^ set(want)
assert max(c.values()) == 1, [k for k, v in c.items() if v > 1][:5]
PY
pass "a forked child logs its own lines, never the parent's again"

TRIAGE_LOG_PATH=$WORK/count.log "$W" count 321 >"$WORK/metrics.txt" ||
	fail "log_writer count"
grep -qx 'triage_log_lines_total 321' "$WORK/metrics.txt" ||
	fail "lines counter: $(grep log_lines "$WORK/metrics.txt")"
grep -qx 'triage_log_lines_dropped_total 0' "$WORK/metrics.txt" ||
	fail "dropped counter: $(grep dropped "$WORK/metrics.txt")"
[ "$(wc -l <"$WORK/count.log")" = 321 ] || fail "count.log lines"
pass "triage_log_lines_total counts 321 lines, none dropped, debug not"

# A full disk: writes fail with ENOSPC, and the lines are counted lost.
if [ -w /dev/full ]; then
	TRIAGE_LOG_PATH=/dev/full "$W" count 50 >"$WORK/full.txt" 2>&1 &&
		fail "flush to /dev/full reported success"
	grep -qx 'triage_log_lines_dropped_total 50' "$WORK/full.txt" ||
		fail "full disk: $(grep log_lines "$WORK/full.txt")"
	pass "a full disk (/dev/full): 50 lines counted as dropped"
fi
