#!/usr/bin/env bash
# make bench: galaf's cost against baselines measured in the same run, as
# bench/RESULTS.md (machine, versions, method, figures, how to reproduce).
#
#   bench/run.sh [--tiny] [--only PART,...] [--out FILE]
#
# PARTs: datapath apply dns gate marker stats render cgroup textfile owner rebuild (default: all).
# --tiny (or BENCH_QUICK=1): every part once at a tiny size, in about a
# minute, to prove the suite still works (make check); its report goes to a
# temporary file unless --out is given, so bench/RESULTS.md is only written
# by a full run of every part. Needs root; creates only throwaway network
# namespaces, cgroups and files, and removes them on exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$bench/lib.sh"

tiny=${BENCH_QUICK:-0}
only=
out=
while [ $# -gt 0 ]; do
	case $1 in
	--tiny) tiny=1 ;;
	--only) only=${2:?--only needs a list}; shift ;;
	--out) out=${2:?--out needs a file}; shift ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) bl_die "unknown argument $1 (try --help)" ;;
	esac
	shift
done
[ "$tiny" = 0 ] || tiny=1
parts=(datapath apply dns gate marker stats render cgroup textfile owner rebuild)
[ -n "$only" ] && IFS=, read -r -a parts <<<"$only"
for p in "${parts[@]}"; do
	case $p in datapath | apply | dns | gate | marker | stats | render | cgroup | textfile | owner | rebuild) ;; *) bl_die "unknown part $p" ;; esac
done

bl_init
bl_tools_check iperf3 dnsperf dnsmasq jq nft setpriv setcap unshare taskset ss bpftool cc make gnuplot opensnitchd iptables
for b in galaf-config galaf-stats galaf_mark.bpf.o; do
	[ -e "$top/build/$b" ] || bl_die "no build/$b: run make first (make bench does)"
done
if [ -z "$out" ]; then
	if [ "$tiny" = 1 ] || [ -n "$only" ]; then
		out=$BL_DIR/RESULTS.md
		keep_out=1
	else
		out=$bench/RESULTS.md
	fi
fi

# Sizes: the issue's for a full run; the smallest that still exercises every path for --tiny.
if [ "$tiny" = 1 ]; then
	dp=(SIZES="10" RUNS=1 SECS=0.2 TOPOS=veth)
	ap=(SIZES="10 100" RE_SIZES=100 RUNS=1 LEARNED=1000 DIAG_SIZE=100 CAP=20 NODOM_SIZES="100")
	dn=(SIZES="10" RUNS=1 SECS=0.2 M_LAT=100 M_RATE=500)
	gt=(APPS=100 RUNS=1 COUNT=5 PAIRED=3)
	mk=(1 0.2)
	st=(100 1)
	rd=(100 1)
	cg=(RUNS=1 SECS=0.2)
	tf=(100 1)
	ow=(RUNS=1 SECS=0.2 APPS=10)
	rb=(SIZE=500 ITER=5)
else
	dp=(SIZES="1 100 1000 10000" RUNS=5 SECS=1)
	ap=(SIZES="10 100 1000 10000" RE_SIZES=1000 RUNS=5 LEARNED=100000 DIAG_SIZE=1000 CAP=20 NODOM_SIZES="1000 10000")
	dn=(SIZES="100 1000 10000" RUNS=5 SECS=1)
	gt=(APPS=10000 RUNS=5 COUNT=100 PAIRED=1000)
	mk=(5 1)
	st=(10000 5)
	rd=(10000 5)
	cg=(RUNS=7 SECS=1)
	tf=(10000 7)
	ow=(RUNS=7 SECS=1 APPS=1000)
	rb=(SIZE=5000 ITER=30)
fi

# Figures for the charts (bench/charts.sh): kept beside RESULTS.md by a full
# run, so the charts can be redrawn; a temporary directory otherwise.
if [ "$out" = "$bench/RESULTS.md" ]; then
	export CHART_DATA=$bench/data
	chart_dir=$bench
	rm -rf "$CHART_DATA"
else
	export CHART_DATA=$BL_DIR/data
	chart_dir=$BL_DIR/charts
fi
export BENCH_HEADLINES=$BL_DIR/headlines
: >"$BENCH_HEADLINES"
sections=()
declare -A took

part_marker() {
	local kind f=$BL_DIR/marker.md
	{
		echo "## 5. Socket marker"
		echo
		echo "\`bench/marker.sh\`: socket()+close() per second by a process in a cgroup with galaf's"
		echo "cgroup/sock_create program against one in a sibling cgroup without it, pinned to one CPU,"
		echo "${mk[0]} interleaved runs of ${mk[1]} s (median, min–max)."
		echo
		echo "| sockets | without marker | with marker | ratio | marker program (kernel stats) |"
		echo "| --- | --- | --- | --- | --- |"
	} >"$f"
	for kind in udp tcp; do
		"$bench/marker.sh" "${mk[0]}" "${mk[1]}" "$kind" >"$BL_DIR/marker.$kind" ||
			bl_die "bench/marker.sh $kind failed"
		local off on prog
		off=$(sed -n 's/^without marker: .*(runs: \(.*\))$/\1/p' "$BL_DIR/marker.$kind" | tr ' ' '\n' | bl_summary)
		on=$(sed -n 's/^with marker: .*(runs: \(.*\))$/\1/p' "$BL_DIR/marker.$kind" | tr ' ' '\n' | bl_summary)
		prog=$(sed -n 's/^marker program: //p' "$BL_DIR/marker.$kind")
		read -r om olo ohi _ <<<"$off"
		read -r nm nlo nhi _ <<<"$on"
		local r
		r=$(bl_ratio "$nm" "$om")
		printf '| %s | %s/s (%s–%s) | %s/s (%s–%s) | %s | %s |\n' "$kind" "$(bl_fmt "$om")" "$(bl_fmt "$olo")" "$(bl_fmt "$ohi")" \
			"$(bl_fmt "$nm")" "$(bl_fmt "$nlo")" "$(bl_fmt "$nhi")" "$r" "${prog:-n/a}" >>"$f"
		bl_headline "Marker: sockets/s with / without, $kind" "$r" "≥ 0.95" "$(bl_cmp "$r" '>=' 0.95)"
	done
	sections+=("$f")
}

part_stats() {
	local n f=$BL_DIR/stats.md line
	{
		echo "## 6. galaf-stats"
		echo
		echo "\`bench/stats.sh\`: \`galaf-stats --json\` with N distinct marks in each of the three counter sets"
		echo "(stats_out_pre, stats_out, stats_in), in a throwaway namespace; ${st[1]} runs, median (min–max)."
		echo
		echo "| marks | galaf-stats --json |"
		echo "| --- | --- |"
	} >"$f"
	for n in $((st[0] / 10)) "${st[0]}"; do
		line=$(N=$n RUNS=${st[1]} "$bench/stats.sh") || bl_die "bench/stats.sh failed for $n marks"
		read -r med lo hi < <(sed -n 's/.*median \([0-9.]*\) ms (min \([0-9.]*\), max \([0-9.]*\)).*/\1 \2 \3/p' <<<"$line")
		printf '| %s | %s ms (%s–%s) |\n' "$(bl_fmt "$n")" "$med" "$lo" "$hi" >>"$f"
		[ "$n" = "${st[0]}" ] &&
			bl_headline "galaf-stats --json, $(bl_fmt "$n") marks" "$med ms" "< 200 ms" "$(bl_cmp "$med" '<' 200)"
	done
	sections+=("$f")
}

part_render() {
	local f=$BL_DIR/render.md rows
	rows=$("$bench/render.sh" "${rd[0]}" "${rd[1]}") || bl_die "bench/render.sh failed"
	{
		echo "## 7. Render (issue 2)"
		echo
		echo "\`bench/render.sh\`: \`galaf-config render\` of $(bl_fmt "${rd[0]}") groups × (10 CIDRs + 10 domains), ${rd[1]} runs,"
		echo "median (min–max) wall time and peak resident memory."
		echo
		echo "| output | time | memory |"
		echo "| --- | --- | --- |"
		echo "$rows"
	} >"$f"
	local t m
	read -r t m < <(sed -n 's/^| render --nft, [0-9]* groups | \([0-9.]*\) s .* | \([0-9]*\) MB .*/\1 \2/p' <<<"$rows")
	bl_headline "Render --nft, $(bl_fmt "${rd[0]}") groups × (10 CIDRs + 10 domains): time" "$t s" "< 1 s" "$(bl_cmp "$t" '<' 1)"
	bl_headline "Render --nft, $(bl_fmt "${rd[0]}") groups × (10 CIDRs + 10 domains): memory" "$m MB" "< 200 MB" "$(bl_cmp "$m" '<' 200)"
	sections+=("$f")
}

part_textfile() {
	local f=$BL_DIR/textfile.md line apps sets series bytes med lo hi cpu bwall bcpu load
	line=$(N=${tf[0]} RUNS=${tf[1]} "$bench/textfile.sh") || bl_die "bench/textfile.sh failed"
	local re='^textfile, ([0-9]+) apps, ([0-9]+) learned sets: ([0-9]+) series, ([0-9]+) bytes; median ([0-9]+) ms \(min ([0-9]+), max ([0-9]+)\) over [0-9]+ runs; CPU ([0-9]+) ms; nft -j list set of the counter sets ([0-9]+) ms, CPU ([0-9]+) ms; load average ([0-9.]+)$'
	[[ $line =~ $re ]] || bl_die "bench/textfile.sh printed: $line"
	read -r apps sets series bytes med lo hi cpu bwall bcpu load <<<"${BASH_REMATCH[*]:1}"
	{
		echo "## 9. Prometheus textfile (issue 20)"
		echo
		echo "\`bench/textfile.sh\`: \`galaf-stats --prometheus --output FILE\` (what galaf-stats-textfile.service runs every 15 s)"
		echo "on a machine with $(bl_fmt "$apps") apps applied for real in a throwaway namespace, one in ten with a domain list,"
		echo "every mark counted in the three counter sets, 20 learned addresses in each learned set; ${tf[1]} runs, median (min–max)."
		echo "Baseline, interleaved in the same run: \`nft -j list set\` of the three counter sets, which only reads them."
		echo
		echo "| apps | learned sets | series | bytes | wall time | CPU time | baseline wall | baseline CPU | load average |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		echo "| $(bl_fmt "$apps") | $(bl_fmt "$sets") | $(bl_fmt "$series") | $(bl_fmt "$bytes") | $med ms ($lo–$hi) | $cpu ms | $bwall ms | $bcpu ms | $load |"
	} >"$f"
	bl_headline "galaf-stats --prometheus --output, $(bl_fmt "$apps") apps: wall" "$med ms" "< 200 ms" "$(bl_cmp "$med" '<' 200)"
	bl_headline "galaf-stats --prometheus --output, $(bl_fmt "$apps") apps: CPU" "$cpu ms" "< 200 ms" "$(bl_cmp "$cpu" '<' 200)"
	sections+=("$f")
}

# The machine's 1-minute load average at each part's start and end: the
# report says under what load its figures were taken.
load_seen=()
note_load() { load_seen+=("$(cut -d' ' -f1 /proc/loadavg)"); }

run_part() {
	local p=$1 start f=$BL_DIR/$1.md
	start=$(date +%s)
	note_load
	bl_log "== $p"
	case $p in
	datapath) env "${dp[@]}" "$bench/datapath.sh" "$f"; sections+=("$f") ;;
	apply) env "${ap[@]}" "$bench/apply.sh" "$f"; sections+=("$f") ;;
	dns) env "${dn[@]}" "$bench/dns.sh" "$f"; sections+=("$f") ;;
	gate) env "${gt[@]}" "$bench/gate.sh" "$f"; sections+=("$f") ;;
	cgroup) env "${cg[@]}" "$bench/cgroup.sh" "$f"; sections+=("$f") ;;
	owner) env "${ow[@]}" "$bench/owner.sh" "$f"; sections+=("$f") ;;
	rebuild) env "${rb[@]}" "$bench/rebuild.sh" "$f"; sections+=("$f") ;;
	marker) part_marker ;;
	stats) part_stats ;;
	render) part_render ;;
	textfile) part_textfile ;;
	esac
	took[$p]=$(($(date +%s) - start))
	note_load
	bl_log "$p took ${took[$p]} s"
}

suite_start=$(date +%s)
for p in "${parts[@]}"; do
	run_part "$p"
done
suite_secs=$(($(date +%s) - suite_start))
mapfile -t charts < <("$bench/charts.sh" "$CHART_DATA" "$chart_dir") || bl_die "bench/charts.sh failed"

version_of() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
{
	echo "# galaf benchmark results"
	echo
	if [ "$tiny" = 1 ]; then
		echo "**A --tiny run: sizes far below the issue's; it only proves the suite works. Not for comparison.**"
		echo
	fi
	echo "Generated by \`make bench\` (\`bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC') in $((suite_secs / 60)) min $((suite_secs % 60)) s"
	echo "(parts: $(for p in "${parts[@]}"; do printf '%s %s s; ' "$p" "${took[$p]}"; done | sed 's/; $//')). Do not edit: re-run."
	echo "Every ratio compares figures measured in this same run; each figure is the median of interleaved"
	echo "runs, with min and max."
	echo
	echo "## Machine and versions"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPU | $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) vCPUs ($(systemd-detect-virt 2>/dev/null || echo unknown virtualisation); shared with other work: expect noise) |"
	echo "| load | 1-minute load average $(printf '%s\n' "${load_seen[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }') over the run (at each part's start and end; $(nproc) vCPUs) |"
	echo "| memory | $(free -g | awk '/^Mem:/ { print $2 }') GiB |"
	echo "| system | Debian $(cat /etc/debian_version), kernel $(uname -r) |"
	echo "| galaf | $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown) ($("$top/build/galaf-config" --version 2>/dev/null | head -n1)) |"
	echo "| nftables | $(nft --version), libnftables1 $(version_of libnftables1) |"
	echo "| dnsmasq | $(version_of dnsmasq-base) |"
	echo "| tools | iperf3 $(version_of iperf3), dnsperf $(version_of dnsperf), $(cc --version | head -n1) |"
	echo
	echo "## Targets"
	echo
	echo "| figure | value | target | met |"
	echo "| --- | --- | --- | --- |"
	cat "$BENCH_HEADLINES"
	echo
	echo "Where a target is not met, [Targets not met](#targets-not-met) explains why, with the profile,"
	echo "and what would close it."
	if [ ${#charts[@]} -gt 0 ]; then
		echo
		echo "## Charts"
		echo
		echo "Drawn by \`bench/charts.sh\` (gnuplot) from the figures of this run, kept in \`bench/data/\`."
		for c in "${charts[@]}"; do
			echo
			echo "![${c##*/}](${c##*/})"
		done
	fi
	for f in "${sections[@]}"; do
		echo
		cat "$f"
	done
	echo
	# analysis.md is prose; the peer's version and this run's ratios to it are filled in.
	sed -e "s|@OSVER@|$(version_of opensnitch)|" "$bench/analysis.md" | while IFS= read -r line; do
		if [ "$line" = "@OSFIGS@" ]; then
			os=$(grep 'OpenSnitch' "$BENCH_HEADLINES" || true)
			if [ -z "$os" ]; then
				echo "(This run did not measure the data path.)"
				continue
			fi
			echo "In this run (section 1, CPU cost and rate per new connection):"
			echo
			awk -F'|' '{ gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3); printf "- %s: **%s**\n", $2, $3 }' <<<"$os"
		else
			printf '%s\n' "$line"
		fi
	done
	echo
	echo "## How to reproduce"
	echo
	echo "On Debian 12, as root (the suite creates network namespaces, a test cgroup and a test build"
	echo "of the gatekeeper with a file capability; it never touches the host's ruleset, network,"
	echo "users or groups, and removes everything on exit):"
	echo
	echo '```sh'
	# shellcheck disable=SC2016 # printed for the reader
	echo 'apt-get install -y $(cat .ci/packages) iperf3 dnsperf'
	echo 'make bench                       # everything, about 20 minutes; writes bench/RESULTS.md'
	echo 'bench/run.sh --only apply,dns    # some parts (report in a temporary file, or --out FILE)'
	echo 'bench/run.sh --tiny              # every part once at a tiny size (about a minute)'
	echo 'SIZES="1 1000" RUNS=7 bench/datapath.sh out.md    # one part with other sizes'
	echo '```'
	echo
	echo "Each part is a script in \`bench/\` whose header comment gives its method and knobs:"
	echo "\`datapath.sh\`, \`apply.sh\`, \`dns.sh\`, \`gate.sh\`, \`marker.sh\`, \`stats.sh\`, \`render.sh\`, \`cgroup.sh\`, \`owner.sh\`,"
	echo "\`rebuild.sh\`;"
	echo "the load generators are small C programs beside them (\`netload.c\`, \`dnsresp.c\`, \`launch.c\`, \`launchpair.c\`,"
	echo "\`timeit.c\`, \`sockrate.c\`), and policies come from \`genpolicy.py\`. \`charts.sh\` draws the charts"
	echo "from \`bench/data/\`; \`profile.sh\` (not part of the run) profiles one ruleset under one load with perf."
} >"$out"
bl_log "report: $out (${suite_secs} s)"
if [ "${keep_out:-0}" = 1 ]; then
	cp "$out" "/tmp/galaf-bench-RESULTS.md"
	bl_log "copied to /tmp/galaf-bench-RESULTS.md"
fi
if grep -q '\*\*no\*\*' "$BENCH_HEADLINES"; then
	bl_log "some targets are not met (see the report); the suite itself worked"
fi
