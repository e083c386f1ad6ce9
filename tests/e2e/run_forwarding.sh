# run_forwarding.sh - `triage run` stands in for its program: the exit
# status comes back (128+N for signal N), signals sent to triage reach
# the program (and SIGKILL of triage ends it), the agent is preloaded
# with the flags as TRIAGE_* variables, and it says where the agent
# listens once the socket is there.
source "$(dirname "$0")/cli_helpers.bash"

sigcatch=$BUILD/tests/cli_sigcatch
server=$BUILD/tests/cli_pprof_server
fixture=${TRIAGE_SOURCE:?}/tests/data/cli/burn.cpu.pb.gz
err=$SCRATCH/err
export TRIAGE_SOCKET_DIR=$SCRATCH/sockets
mkdir -m 700 "$TRIAGE_SOCKET_DIR"
unset TRIAGE_TOKEN TRIAGE_LISTEN TRIAGE_LIB

# Exit statuses.
"$TRIAGE" run -- sh -c 'exit 7' 2>"$err"
check "exit 7 comes back" 7 "$?"
"$TRIAGE" run -- sh -c 'kill -TERM $$' 2>"$err"
check "a child killed by SIGTERM gives 143" 143 "$?"
"$TRIAGE" run -- sh -c 'kill -SEGV $$' 2>"$err"
check "a child killed by SIGSEGV gives 139" 139 "$?"
check_grep "a crash is reported" 'killed by signal 11' "$err"
"$TRIAGE" run -- "$SCRATCH/no-such-program" 2>"$err"
check "a missing program gives 127" 127 "$?"
check_grep "and says so" "cannot run '.*no-such-program': No such file" "$err"

# Signals sent to triage reach the program (it exits 100 + signal).
for sig in INT TERM HUP QUIT; do
	out=$SCRATCH/sig-$sig
	"$TRIAGE" run -- "$sigcatch" >"$out" 2>"$err" &
	pid=$!
	STARTED+=("$pid")
	if ! wait_until 10 grep -q ready "$out"; then
		check "SIG$sig: child ready" ready "$(cat "$out")"
		continue
	fi
	kill -"$sig" "$pid"
	wait_exit 10 "$pid"
	num=$(kill -l "$sig")
	check "SIG$sig is forwarded: exit status" "$((100 + num))" "$EXIT_STATUS"
	check_grep "SIG$sig is forwarded: the child caught it" "^caught $num\$" "$out"
done

# A SIGKILL of triage, which it cannot forward, still ends the program.
out=$SCRATCH/orphan
"$TRIAGE" run -- sh -c 'echo "child $$"; exec sleep 600' >"$out" 2>"$err" &
pid=$!
STARTED+=("$pid")
wait_until 10 grep -q '^child ' "$out"
child=$(sed -n 's/^child //p' "$out")
STARTED+=("$child")
kill -KILL "$pid"
wait_until 10 sh -c "! kill -0 $child 2>/dev/null"
check "the program ends when triage run is killed" gone \
	"$(kill -0 "$child" 2>/dev/null && echo running || echo gone)"

# The agent is preloaded by absolute path, and flags become TRIAGE_*,
# overriding the environment.
agent=$(realpath "$BUILD/lib/libtriage.so")
echo s3cret >"$SCRATCH/token"
TRIAGE_CPU_HZ=50 "$TRIAGE" run --hz 250 --socket-dir "$SCRATCH/sockets" \
	--cpuprofile "$SCRATCH/cpu.pb.gz" --token-file "$SCRATCH/token" \
	--listen 127.0.0.1:0 -- sh -c 'printf "%s\n" "$LD_PRELOAD" \
	"$TRIAGE_CPU_HZ" "$TRIAGE_SOCKET_DIR" "$TRIAGE_CPUPROFILE" \
	"$TRIAGE_TOKEN" "$TRIAGE_LISTEN"' >"$SCRATCH/env" 2>"$err"
check "env: exit status" 0 "$?"
check "env: LD_PRELOAD" "$agent" "$(sed -n 1p "$SCRATCH/env")"
check "env: --hz overrides TRIAGE_CPU_HZ" 250 "$(sed -n 2p "$SCRATCH/env")"
check "env: --socket-dir" "$SCRATCH/sockets" "$(sed -n 3p "$SCRATCH/env")"
check "env: --cpuprofile" "$SCRATCH/cpu.pb.gz" "$(sed -n 4p "$SCRATCH/env")"
check "env: --token-file" s3cret "$(sed -n 5p "$SCRATCH/env")"
check "env: --listen" 127.0.0.1:0 "$(sed -n 6p "$SCRATCH/env")"

LD_PRELOAD=/lib/other.so "$TRIAGE" run -- sh -c 'echo "$LD_PRELOAD"' \
	>"$SCRATCH/env" 2>"$err"
check "env: the agent goes in front of LD_PRELOAD" "$agent:/lib/other.so" \
	"$(cat "$SCRATCH/env")"

TRIAGE_LIB=$SCRATCH/missing.so "$TRIAGE" run -- true 2>"$err"
check "a missing TRIAGE_LIB: exit status" 1 "$?"
check_grep "a missing TRIAGE_LIB: says what to do" \
	'TRIAGE_LIB=.*missing.so is not a readable file' "$err"

# Where the agent listens: a stand-in serves <pid>.sock as the agent
# would, and an empty library is preloaded so the agent cannot race it.
export TRIAGE_LIB=$BUILD/tests/libcli_noop_agent.so
out=$SCRATCH/server
"$TRIAGE" run --listen :6060 -- "$server" "$fixture" \
	--socket-dir "$TRIAGE_SOCKET_DIR" >"$out" 2>"$err" &
pid=$!
STARTED+=("$pid")
wait_until 10 grep -q '^triage: agent for' "$err"
child=$(sed -n 's/^socket .*\/\([0-9]*\)\.sock$/\1/p' "$out")
check_grep "announces the socket" \
	"^triage: agent for .*cli_pprof_server \\(pid $child\\) at unix:$TRIAGE_SOCKET_DIR/$child.sock and http://127.0.0.1:6060\$" \
	"$err"
kill -TERM "$pid"
wait_exit 10 "$pid"
check "the stand-in ends cleanly on a forwarded SIGTERM" 0 "$EXIT_STATUS"

finish
