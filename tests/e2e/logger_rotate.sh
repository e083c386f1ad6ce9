#!/usr/bin/env bash
# The log file's rotation: by size, keeping TRIAGE_LOG_KEEP rotated files
# (the newest, so the kept lines run without a gap to the last one), each
# whole JSON lines; and by day, a file left from an earlier day rotating
# to <name>-<that day> at the first write.
. "$(dirname "$0")/../lib/e2e.sh"

W=$PROGS/log_writer
mkdir -p "$WORK/logs"
LOG=$WORK/logs/rot.log

TRIAGE_LOG_PATH=$LOG TRIAGE_LOG_MAX_SIZE=100k TRIAGE_LOG_KEEP=3 \
	"$W" threads 1 3000 || fail "log_writer threads"
mapfile -t backups < <(cd "$WORK/logs" && ls rot.log-* | sort)
[ ${#backups[@]} = 3 ] || fail "kept ${#backups[@]} files: ${backups[*]}"
for b in "${backups[@]}"; do
	[[ $b =~ ^rot\.log-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}(\.[0-9]+)?$ ]] ||
		fail "backup name $b"
done
pass "TRIAGE_LOG_KEEP=3: three rotated files, named rot.log-<date>T<time>"

python3 - "$LOG" "$WORK"/logs/rot.log-* <<'PY' || fail "rotated lines"
import json, os, sys
seqs = []
for path in sys.argv[1:]:
    size = os.path.getsize(path)
    # Rotation happens between batches: a file passes the limit by at
    # most a batch (64 KiB) or one line larger than that (~80 KB).
    assert size <= 100 * 1024 + 160 * 1024, (path, size)
    # The room reserved ahead of the writes (a mebibyte) is given back
    # at rotation: a rotated file holds its size in blocks, give or take
    # a few.
    if path != sys.argv[1]:
        disk = os.stat(path).st_blocks * 512
        assert disk <= size + 64 * 1024, (path, size, disk)
    for raw in open(path, "rb"):
        seqs.append(json.loads(raw.decode())["seq"])
seqs.sort()
assert seqs[-1] == 2999, seqs[-1]
assert seqs == list(range(seqs[0], 3000)), "a gap or a repeat"
assert seqs[0] > 0, "nothing was rotated away"
PY
pass "kept files hold whole JSON lines, the newest, without a gap, and no reserved room"

# A file last written yesterday rotates to rot2.log-<yesterday>.
LOG2=$WORK/logs/rot2.log
echo '{"level":"info","content":"yesterday"}' >"$LOG2"
touch -d "yesterday 12:00" "$LOG2"
day=$(date -d "yesterday 12:00" +%Y-%m-%d)
TRIAGE_LOG_PATH=$LOG2 "$W" count 5 >/dev/null || fail "log_writer count"
[ -f "$LOG2-$day" ] || fail "no $LOG2-$day: $(ls "$WORK/logs")"
grep -q yesterday "$LOG2-$day" || fail "yesterday's line moved"
[ "$(wc -l <"$LOG2")" = 5 ] || fail "today's file: $(cat "$LOG2")"
TRIAGE_LOG_PATH=$LOG2 TRIAGE_LOG_DAILY=0 "$W" count 2 >/dev/null
[ "$(wc -l <"$LOG2")" = 7 ] || fail "appending after a restart"
pass "daily: yesterday's file became rot2.log-$day; a restart appends"
