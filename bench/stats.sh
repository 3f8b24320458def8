#!/usr/bin/env bash
# galaf-stats --json with N distinct marks (default 10,000) in each of the
# three stats counter sets, in a throwaway network namespace: prints the
# median, min and max wall time of RUNS runs (default 5), their median CPU
# time and the load average. Target: < 200 ms (wall). Needs root; touches
# nothing outside its namespace.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$top/bench/lib.sh"
STATS=${GALAF_STATS:-$top/build/galaf-stats}
N=${N:-10000}
RUNS=${RUNS:-5}

[ "$(id -u)" -eq 0 ] || { echo "bench/stats.sh: needs root (network namespaces)" >&2; exit 2; }
[ -x "$STATS" ] || { echo "bench/stats.sh: $STATS is missing; run make" >&2; exit 2; }

ns="galaf-bench-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
dir=$(mktemp -d /tmp/galaf-bench.XXXXXX)
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$ns"

# The sets as galaf renders them; marks gid<<16 | uid for gids 30000.. and uid 1000.
{
	echo "table inet galaf {"
	for s in stats_out_pre stats_out stats_in; do
		printf '\tset %s { type mark; size 65536; flags dynamic; counter; }\n' "$s"
	done
	echo "}"
	bl_counter_elements "$N"
} >"$dir/fill.nft"
ip netns exec "$ns" nft -f "$dir/fill.nft"
got=$(ip netns exec "$ns" nft -j list set inet galaf stats_in | grep -o '"counter"' | wc -l)
[ "$got" -ge "$N" ] || { echo "bench/stats.sh: only $got elements loaded" >&2; exit 1; }

# Timed inside the namespace, so entering it is not counted: wall time, and
# CPU time (user + system, galaf-stats and its children), which other work
# on the machine disturbs less. No policy: names come from this machine's
# databases, and unknown gids print as numbers.
# shellcheck disable=SC2016 # expanded by the inner shell
ip netns exec "$ns" bash -c '
	TIMEFORMAT="%R %U %S"
	for ((i = 0; i < $2; i++)); do
		{ time "$1" --table galaf --json >"$3/out.json" 2>/dev/null; } 2>>"$3/times"
	done' _ "$STATS" "$RUNS" "$dir"
rows=$(grep -c '"mark_hex"' "$dir/out.json" || true)
[ "$rows" -eq $((3 * N)) ] || { echo "bench/stats.sh: expected $((3 * N)) rows, got $rows" >&2; exit 1; }
load=$(cut -d' ' -f1 /proc/loadavg)
read -r wall_med wall_min wall_max _ < <(awk '{ print $1 * 1000 }' "$dir/times" | bl_summary)
read -r cpu_med _ < <(awk '{ print ($2 + $3) * 1000 }' "$dir/times" | bl_summary)
printf 'galaf-stats --json, %d marks x 3 sets: median %.0f ms (min %.0f, max %.0f) over %d runs; CPU %.0f ms; load average %s\n' \
	"$N" "$wall_med" "$wall_min" "$wall_max" "$RUNS" "$cpu_med" "$load"
