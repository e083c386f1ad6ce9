#!/usr/bin/env bash
# pprof_malformed.sh - `triage pprof` given what is not a good profile:
# a truncated gzip, text, gzip of garbage, an empty file, a string index
# past the string table, a varint that never ends, a sample claiming a
# billion bytes of location ids (plain and gzipped), a field longer than
# the file. Each must end with status 1 and one line on stderr that
# names the file and says what is wrong: no crash, no output.
. "$(dirname "$0")/../lib/e2e.sh"

d=$WORK/bad
mkdir -p "$d"
head -c 1000 "$S/tests/data/go-cpu.pb.gz" >"$d/truncated.pb.gz"
echo "this is not a profile" >"$d/text.pb.gz"
seq 1 3000 | sed 's/^/garbage /' | gzip >"$d/garbage.pb.gz"
: >"$d/empty.pb.gz"
# sample_type {type: 5, unit: 6} with a string table of one entry.
printf '\x0a\x04\x08\x05\x10\x06\x32\x00' >"$d/bad-string-index.pb"
# time_nanos whose varint never ends.
printf '\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' >"$d/huge-varint.pb"
# A sample whose packed location ids claim 10^9 bytes.
printf '\x12\x09\x0a\x80\x94\xeb\xdc\x03\x01\x02\x03' >"$d/billion.pb"
gzip -c "$d/billion.pb" >"$d/billion.pb.gz"
# Profile.sample with a length of 2^64 - 1.
printf '\x12\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x00' >"$d/long-field.pb"

expect() {
	local file=$d/$1 why=$2 rc
	rc=0
	"$TRIAGE" pprof -top "$file" >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
	[ $rc = 1 ] || fail "$1: exit status $rc (want 1): $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "$1: printed a report: $(head -3 "$WORK/out")"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$1: not one line: $(cat "$WORK/err")"
	grep -q "^triage pprof: $file: .*$why" "$WORK/err" ||
		fail "$1: unclear: $(cat "$WORK/err") (want: $why)"
	pass "$1: $(cut -d: -f3- "$WORK/err")"
}

expect truncated.pb.gz "gzip data is truncated"
expect text.pb.gz "neither gzip nor a valid profile.proto"
expect garbage.pb.gz "does not hold a valid profile.proto"
expect empty.pb.gz "the input is empty"
expect bad-string-index.pb "string index 5, outside the string table of 1"
expect huge-varint.pb "nor a valid profile.proto"
expect billion.pb "nor a valid profile.proto"
expect billion.pb.gz "does not hold a valid profile.proto"
expect long-field.pb "nor a valid profile.proto"

# A good profile merged with a bad one: the bad one is named.
rc=0
"$TRIAGE" pprof -top "$S/tests/data/go-cpu.pb.gz" "$d/text.pb.gz" \
	>/dev/null 2>"$WORK/err" </dev/null || rc=$?
[ $rc = 1 ] && grep -q "text.pb.gz: not a profile" "$WORK/err" ||
	fail "merging with a bad profile: $rc $(cat "$WORK/err")"
pass "a bad profile among several is named"
