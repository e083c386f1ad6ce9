# cli_usage.sh - bad usage of each subcommand exits 2 with one line on
# stderr (and nothing on stdout); --help exits 0 with the usage on stdout.
source "$(dirname "$0")/cli_helpers.bash"

out=$SCRATCH/out err=$SCRATCH/err

# bad NAME ARGS...: `triage ARGS` exits 2 with one line on stderr.
bad() {
	local name=$1
	shift
	"$TRIAGE" "$@" >"$out" 2>"$err" </dev/null
	check "$name: exit status" 2 "$?"
	check "$name: lines on stderr" 1 "$(wc -l <"$err")"
	check "$name: nothing on stdout" 0 "$(wc -c <"$out")"
}

# help NAME ARGS...: exits 0, usage on stdout, stderr empty.
help() {
	local name=$1
	shift
	"$TRIAGE" "$@" >"$out" 2>"$err" </dev/null
	check "$name: exit status" 0 "$?"
	check_grep "$name: usage on stdout" '^usage: triage' "$out"
	check "$name: nothing on stderr" 0 "$(wc -c <"$err")"
}

unset TRIAGE_TOKEN
bad "unknown command" frobnicate
bad "run: no arguments" run
bad "run: unknown flag" run --frob -- true
bad "run: --hz 0" run --hz 0 -- true
bad "run: --hz 1001" run --hz 1001 -- true
bad "run: --hz not a number" run --hz 10x -- true
bad "run: --hz without value" run --hz
bad "run: no -- before PROG" run true
bad "run: no PROG after --" run --
bad "run: malformed --listen" run --listen 6060 -- true
bad "run: --listen port out of range" run --listen :70000 -- true
bad "run: public --listen without token" run --listen 0.0.0.0:6060 -- true
bad "pprof: no arguments" pprof
bad "pprof: unknown flag" pprof -frob x.pb.gz
bad "pprof: -seconds 0" pprof -seconds 0 x.pb.gz
bad "pprof: -seconds not a number" pprof -seconds=ten x.pb.gz
bad "pprof: -seconds without value" pprof -seconds
bad "pprof: two reports" pprof -top -tree a.pb.gz
bad "pprof: -diff_base with -base" pprof -diff_base a -base b c.pb.gz
bad "pprof: -o with two sources" pprof -o x a.pb.gz b.pb.gz
bad "pprof: bad -peek regex" pprof -peek '[' x.pb.gz
bad "pprof: two sample indexes" pprof -inuse_space -sample_index=0 x.pb.gz
bad "pprof: -nodecount negative" pprof -nodecount -1 x.pb.gz
bad "pprof: bad -focus regex" pprof -focus '(' x.pb.gz
bad "pprof: -top=maybe" pprof -top=maybe x.pb.gz

check_grep "run: the reason names the flag" "'--frob'" <("$TRIAGE" run --frob -- true 2>&1)
check_grep "run: the reason says what to do" "see 'triage run --help'" \
	<("$TRIAGE" run true 2>&1)
check_grep "pprof: the reason names the range" "from 1 to 3600" \
	<("$TRIAGE" pprof -seconds 0 x 2>&1)

help "triage --help" --help
help "run --help" run --help
help "run -h" run -h
help "pprof --help" pprof --help
help "pprof -help after a flag" pprof -top -help

finish
