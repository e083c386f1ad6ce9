# cli_helpers.bash - what the end-to-end tests of the triage command share
# (sourced; not a test itself): paths, a scratch folder that is removed
# with every process the test started, checks that print both values,
# and waiting on a condition with a deadline.
set -u

BUILD=${TRIAGE_BUILD:?TRIAGE_BUILD must name the build folder}
TRIAGE=$BUILD/bin/triage
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/triage-e2e.XXXXXX")
STARTED=()
FAILS=0
CHECKS=0

cleanup() {
	local p
	for p in "${STARTED[@]+"${STARTED[@]}"}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${STARTED[@]+"${STARTED[@]}"}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

# check NAME EXPECTED ACTUAL: equal strings.
check() {
	CHECKS=$((CHECKS + 1))
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "     expected: $2"
		echo "     actual:   $3"
		FAILS=$((FAILS + 1))
	fi
}

# check_grep NAME PATTERN FILE: an extended regex matches a line of FILE.
check_grep() {
	CHECKS=$((CHECKS + 1))
	if grep -Eq -- "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "     expected a line matching: $2"
		echo "     in $3:"
		sed 's/^/       | /' "$3"
		FAILS=$((FAILS + 1))
	fi
}

# check_no_grep NAME PATTERN FILE: no line of FILE matches.
check_no_grep() {
	CHECKS=$((CHECKS + 1))
	if ! grep -Eq -- "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "     expected no line matching: $2"
		echo "     in $3:"
		sed 's/^/       | /' "$3"
		FAILS=$((FAILS + 1))
	fi
}

# wait_until SECONDS COMMAND...: runs COMMAND every 20 ms until it
# succeeds; fails once SECONDS have passed.
wait_until() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# wait_exit SECONDS PID: waits for a child; its status in $EXIT_STATUS.
# Kills it and fails when it outlives the deadline.
wait_exit() {
	if ! wait_until "$1" eval "! kill -0 $2 2>/dev/null"; then
		kill -KILL "$2" 2>/dev/null
		wait "$2" 2>/dev/null
		EXIT_STATUS=timeout
		return 1
	fi
	wait "$2"
	EXIT_STATUS=$?
}

# port_of FILE: the port of the "listening on 127.0.0.1:PORT" line.
port_of() {
	sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$1" | head -n 1
}

finish() {
	echo "$((CHECKS - FAILS)) of $CHECKS checks passed"
	[ "$FAILS" -eq 0 ]
}
