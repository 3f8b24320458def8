#!/usr/bin/env bash
# SVG charts of a bench run, drawn with gnuplot from the tab-separated
# figures the parts leave in a data directory (CHART_DATA):
#
#   conn-veth.tsv, conn-lo.tsv   bench/datapath.sh: new connections per second
#                                and the CPU cost ratio to the limit, per size
#   apply-*.tsv                  bench/apply.sh: apply time against groups
#   launch.tsv                   bench/gate.sh: overhead per launcher
#
#   bench/charts.sh DATA_DIR OUT_DIR
#
# Writes connections.svg (the main one: new connections per second against
# the number of apps for galaf, the naive linear design, conntrack only and
# OpenSnitch), connections-cost.svg (the same as CPU cost ratios to the
# limit), apply.svg and launch.svg, each only when its data is there, so a
# partial run (bench/run.sh --only) draws what it measured. Launchers are
# whatever gate.sh timed: launchers added to its rounds appear by name.
set -euo pipefail

DATA=${1:?data directory}
OUT=${2:?output directory}
command -v gnuplot >/dev/null || { echo "charts.sh: no gnuplot: apt-get install -y gnuplot-nox" >&2; exit 1; }
mkdir -p "$OUT"

style() {
	cat <<-'EOF'
		set terminal svg size 760,440 dynamic enhanced font "sans,12" background "white"
		set grid lc rgb "#dddddd"
		set key outside right top vertical
		set border 3
		set tics nomirror
		set datafile missing "nan"
		set datafile separator "\t"
	EOF
}

# Connections: a log x axis (1 to 10,000 apps), y from zero.
conn_chart() { # COLUMN_OFFSET YLABEL FILE TITLE
	local off=$1 ylabel=$2 file=$3 title=$4 topo plot='' f t
	for topo in veth lo; do
		f=$DATA/conn-$topo.tsv
		[ -s "$f" ] || continue
		t=$([ "$topo" = veth ] && echo "veth" || echo "loopback")
		plot+="${plot:+, }'$f' using 1:$((2 + off)) with linespoints lw 2 pt 7 lc rgb '#1f77b4' dt $([ "$topo" = veth ] && echo 1 || echo 2) title 'galaf, $t'"
		plot+=", '$f' using 1:$((3 + off)) with linespoints lw 2 pt 5 lc rgb '#d62728' dt $([ "$topo" = veth ] && echo 1 || echo 2) title 'naive linear, $t'"
		plot+=", '$f' using 1:$((4 + off)) with lines lw 2 lc rgb '#2ca02c' dt $([ "$topo" = veth ] && echo 1 || echo 2) title 'conntrack only, $t'"
		plot+=", '$f' using 1:$((5 + off)) with lines lw 2 lc rgb '#9467bd' dt $([ "$topo" = veth ] && echo 1 || echo 2) title 'OpenSnitch, $t'"
	done
	[ -n "$plot" ] || return 0
	{
		style
		echo "set output '$OUT/$file'"
		echo "set title '$title'"
		echo "set logscale x 10"
		echo "set xlabel 'apps (groups in the policy)'"
		echo "set ylabel '$ylabel'"
		echo "set yrange [0:*]"
		echo "plot $plot"
	} | gnuplot
	echo "$OUT/$file"
}

apply_chart() {
	local plot='' f
	f=$DATA/apply-domains.tsv
	[ -s "$f" ] && plot+="'$f' using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'galaf-config apply, 10 CIDRs + 5 domains', '$f' using 1:3 with linespoints lw 2 pt 5 lc rgb '#ff7f0e' title 'nft -f same text, 10 CIDRs + 5 domains'"
	f=$DATA/apply-nodomains.tsv
	[ -s "$f" ] && plot+="${plot:+, }'$f' using 1:2 with linespoints lw 2 pt 7 dt 2 lc rgb '#1f77b4' title 'galaf-config apply, 2 CIDRs × 2 ports', '$f' using 1:3 with linespoints lw 2 pt 5 dt 2 lc rgb '#ff7f0e' title 'nft -f same text, 2 CIDRs × 2 ports'"
	[ -n "$plot" ] || return 0
	{
		style
		echo "set output '$OUT/apply.svg'"
		echo "set title 'Apply from empty (median wall time; runs killed at the cap missing)'"
		echo "set logscale xy 10"
		echo "set xlabel 'groups'"
		echo "set ylabel 'seconds'"
		echo "plot $plot"
	} | gnuplot
	echo "$OUT/apply.svg"
}

launch_chart() {
	local f=$DATA/launch.tsv lab=$DATA/.launch-labels.tsv
	[ -s "$f" ] || return 0
	# Readable names for the variants gate.sh knows; others keep theirs.
	awk -F '\t' 'BEGIN {
			OFS = "\t"
			name["floor"] = "execfloor (static glibc)"; name["nolibc"] = "execfloor, no libc"; name["nolibccap"] = "no libc, file capability"
			name["env"] = "/usr/bin/env"; name["big"] = "galaf, 10,000-app index"
			name["one"] = "galaf, 1-app index"; name["pin"] = "galaf, pinned command"
			name["pad"] = "galaf, 4 MiB command"; name["padpin"] = "galaf, 4 MiB pinned"
			name["sudo"] = "sudo -g"; name["sg"] = "sg"
		}
		/^#/ { next }
		{ print ($1 in name ? name[$1] : $1), $2 / 1000 }' "$f" | sort -t "$(printf '\t')" -k2,2g >"$lab"
	{
		style
		echo "set output '$OUT/launch.svg'"
		echo "set title 'Launch overhead over a direct exec of /usr/bin/true (median)'"
		echo "set style fill solid 0.8 border -1"
		echo "set boxwidth 0.7"
		echo "set xtics rotate by -30"
		echo "set ylabel 'ms per launch'"
		echo "set yrange [0:*]"
		echo "unset key"
		echo "plot '$lab' using 0:2:xtic(1) with boxes lc rgb '#1f77b4'"
	} | gnuplot
	rm -f "$lab"
	echo "$OUT/launch.svg"
}

conn_chart 0 'new connections per second (median)' connections.svg \
	'New TCP connections per second against the number of apps'
conn_chart 5 'CPU cost ratio to no ruleset (1 = free)' connections-cost.svg \
	'New TCP connections: CPU cost ratio to no ruleset'
apply_chart
launch_chart
