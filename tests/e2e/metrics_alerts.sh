#!/usr/bin/env bash
# The shipped alert rules: promtool accepts them and the sample scrape
# configuration, and their unit tests pass (each alert fires on its
# synthetic problem and stays quiet on healthy series). A copy with a
# threshold moved must fail those tests, so they do test something.
. "$(dirname "$0")/../lib/e2e.sh"
D=$S/deploy/prometheus

promtool check rules "$D/alerts.yml" >"$WORK/out" 2>&1 ||
	fail "promtool check rules: $(cat "$WORK/out")"
grep -q 'SUCCESS: 4 rules found' "$WORK/out" || fail "$(cat "$WORK/out")"
pass "promtool check rules: 4 rules"

promtool check config "$D/prometheus.yml" >"$WORK/out" 2>&1 ||
	fail "promtool check config: $(cat "$WORK/out")"
pass "promtool check config accepts the sample prometheus.yml"

promtool test rules "$D/alerts_test.yml" >"$WORK/out" 2>&1 ||
	fail "promtool test rules: $(cat "$WORK/out")"
pass "promtool test rules: every alert fires on its problem, quiet otherwise"

# Each mutation must make the unit tests fail.
cp "$D/alerts_test.yml" "$WORK/"
mutate() {
	sed "$1" "$D/alerts.yml" >"$WORK/alerts.yml"
	if promtool test rules "$WORK/alerts_test.yml" >"$WORK/out" 2>&1; then
		fail "the tests still pass with $1"
	fi
}
mutate 's/\[2m\]) > 0.9/[2m]) > 0.99/'
mutate 's/> 1.2 \* (process_resident/> 1.5 * (process_resident/'
mutate 's/(process_threads offset 30m) + 20/(process_threads offset 30m) + 50/'
mutate 's/^          > 0.05$/          > 0.5/'
pass "the unit tests catch moved thresholds"
