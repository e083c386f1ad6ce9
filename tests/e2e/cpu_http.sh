#!/usr/bin/env bash
# The CPU profile over HTTP: the same profile through the Unix socket and
# TCP, read by go tool pprof straight from the URL; bad parameters; a
# second profile while one runs; a non-loopback listen without a token;
# requests without the token.
. "$(dirname "$0")/../lib/e2e.sh"
export TRIAGE_VERBOSE=2

# A service burning CPU, listening on a port the kernel picked.
export TRIAGE_LISTEN=127.0.0.1:0
agent_bg "$WORK/svc.log" "$PROGS/cpu_shares" 60
svc=$PID
wait_for 10 grep -q 'listening on http://' "$WORK/svc.log" ||
	fail "agent did not report its TCP port: $(cat "$WORK/svc.log")"
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/svc.log" | head -n1)
wait_agent "$svc"
unset TRIAGE_LISTEN

code=$(get "$svc" "/debug/pprof/profile?seconds=2" "$WORK/unix.pb.gz")
[ "$code" = 200 ] || fail "socket: HTTP $code"
gopprof -top "$WORK/unix.pb.gz" | grep -q burn_alpha || fail "socket profile lacks burn_alpha"
pass "profile through the Unix socket"

gopprof -top "$url/debug/pprof/profile?seconds=2" >"$WORK/tcp.top" ||
	fail "go tool pprof could not fetch $url"
grep -q burn_alpha "$WORK/tcp.top" || fail "TCP profile lacks burn_alpha"
grep -q 'Type: cpu' "$WORK/tcp.top" || fail "not a CPU profile"
pass "go tool pprof fetches over TCP"

# Bad parameters: 400, Go's error headers, a reason.
for q in seconds=0 seconds=-1 seconds=abc seconds=5s seconds=3601 \
	seconds= hz=0 hz=1001 hz=x; do
	code=$(curl -s -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' \
		"$url/debug/pprof/profile?$q")
	[ "$code" = 400 ] || fail "?$q gave HTTP $code"
	grep -qi '^X-Go-Pprof: 1' "$WORK/h" || fail "?$q: no X-Go-Pprof header"
	grep -q 'invalid value for' "$WORK/b" || fail "?$q: body $(cat "$WORK/b")"
done
pass "bad seconds and hz values give 400 with a reason"

code=$(curl -s -o "$WORK/b" -w '%{http_code}' "$url/debug/pprof/nosuch")
[ "$code" = 404 ] && grep -q 'Unknown profile' "$WORK/b" || fail "unknown profile: $code"
code=$(curl -s -o "$WORK/b" -w '%{http_code}' "$url/debug/pprof/cmdline")
[ "$code" = 200 ] && tr '\0' ' ' <"$WORK/b" | grep -q 'cpu_shares 60' ||
	fail "cmdline: $code $(cat "$WORK/b")"
code=$(curl -s -o "$WORK/b" -w '%{http_code}' "$url/debug/pprof/")
[ "$code" = 200 ] && grep -q "href='profile'" "$WORK/b" || fail "index: $code"
pass "index, cmdline and unknown profiles"

# A second profile while one runs. The profiler's thread, triage-cpu,
# exists exactly while a profile runs: once it is there, ask again.
curl -s -o "$WORK/first.pb.gz" "$url/debug/pprof/profile?seconds=3" &
first=$!
wait_for 5 sh -c "cat /proc/$svc/task/*/comm | grep -qx triage-cpu" ||
	fail "the first profile did not start"
code=$(curl -s -D "$WORK/h" -o "$WORK/b2" -w '%{http_code}' \
	"$url/debug/pprof/profile?seconds=1")
[ "$code" = 500 ] || fail "second profile: HTTP $code"
grep -qi '^X-Go-Pprof: 1' "$WORK/h" || fail "second profile: no X-Go-Pprof"
grep -qx 'Could not enable CPU profiling: cpu profiling already in use' \
	"$WORK/b2" || fail "second profile: $(head -c 200 "$WORK/b2")"
wait "$first"
gopprof -top "$WORK/first.pb.gz" | grep -q burn_alpha || fail "first profile spoiled"
pass "a second profile while one runs: 500, cpu profiling already in use"

# The symbol endpoint resolves an address of burn_alpha's own loop. It
# names the innermost function at an address, as Go's does, so a location
# where burn.h's clock helper is inlined (burn_alpha on the location's
# second line, which has no address) would name the helper: skip those.
addr=$(gopprof -raw "$WORK/unix.pb.gz" |
	awk '$2 ~ /^0x/ && $4 == "burn_alpha" { print $2; exit }')
[ -n "$addr" ] || fail "no location of burn_alpha's own in the profile"
printf '%s+0x1' "$addr" >"$WORK/addrs"
curl -s --data-binary @"$WORK/addrs" "$url/debug/pprof/symbol" >"$WORK/sym"
head -n1 "$WORK/sym" | grep -q '^num_symbols: 1$' || fail "symbol: $(cat "$WORK/sym")"
grep -q " burn_alpha$" "$WORK/sym" || fail "symbol of $addr: $(cat "$WORK/sym")"
pass "symbol endpoint names $addr"
kill "$svc"

# Non-loopback without a token: the agent refuses to start, and says so.
TRIAGE_LISTEN=0.0.0.0:0 LD_PRELOAD=$LIBTRIAGE "$PROGS/cpu_shares" 0.1 >"$WORK/out" 2>"$WORK/err" ||
	fail "host died when the agent refused to start"
grep -q 'TRIAGE_TOKEN' "$WORK/err" || fail "no reason given: $(cat "$WORK/err")"
pass "non-loopback listen without a token refused: $(head -n1 "$WORK/err")"

# With a token: 401 without it, 200 with it.
TRIAGE_LISTEN=0.0.0.0:0 TRIAGE_TOKEN=hunter2 \
	agent_bg "$WORK/tok.log" "$PROGS/cpu_shares" 60
wait_for 10 grep -q 'listening on http://' "$WORK/tok.log" || fail "no port"
port=$(sed -n 's/.*listening on http:[^ ]*:\([0-9]*\).*/\1/p' "$WORK/tok.log" | head -n1)
u=http://127.0.0.1:$port/debug/pprof/cmdline
[ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 401 ] || fail "no token: not 401"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$u")" = 401 ] ||
	fail "wrong token: not 401"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer hunter2' "$u")" = 200 ] ||
	fail "right token: not 200"
pass "token required on a non-loopback listener"
