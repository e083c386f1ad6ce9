#!/usr/bin/env bash
# TRIAGE_LOG_FORMAT=plain: `time LEVEL [trace] content k=v caller=...`,
# coloured by level on a terminal (a pseudo-terminal that Python opens)
# and not on a pipe or with NO_COLOR; TRIAGE_LOG_LEVEL filters; a
# malformed TRIAGE_LOG_LEVEL is reported and the defaults used.
. "$(dirname "$0")/../lib/e2e.sh"

W=$PROGS/log_writer

TRIAGE_LOG_FORMAT=plain "$W" span 2>"$WORK/pipe.txt"
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}(Z|[+-][0-9]{2}:[0-9]{2})'
grep -Eq "^$ts INFO  outside caller=programs/log_writer.c:[0-9]+\$" \
	"$WORK/pipe.txt" || fail "plain line: $(head -1 "$WORK/pipe.txt")"
grep -Eq "^$ts ERROR \[a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\] inside ms=12.5 retry=true caller=" \
	"$WORK/pipe.txt" || fail "plain line: $(tail -1 "$WORK/pipe.txt")"
grep -q $'\033' "$WORK/pipe.txt" && fail "colour on a pipe"
pass "plain lines on a pipe: time, level, [trace], content, k=v, no colour"

TRIAGE_LOG_PATH=stdout TRIAGE_SERVICE_NAME=epro-api "$W" span \
	>"$WORK/out.txt" 2>"$WORK/err.txt"
[ -s "$WORK/err.txt" ] && fail "stderr with TRIAGE_LOG_PATH=stdout: $(cat "$WORK/err.txt")"
[ "$(jq -r .service "$WORK/out.txt" | sort -u)" = epro-api ] ||
	fail "service on stdout: $(cat "$WORK/out.txt")"
pass "TRIAGE_LOG_PATH=stdout writes there, with TRIAGE_SERVICE_NAME"

on_tty() {
	python3 - "$@" <<'PY'
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stderr=slave, stdout=slave)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
rc = p.wait()
sys.stdout.buffer.write(out)
sys.exit(rc)
PY
}
TRIAGE_LOG_FORMAT=plain on_tty "$W" span >"$WORK/tty.txt" ||
	fail "log_writer on a terminal"
grep -q $'\033\\[32mINFO \033\\[0m outside' "$WORK/tty.txt" ||
	fail "no green INFO: $(cat -v "$WORK/tty.txt")"
grep -q $'\033\\[1;31mERROR\033\\[0m \\[' "$WORK/tty.txt" ||
	fail "no red ERROR: $(cat -v "$WORK/tty.txt")"
NO_COLOR=1 TRIAGE_LOG_FORMAT=plain on_tty "$W" span >"$WORK/nc.txt"
grep -q $'\033' "$WORK/nc.txt" && fail "colour despite NO_COLOR"
pass "on a terminal the level is coloured (green INFO, red ERROR), not with NO_COLOR"

TRIAGE_LOG_LEVEL=error "$W" span 2>"$WORK/level.txt"
[ "$(wc -l <"$WORK/level.txt")" = 1 ] && grep -q '"inside"' "$WORK/level.txt" ||
	fail "TRIAGE_LOG_LEVEL=error: $(cat "$WORK/level.txt")"
TRIAGE_LOG_LEVEL=off "$W" span 2>"$WORK/off.txt"
[ -s "$WORK/off.txt" ] && fail "TRIAGE_LOG_LEVEL=off wrote $(cat "$WORK/off.txt")"
TRIAGE_LOG_LEVEL=loud "$W" span 2>"$WORK/bad.txt"
grep -q '^triage: TRIAGE_LOG_LEVEL=loud is malformed' "$WORK/bad.txt" ||
	fail "malformed level: $(cat "$WORK/bad.txt")"
[ "$(grep -c '"content"' "$WORK/bad.txt")" = 2 ] || fail "defaults after a bad level"
pass "TRIAGE_LOG_LEVEL filters (error, off); a malformed one is reported"
