#!/usr/bin/env bash
# The node_exporter textfile on a big machine: N apps (default 10,000), one
# in DOMAIN_EVERY (default 10) with a domain list (so N/10 learned sets per
# family), every mark counted in the three counter sets, ADDRS learned
# addresses in each learned set. The policy is applied for real in a
# throwaway network namespace (its app groups exist only in a private mount
# namespace), then 'galaf-stats --prometheus --output FILE' is timed RUNS
# times (what galaf-stats-textfile.service runs every 15 s), and the file's
# series and bytes are counted. Target: < 200 ms (wall). The baseline, timed
# in the same run, interleaved: 'nft -j list set' of the three counter sets,
# only reading what galaf-stats reads and formats.
# Prints one line: apps, series, bytes, median (min-max) ms, CPU ms, the
# baseline's wall and CPU ms, load.
# Needs root; touches nothing outside its namespaces and its directory.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$bench/lib.sh"
N=${N:-10000}
DOMAIN_EVERY=${DOMAIN_EVERY:-10}
ADDRS=${ADDRS:-20}
RUNS=${RUNS:-7}

bl_init
for b in "$GALAF_CONFIG" "$GALAF_STATS"; do
	[ -x "$b" ] || bl_die "$b is missing; run make"
done
ns=
bl_netns ns
d=$BL_DIR

# The policy: apps app00000.. with gids 30000.., one CIDR each, and a
# domain list on every DOMAIN_EVERY-th app.
awk -v n="$N" -v every="$DOMAIN_EVERY" -v d="$d" 'BEGIN {
	printf "{ \"config\": { \"dns\": { \"conf\": \"%s/dnsmasq.conf\", \"reload\": null },\n", d
	printf "  \"gate_index\": \"%s/gate.index\", \"state_dir\": \"%s/state\" },\n  \"groups\": {\n", d, d
	for (g = 0; g < n; g++) {
		printf "    \"app%05d\": { \"gid\": %d, \"execv\": [\"/bin/true\"], \"allow\": [{ \"to\": [\"10.%d.%d.0/24\"", g, 30000 + g, int(g / 256) % 256, g % 256
		if (g % every == 0)
			printf ", \"d.app%05d.example\"", g
		printf "], \"proto\": \"tcp\", \"ports\": [443] }] }%s\n", g < n - 1 ? "," : ""
	}
	print "  } }"
}' >"$d/policy.json"
bl_groupfile "$N" "$d/group"
bl_log "applying $N apps"
bl_with_db "$d/group" - ip netns exec "$ns" "$GALAF_CONFIG" apply "$d/policy.json" >/dev/null

# Traffic for every mark in the three counter sets (uid 1000), and ADDRS
# learned addresses in each learned set, as dnsmasq would add them.
ip netns exec "$ns" nft -j list sets table inet galaf >"$d/sets.json"
jq -r '.nftables[].set? | select(.name != null) | .name' "$d/sets.json" |
	grep -E '_[46]$' >"$d/learned" || true
{
bl_counter_elements "$N"
awk -v a="$ADDRS" '
	{
		printf "add element inet galaf %s {", $1
		for (i = 0; i < a; i++)
			if ($1 ~ /_4$/)
				printf "%s 192.0.%d.%d", i ? "," : "", int(i / 250), i % 250 + 1
			else
				printf "%s 2001:db8::%x", i ? "," : "", i + 1
		print " }"
	}' "$d/learned"
} >"$d/fill.nft"
ip netns exec "$ns" nft -f "$d/fill.nft"

# Timed inside the namespaces, as the service runs: wall and CPU time.
mkdir -m 0755 "$d/textfile"
# shellcheck disable=SC2016 # expanded by the inner shell
bl_with_db "$d/group" - ip netns exec "$ns" bash -c '
	TIMEFORMAT="%R %U %S"
	for ((i = 0; i < $2; i++)); do
		{ time "$1" --policy "$3/policy.json" --prometheus --output "$3/textfile/galaf.prom"; } 2>>"$3/times"
		{ time for s in stats_out_pre stats_out stats_in; do
			nft -j list set inet galaf "$s" >/dev/null
		done; } 2>>"$3/base"
	done' _ "$GALAF_STATS" "$RUNS" "$d"
f=$d/textfile/galaf.prom
series=$(grep -vc '^#' "$f")
bytes=$(wc -c <"$f")
grep -q '^galaf_in_sync 1$' "$f" || bl_die "the machine is not in sync after the apply: $(grep '^galaf_in_sync' "$f")"
sets=$(wc -l <"$d/learned")
load=$(cut -d' ' -f1 /proc/loadavg)
read -r wall_med wall_min wall_max _ < <(awk '{ print $1 * 1000 }' "$d/times" | bl_summary)
read -r cpu_med _ < <(awk '{ print ($2 + $3) * 1000 }' "$d/times" | bl_summary)
read -r base_wall _ < <(awk '{ print $1 * 1000 }' "$d/base" | bl_summary)
read -r base_cpu _ < <(awk '{ print ($2 + $3) * 1000 }' "$d/base" | bl_summary)
printf 'textfile, %d apps, %d learned sets: %d series, %d bytes; median %.0f ms (min %.0f, max %.0f) over %d runs; CPU %.0f ms; nft -j list set of the counter sets %.0f ms, CPU %.0f ms; load average %s\n' \
	"$N" "$sets" "$series" "$bytes" "$wall_med" "$wall_min" "$wall_max" "$RUNS" "$cpu_med" "$base_wall" "$base_cpu" "$load"
