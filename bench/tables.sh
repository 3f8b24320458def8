#!/usr/bin/env bash
# Experiment (not part of make bench): how the kernel's cost of N groups'
# learned sets depends on how many tables hold them.
#
#   bench/tables.sh [OUT.md]   (env: N=10000 TABLES="1 10 40" RUNS=3)
#
# nf_tables keeps a table's sets in a list and finds a set by walking it,
# by name: once when the set is created (is the name taken?) and once for
# every rule expression that names it. galaf's rendering of a group with
# domains holds two learned sets (IPv4 and IPv6), each named twice by its
# rule (the lookup and the `update` that refreshes the timeout), so one
# table of N such groups costs about 3 * (2N)^2 / 2 list steps. This script
# loads only that part of the ruleset (N groups' learned sets, their
# chains, a gid verdict map and an output chain per table), split evenly
# over K tables, with `nft -f` into a fresh namespace, and prints the median
# wall, user and kernel time for each K. Splitting the sets over K tables
# divides the list walks by K; it is not what galaf does, because every
# table needs a base chain of its own, which every packet then passes (see
# bench/analysis.md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

N=${N:-10000}
TABLES=${TABLES:-1 10 40}
RUNS=${RUNS:-3}
OUT=${1:-/dev/stdout}

bl_init
bl_tools_check nft
T=$BL_DIR/bin
bl_build_tools "$T"

# gen K > FILE: N groups' learned sets and chains in K tables.
gen() {
	awk -v n="$N" -v k="$1" 'BEGIN {
		per = int((n + k - 1) / k)
		for (t = 0; t < k; t++) {
			lo = t * per; hi = lo + per > n ? n : lo + per
			printf "table inet gx%d {\n", t
			for (i = lo; i < hi; i++) {
				printf "\tset a%05d.0_4 { type ipv4_addr; size 65536; flags dynamic,timeout; timeout 86400s; }\n", i
				printf "\tset a%05d.0_6 { type ipv6_addr; size 65536; flags dynamic,timeout; timeout 86400s; }\n", i
			}
			print "\tchain ok_out { ct mark set ct mark | 0x1; }"
			for (i = lo; i < hi; i++) {
				printf "\tchain g_a%05d {\n", i
				printf "\t\tip daddr @a%05d.0_4 meta l4proto tcp th dport 443 update @a%05d.0_4 { ip daddr } goto ok_out\n", i, i
				printf "\t\tip6 daddr @a%05d.0_6 meta l4proto tcp th dport 443 update @a%05d.0_6 { ip6 daddr } goto ok_out\n\t}\n", i, i
			}
			print "\tmap gids {\n\t\ttype gid : verdict\n\t\telements = {"
			for (i = lo; i < hi; i++)
				printf "\t\t\t%d : goto g_a%05d%s\n", 30000 + i, i, i + 1 < hi ? "," : ""
			print "\t\t}\n\t}"
			printf "\tchain output { type filter hook output priority %d; policy accept; ct state new meta skgid vmap @gids; }\n}\n", t
		}
	}'
}

for k in $TABLES; do
	gen "$k" >"$BL_DIR/t$k.nft"
done
ns=
bl_log "$N groups' learned sets in ${TABLES// /, } tables, $RUNS rounds"
for ((r = 0; r < RUNS; r++)); do
	for k in $TABLES; do
		bl_netns ns
		ip netns exec "$ns" "$T/timeit" -o "$BL_DIR/one" nft -f "$BL_DIR/t$k.nft"
		read -r secs _ user sys st <"$BL_DIR/one"
		[ "$st" = 0 ] || bl_die "nft -f of $k tables failed ($st)"
		echo "$secs $user $sys" >>"$BL_DIR/res.$k"
		ip netns exec "$ns" nft flush ruleset
		bl_netns_del "$ns"
	done
done
{
	echo "| groups | tables | wall s (median) | user s | kernel s |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	for k in $TABLES; do
		printf '| %s | %s' "$(bl_fmt "$N")" "$k"
		for c in 1 2 3; do
			printf ' | %s' "$(bl_fmt "$(cut -d' ' -f"$c" "$BL_DIR/res.$k" | bl_summary | cut -d' ' -f1)" 2)"
		done
		echo " |"
	done
} >"$OUT"
