# otlp.sh - the OTLP receiver of the span tests. Sourced after e2e.sh.
#
# The receiver decodes with OpenTelemetry JS (tests/otlp/package.json,
# pinned), which npm installs once into the build folder: an oracle that
# shares nothing with triage's own transcription of the protos.

OTLP_NODE=$B/otlp-node

# otlp_setup: installs the decoder when it is not there yet.
otlp_setup() {
	command -v node >/dev/null && command -v npm >/dev/null ||
		fail "node and npm are needed (scripts/deps installs them)"
	(
		flock 9
		[ -f "$OTLP_NODE/node_modules/@opentelemetry/otlp-transformer/build/src/generated/root.js" ] &&
			exit 0
		mkdir -p "$OTLP_NODE"
		cp "$S/tests/otlp/package.json" "$S/tests/otlp/package-lock.json" \
			"$OTLP_NODE/"
		cd "$OTLP_NODE" &&
			npm ci --no-audit --no-fund --ignore-scripts \
				>npm.log 2>&1
	) 9>"$B/otlp-node.lock" || fail "npm ci failed: $(tail -5 "$OTLP_NODE/npm.log")"
	export NODE_PATH=$OTLP_NODE/node_modules
}

# start_receiver NAME [VAR=VALUE...]: starts a receiver whose files are
# $WORK/NAME.{port,spans,requests}; sets RECEIVER (its URL) and RPID.
start_receiver() {
	local name=$1
	shift
	: >"$WORK/$name.spans"
	: >"$WORK/$name.requests"
	start_bg "$WORK/$name.log" env "$@" node "$S/tests/otlp/receiver.js" \
		"$WORK/$name.port" "$WORK/$name.spans" "$WORK/$name.requests"
	RPID=$PID
	wait_for 20 test -s "$WORK/$name.port" ||
		fail "receiver $name did not start: $(cat "$WORK/$name.log")"
	RECEIVER=http://127.0.0.1:$(cat "$WORK/$name.port")
}

# json_field FILE FIELD: a number field of the one-line JSON in FILE.
json_field() {
	node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1],
		"utf8")); console.log(o[process.argv[2]])' "$1" "$2"
}
