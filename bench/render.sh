#!/usr/bin/env bash
# Render time and peak memory for 10,000 groups x (10 CIDRs + 10 domains):
# the median of RUNS runs (default 5), with min and max. Prints one
# Markdown table row per output. Usage: bench/render.sh [GROUPS] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
groups=${1:-10000}
runs=${2:-5}
bin=${GALAF_CONFIG:-$top/build/galaf-config}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$top/bench/genpolicy.py" "$groups" 10 10 >"$work/policy.json"

median() { sort -n | awk '{v[NR]=$1} END {printf "%s %s %s\n", v[int((NR+1)/2)], v[1], v[NR]}'; }
for what in nft dnsmasq gate; do
	: >"$work/t"
	: >"$work/m"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$work/one" "$bin" render --"$what" "$work/policy.json" >/dev/null 2>&1
		read -r t m <"$work/one"
		echo "$t" >>"$work/t"
		echo "$m" >>"$work/m"
	done
	read -r tm tmin tmax < <(median <"$work/t")
	read -r mm _ mmax < <(median <"$work/m")
	printf '| render --%s, %s groups | %s s (%s–%s) | %s MB (max %s MB) |\n' "$what" "$groups" \
		"$tm" "$tmin" "$tmax" "$((mm / 1024))" "$((mmax / 1024))"
done
