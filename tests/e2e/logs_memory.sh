# logs_memory.sh - `triage logs` on a 1 GB log (written by logs_gen:
# 3.9 million lines of random traces, slightly out of order, a few lines
# that are not JSON), then on 2 GB through a pipe, keeps the memory it
# has on a tiny file: its maximum RSS (GNU time's %M) may not grow by
# more than 4 MB. It must find every
# line of the wanted trace and count the garbage exactly. The throughput
# is printed (not checked: the machine is shared).
source "$(dirname "$0")/cli_helpers.bash"

SRC=${TRIAGE_SOURCE:?TRIAGE_SOURCE must name the source folder}
T=4bf92f3577b34da6a3ce929d0e0e4736
BYTES=${LOGS_MEMORY_BYTES:-1000000000}
big=$SCRATCH/svc.log

"$BUILD/tests/logs_gen" "$BYTES" "$T" 100000 >"$big" 2>"$SCRATCH/gen"
check "generator: exit status" 0 "$?"
read -r lines kept garbage < <(sed 's/[a-z_]*=//g' "$SCRATCH/gen")
echo "     generated $(stat -c %s "$big") bytes: $lines lines," \
	"$kept of the trace, $garbage not JSON"

# rss_kb FILE ARGS...: runs triage with ARGS; its max RSS in KB in FILE.
rss_run() {
	local file=$1
	shift
	/usr/bin/time -f %M -o "$file" "$TRIAGE" "$@"
}

rss_run "$SCRATCH/small.rss" logs --json --trace "$T" \
	"$SRC/tests/data/logs/epro-api.log" >/dev/null 2>&1
start=$(date +%s%N)
rss_run "$SCRATCH/big.rss" logs --json --trace "$T" "$big" \
	>"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
end=$(date +%s%N)
check "1 GB: exit status" 0 "$rc"
small=$(tail -n 1 "$SCRATCH/small.rss")
large=$(tail -n 1 "$SCRATCH/big.rss")
echo "     max RSS: ${small} KB on 9 lines, ${large} KB on 1 GB"
check "1 GB: max RSS within 4 MB of a tiny file's" true \
	"$([ "$large" -le $((small + 4096)) ] && echo true || echo "false (+$((large - small)) KB)")"
check "1 GB: every line of the trace" "$kept" \
	"$(tail -n 1 "$SCRATCH/out" | jq .summary.lines)"
check "1 GB: lines read" "$lines" "$(tail -n 1 "$SCRATCH/out" | jq .summary.read)"
check "1 GB: lines not JSON" "$garbage" "$(tail -n 1 "$SCRATCH/out" | jq .summary.not_json)"
check "1 GB: the trace's lines in time order" \
	"$(jq -r 'select(.k != null) | .k' "$SCRATCH/out" | sort -n)" \
	"$(jq -r 'select(.k != null) | .k' "$SCRATCH/out")"
check "1 GB: nesting of the three spans" "0 1 2" \
	"$(head -n 3 "$SCRATCH/out" | jq -r .depth | paste -sd' ')"
ms=$(((end - start) / 1000000))
echo "     $(stat -c %s "$big") bytes in ${ms} ms:" \
	"$(awk -v b="$(stat -c %s "$big")" -v ms="$ms" 'BEGIN { printf "%.0f MB/s", b / 1e6 / (ms / 1000) }')"

# Through a pipe, twice as much: stdin streams like a file.
"$BUILD/tests/logs_gen" $((2 * BYTES)) "$T" 100000 2>"$SCRATCH/gen2" |
	/usr/bin/time -f %M -o "$SCRATCH/pipe.rss" "$TRIAGE" logs --json \
		--trace "$T" >"$SCRATCH/out2" 2>/dev/null
check "2 GB on stdin: exit status" "0 0" "${PIPESTATUS[*]}"
read -r lines2 kept2 garbage2 < <(sed 's/[a-z_]*=//g' "$SCRATCH/gen2")
piped=$(tail -n 1 "$SCRATCH/pipe.rss")
echo "     max RSS: ${piped} KB on 2 GB from a pipe"
check "2 GB on stdin: max RSS within 4 MB of a tiny file's" true \
	"$([ "$piped" -le $((small + 4096)) ] && echo true || echo "false (+$((piped - small)) KB)")"
check "2 GB on stdin: every line of the trace" "$kept2 $lines2 $garbage2" \
	"$(tail -n 1 "$SCRATCH/out2" | jq -r '.summary | "\(.lines) \(.read) \(.not_json)"')"

finish
