#!/usr/bin/env bash
# Ratios paired by round, from the RAW_DATA=DIR files of bench/datapath.sh:
# for each round, REF's CPU cost per unit of work over each ruleset's, then
# the median and quartiles over the rounds. A round measures every ruleset
# within seconds, so drift on a shared machine, which a ratio of medians
# keeps, mostly cancels here.
#
#   bench/paired.sh DIR [TEST [TOPOS [REF]]]   (defaults: conn, every topology, ct)
set -euo pipefail
dir=${1:?usage: bench/paired.sh DIR [TEST [TOPOS [REF]]]}
test=${2:-conn}
ref=${4:-ct}
topos=${3:-$(find "$dir" -name "$test.*.$ref" -printf '%f\n' | cut -d. -f2 | sort -u)}

# quantiles: "median (lower quartile–upper quartile), N" of numbers on stdin.
quantiles() {
	sort -g | awk '{ v[NR] = $1 }
		function q(p,  i, f) { i = 1 + p * (NR - 1); f = int(i); return v[f] + (i - f) * (v[f + (f < NR)] - v[f]) }
		END { if (NR) printf "%.3f (%.3f–%.3f), %d rounds\n", q(0.5), q(0.25), q(0.75), NR }'
}

for topo in $topos; do
	echo "$test over $topo: $ref's CPU cost per unit of work over each ruleset's, paired by round"
	for f in "$dir/$test.$topo".*; do
		cfg=${f##*/"$test.$topo".}
		# Each line: RATE WORK CPU_S ...; line k of every file is round k,
		# so files of different lengths cannot be paired.
		if [ "$(wc -l <"$f")" != "$(wc -l <"$dir/$test.$topo.$ref")" ]; then
			echo "paired.sh: $f and $ref's file have different numbers of rounds" >&2
			exit 1
		fi
		# A round without work (a run that failed) pairs with nothing.
		printf '  %-12s %s\n' "$cfg" "$(paste -d' ' "$dir/$test.$topo.$ref" "$f" |
			awk -v r="$(head -n1 "$dir/$test.$topo.$ref" | wc -w)" \
				'$2 > 0 && $(r + 2) > 0 && $(r + 3) > 0 { print ($3 / $2) / ($(r + 3) / $(r + 2)) }' |
			quantiles)"
	done
done
