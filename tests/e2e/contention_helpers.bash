# contention_helpers.bash - what the contention-profile end-to-end tests
# share (sourced after tests/lib/e2e.sh; not a test itself). Values are
# read with go tool pprof, the independent reader.

FIGHT=$PROGS/contention_fight

# value_of FILE FUNC INDEX COLUMN: FUNC's flat (COLUMN 1) or cum (4)
# value of sample type INDEX (delay in ns, or contentions) in
# go tool pprof -top; 0 when FUNC is not there.
value_of() {
	gopprof -sample_index="$3" -unit=ns -top "$1" | awk -v f="$2" -v c="$4" '
		$NF == f { v = $c; sub("ns$", "", v); print v; found = 1; exit }
		END { if (!found) print 0 }'
}

cum_delay() { value_of "$1" "$2" delay 4; }
flat_delay() { value_of "$1" "$2" delay 1; }
cum_count() { value_of "$1" "$2" contentions 4; }

# nsamples FILE: how many samples go tool pprof -raw lists.
nsamples() {
	gopprof -raw "$1" | awk '
		/^Samples:/ { on = 1; next }
		/^Locations/ { on = 0 }
		on && $1 ~ /^[0-9]+$/ { n++ }
		END { print n + 0 }'
}

# raw_total FILE COLUMN: the sum of value COLUMN (1 contentions, 2 delay)
# over the samples of go tool pprof -raw.
raw_total() {
	gopprof -raw "$1" | awk -v c="$2" '
		/^Samples:/ { on = 1; next }
		/^Locations/ { on = 0 }
		on && $1 ~ /^[0-9]+$/ { v = $c; sub(":", "", v); t += v }
		END { printf "%.0f\n", t }'
}

# truth LOG NAME: the program's own measurement NAME=<ns> from its log.
truth() {
	tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -n1
}

# fetch PID PATH FILE: GET through the agent's socket; fails unless 200.
fetch() {
	local code
	code=$(get "$1" "$2" "$3")
	[ "$code" = 200 ] || fail "GET $2 of pid $1: HTTP $code: $(head -c 300 "$3")"
}

# expect_near WHAT GOT WANT PCT: GOT within PCT percent of WANT.
expect_near() {
	approx "$2" "$3" "$4" ||
		fail "$1: the profile says $2, the program measured $3 (more than $4% apart)"
}
