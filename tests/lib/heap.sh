# heap.sh - what the heap profile tests share. Sourced after e2e.sh.
#
# Values are read with `go tool pprof -raw`, the independent reader:
# its Samples section gives each sample's four values (alloc_objects,
# alloc_space, inuse_objects, inuse_space) and location ids, leaf
# first; its Locations section names each location's functions,
# innermost first.

JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
TCMALLOC=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4

# heap_values FILE: one line per sample, "v1 v2 v3 v4 | leaf | f1 f2 ...",
# with the leaf function and every function of the stack.
heap_values() {
	gopprof -raw "$1" | awk '
		/^Samples:/ { mode = "s"; next }
		/^Locations/ { mode = "l"; next }
		/^Mappings/ { mode = "m"; next }
		mode == "s" && /^ *-?[0-9]+ +-?[0-9]+ +-?[0-9]+ +-?[0-9]+:/ {
			split($0, half, ":")
			n++
			vals[n] = half[1]
			ids[n] = half[2]
			next
		}
		mode == "l" && $1 ~ /^[0-9]+:$/ {
			cur = substr($1, 1, length($1) - 1)
			leaf[cur] = NF >= 4 ? $4 : "?"
			all[cur] = NF >= 4 ? $4 : "?"
			next
		}
		mode == "l" && cur != "" && NF >= 1 { all[cur] = all[cur] " " $1 }
		END {
			for (i = 1; i <= n; i++) {
				k = split(ids[i], id, " ")
				fs = ""
				for (j = 1; j <= k; j++)
					fs = fs " " all[id[j]]
				gsub(/^ +| +$/, "", vals[i])
				gsub(/ +/, " ", vals[i])
				print vals[i] " | " (k ? leaf[id[1]] : "-") " |" fs
			}
		}'
}

# heap_leaf FILE FUNC: the four values summed over samples whose leaf
# frame is FUNC ("0 0 0 0" when none).
heap_leaf() {
	heap_values "$1" | awk -v f="$2" -F' [|] ' '
		$2 == f { split($1, v, " "); for (i = 1; i <= 4; i++) t[i] += v[i] }
		END { printf "%d %d %d %d\n", t[1], t[2], t[3], t[4] }'
}

# heap_cum FILE FUNC: the four values summed over samples with FUNC
# anywhere in the stack.
heap_cum() {
	heap_values "$1" | awk -v f="$2" -F' [|] ' '
		{ n = split($3, fs, " "); hit = 0
		  for (i = 1; i <= n; i++) if (fs[i] == f) hit = 1 }
		hit { split($1, v, " "); for (i = 1; i <= 4; i++) t[i] += v[i] }
		END { printf "%d %d %d %d\n", t[1], t[2], t[3], t[4] }'
}

# heap_negative FILE: the number of samples with a negative value.
heap_negative() {
	heap_values "$1" | awk -F' [|] ' '
		{ split($1, v, " "); for (i = 1; i <= 4; i++) if (v[i] < 0) { n++; break } }
		END { print n + 0 }'
}

# fetch PID PATH FILE: GET through the agent's socket; fails on non-200.
fetch() {
	local code
	code=$(get "$1" "$2" "$3")
	[ "$code" = 200 ] || fail "GET $2 from pid $1: HTTP $code: $(head -c 300 "$3")"
}
