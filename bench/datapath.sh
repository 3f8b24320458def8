#!/usr/bin/env bash
# Data path: TCP throughput (iperf3), UDP small-packet rate and new TCP
# connections per second (bench/netload.c), over loopback and over a veth
# pair at MTU 1500, for: no ruleset (the limit), conntrack only, galaf's
# ruleset with N app groups, the naive design (one `meta skgid X ...
# accept` rule per app, evaluated in order) with N rules, and OpenSnitch
# (Debian's opensnitchd in the client namespace, NFQUEUE, default deny and
# one rule allowing the load generator's binary; new connections only: its
# rule would not allow iperf3, and a one-way UDP stream would queue every
# datagram to the daemon).
#
#   bench/datapath.sh [OUT.md]     (env: SIZES="1 100 1000 10000" RUNS=5 SECS=1
#                                   TESTS="tcp udp conn" TOPOS="veth lo"
#                                   OPENSNITCH=1 CHART_DATA=DIR BASE_CONFIG=FILE
#                                   VARIANTS="NAME=FILE ..." NAIVE=1 RAW_DATA=DIR)
#
# Every ruleset gets its own pair of namespaces, loaded once; the runs then
# go round all of them in turn (RUNS rounds, each starting one ruleset
# further on), so drift on this shared machine spreads over all of them.
# Client and server run as an unprivileged uid with the measured app's gid
# (setpriv), client on CPU 0, server on CPU 1. The measured app is the last
# of the N (highest gid: the last rule of the naive chain) and reaches the
# server through a domain set after a miss in its static allow-list (10
# CIDRs of its own, like every other app's): galaf's longest path. At the end, nft
# counters prove every new connection went through the intended rule.
# Connections also report the time of one connect() (median) and of the
# first one a fresh process makes. OpenSnitch's daemon runs in a private
# mount namespace whose /etc/opensnitchd holds the bench's configuration,
# only in the client network namespace (it creates the ip/ip6 filter and
# mangle tables there through iptables-nft; the script checks that the
# host's ruleset is unchanged), and is killed with the namespace. With
# CHART_DATA, tab-separated figures for bench/charts.sh go to that
# directory. BASE_CONFIG=FILE (optional): another build's galaf-config,
# e.g. of main; its ruleset for each size is measured in the same rounds
# (configurations base-N), for a before/after free of the machine's drift.
# VARIANTS="NAME=FILE ..." adds more such builds (configurations NAME-N; NAME
# in lower-case letters and digits), each compared with this build's galaf.
# NAIVE=0 leaves the naive linear ruleset out (quicker before/after rounds).
# RAW_DATA=DIR keeps every run's figures there, one file per test, topology
# and ruleset, one line per round in order ("RATE WORK CPU_S ..."), for
# ratios paired by round (bench/paired.sh).
# Prints a Markdown section to OUT.md (default stdout); needs root.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-1 100 1000 10000}
RUNS=${RUNS:-5}
SECS=${SECS:-1}
TESTS=${TESTS:-tcp udp conn}
TOPOS=${TOPOS:-veth lo}
OPENSNITCH=${OPENSNITCH:-1}
BASE_CONFIG=${BASE_CONFIG:-}
VARIANTS=${VARIANTS:-}
NAIVE=${NAIVE:-1}
RAW_DATA=${RAW_DATA:-}
CHART_DATA=${CHART_DATA:-}
OUT=${1:-/dev/stdout}
SRV_ADDR=198.18.0.2 # RFC 2544 benchmark range, only inside our namespaces
CLI_ADDR=198.18.0.1
P_TCP=5201 P_CONN=5202 P_UDP=5203

bl_init
bl_tools_check iperf3 jq setpriv taskset nft ss
[ "$OPENSNITCH" = 0 ] || bl_tools_check opensnitchd iptables
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
T=$BL_DIR/bin
bl_build_tools "$T"
ID=$(bl_free_id)

declare -A CNS SNS GID CONNS KIND SPID DPID VPATH
# Other builds of galaf-config whose rulesets are measured beside this one's.
[ -z "$BASE_CONFIG" ] || VPATH[base]=$BASE_CONFIG
vnames=()
[ -z "$BASE_CONFIG" ] || vnames+=(base)
for v in $VARIANTS; do
	if ! [[ ${v%%=*} =~ ^[a-z0-9]+$ ]] || [ "${v%%=*}" = "$v" ]; then bl_die "VARIANTS: '$v' is not NAME=FILE"; fi
	case ${v%%=*} in none | ct | galaf | naive | base | osnitch) bl_die "VARIANTS: '${v%%=*}' is taken" ;; esac
	[ -x "${v#*=}" ] || bl_die "VARIANTS: no ${v#*=}"
	VPATH[${v%%=*}]=${v#*=}
	vnames+=("${v%%=*}")
done
# is_galaf KIND: a configuration of galaf's ruleset (this build's or a variant's).
is_galaf() { [ "$1" = galaf ] || [ -n "${VPATH[$1]:-}" ]; }
# The kernel's softirq threads: packet work the kernel defers leaves the
# processes' accounts for theirs.
mapfile -t KSOFT < <(pgrep -x 'ksoftirqd/[0-9]+')
configs=(none ct)
for n in $SIZES; do configs+=("galaf-$n"); done
[ "$NAIVE" = 0 ] || for n in $SIZES; do configs+=("naive-$n"); done
for v in "${vnames[@]}"; do
	for n in $SIZES; do configs+=("$v-$n"); done
done
[ "$OPENSNITCH" = 0 ] || configs+=(osnitch)
host_ruleset=$(nft list ruleset | sha256sum)

# as NS GID CMD...: CMD in NS as the benchmark uid with that gid only.
as() {
	local ns=$1 gid=$2
	shift 2
	ip netns exec "$ns" setpriv --reuid="$ID" --regid="$gid" --clear-groups "$@"
}

wait_listen() { # NS tcp|udp PORT
	local i flag=-Hltn
	[ "$2" = udp ] && flag=-Hlun
	for ((i = 0; i < 200; i++)); do
		ip netns exec "$1" ss "$flag" "sport = :$3" | grep -q . && return 0
		sleep 0.02
	done
	bl_die "nothing listens on $2 port $3 in $1"
}

# galaf_ruleset N GID DIR [GALAF_CONFIG]: galaf's ruleset for N-1 synthetic
# apps (10 CIDRs and one domain each) plus the measured app, with 10 CIDRs
# that are not the server's and a domain that is.
galaf_ruleset() {
	local n=$1 gid=$2 d=$3 GALAF_CONFIG=${4:-$GALAF_CONFIG}
	mkdir -p "$d"
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" $((n - 1)) 10 1 --dir "$d" |
		jq --argjson gid "$gid" '.config.loopback = false |
			.groups.zbench = { gid: $gid, execv: ["/usr/bin/true"],
				allow: [{ to: [range(10) | "172.16.\(.).0/24"], proto: "tcp", ports: [443] }, { to: ["bench.test"] }] }' \
			>"$d/policy.json"
	"$GALAF_CONFIG" render --nft "$d/policy.json" >"$d/ruleset.nft"
	"$GALAF_CONFIG" render --dnsmasq "$d/policy.json" |
		sed -n 's|^nftset=/bench\.test/4#inet#galaf#\([^,]*\),.*|\1|p' >"$d/set"
	[ -s "$d/set" ] || bl_die "no learned set for bench.test in $d"
}

# naive_ruleset N GID FILE: the original notes' design, one rule per app.
naive_ruleset() {
	awk -v n="$1" -v gid="$2" -v a="$SRV_ADDR" 'BEGIN {
		print "table inet naive {\n\tcounter bench { }\n\tchain output {"
		print "\t\ttype filter hook output priority filter; policy drop;"
		print "\t\tct state established,related accept"
		for (i = 0; i < n - 1; i++)
			printf "\t\tmeta skgid %d ip daddr 10.%d.%d.0/24 tcp dport 443 accept\n",
				30000 + i, int(i * 10 / 256) % 256, i * 10 % 256
		printf "\t\tmeta skgid %d ip daddr { %s, 127.0.0.1 } counter name \"bench\" accept\n", gid, a
		print "\t}\n}" }' >"$3"
}

ct_ruleset() {
	printf '%s\n' 'table inet ctonly {' '	counter bench { }' '	chain output {' \
		'		type filter hook output priority filter; policy drop;' \
		'		ct state established,related accept' '		counter name "bench" accept' '	}' '}' >"$1"
}

# opensnitch_start NS DIR: opensnitchd in NS, default deny, one rule
# allowing the load generator; its pid in DPID[osnitch]. Debian's shipped
# configuration but for the default action, the log and UI paths, and the
# process monitor: "proc" (the daemon's own default; the shipped "ebpf"
# needs a module Debian does not ship, and a fallback to ftrace would trace
# the whole host). Its nftables back end (1.5.8) creates empty chains and
# queues nothing on this kernel, so the shipped "iptables" (iptables-nft).
opensnitch_start() {
	local ns=$1 w=$2 i
	mkdir -p "$w/etc/upper/opensnitchd" "$w/etc/work" "$w/rules"
	cat >"$w/etc/upper/opensnitchd/default-config.json" <<-EOF
		{ "Server": { "Address": "unix://$w/ui.sock", "LogFile": "$w/daemon.log" },
		  "DefaultAction": "deny", "DefaultDuration": "once", "InterceptUnknown": false,
		  "ProcMonitorMethod": "proc", "LogLevel": 2, "Firewall": "iptables",
		  "Stats": { "MaxEvents": 150, "MaxStats": 25 } }
	EOF
	echo '{ "SystemRules": [] }' >"$w/etc/upper/opensnitchd/system-fw.json"
	cat >"$w/rules/allow-netload.json" <<-EOF
		{ "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",
		  "name": "allow-netload", "enabled": true, "precedence": false,
		  "action": "allow", "duration": "always",
		  "operator": { "type": "simple", "operand": "process.path", "sensitive": false,
		                "data": "$T/netload" } }
	EOF
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		mount -t overlay galaf-bench -o "lowerdir=/etc,upperdir=$0/etc/upper,workdir=$0/etc/work" /etc || exit 99
		exec opensnitchd -rules-path "$0/rules" -log-file "$0/daemon.log" -process-monitor-method proc' "$w" \
		>"$w/stdout" 2>&1 &
	DPID[osnitch]=$!
	bl_on_cleanup "kill ${DPID[osnitch]}; sleep 0.3; kill -9 ${DPID[osnitch]}"
	for ((i = 0; i < 200; i++)); do
		ip netns exec "$ns" nft list chain ip mangle OUTPUT 2>/dev/null | grep -q 'queue' && return 0
		sleep 0.05
	done
	bl_die "opensnitchd set up no queue rule in $ns: $(tail -n 5 "$w/daemon.log" "$w/stdout")"
}

# opensnitch_check NS: a program the rule does not name is refused (default
# deny works), the load generator is let through.
opensnitch_check() {
	if ip netns exec "$1" timeout 10 bash -c "exec 3<>/dev/tcp/$SRV_ADDR/$P_CONN" 2>/dev/null; then
		bl_die "opensnitchd let bash connect: default deny is not in force"
	fi
	ip netns exec "$1" "$T/netload" tcp-connect "$SRV_ADDR" $P_CONN 0.05 >/dev/null ||
		bl_die "opensnitchd refused the allowed load generator"
}

setup_config() {
	local cfg=$1 kind=${1%%-*} n=${1#*-} c s gid d=$BL_DIR/$1
	[ "$kind" = "$1" ] && n=1
	gid=$((30000 + n - 1))
	bl_veth_pair c s "$CLI_ADDR" "$SRV_ADDR"
	mkdir -p "$d"
	case $kind in
	galaf | "${VPATH[$kind]+$kind}")
		galaf_ruleset "$n" "$gid" "$d" "${VPATH[$kind]:-}"
		ip netns exec "$c" nft -f "$d/ruleset.nft"
		ip netns exec "$c" nft add element inet galaf "$(cat "$d/set")" "{ $SRV_ADDR, 127.0.0.1 }"
		;;
	naive)
		naive_ruleset "$n" "$gid" "$d/ruleset.nft"
		ip netns exec "$c" nft -f "$d/ruleset.nft"
		;;
	ct)
		ct_ruleset "$d/ruleset.nft"
		ip netns exec "$c" nft -f "$d/ruleset.nft"
		;;
	osnitch) opensnitch_start "$c" "$d" ;;
	esac
	# Servers: over veth in the peer namespace, over loopback beside the client.
	local ns addr topo
	for ns in "$s" "$c"; do
		addr=$SRV_ADDR topo=veth
		[ "$ns" = "$c" ] && addr=127.0.0.1 topo=lo
		as "$ns" "$gid" taskset -c 1 iperf3 -s -B "$addr" -p $P_TCP >/dev/null 2>&1 &
		SPID[$cfg.$topo.tcp]=$!
		as "$ns" "$gid" taskset -c 1 "$T/netload" tcp-server "$addr" $P_CONN >/dev/null 2>&1 &
		SPID[$cfg.$topo.conn]=$!
		wait_listen "$ns" tcp $P_TCP
		wait_listen "$ns" tcp $P_CONN
	done
	CNS[$cfg]=$c SNS[$cfg]=$s GID[$cfg]=$gid CONNS[$cfg]=0 KIND[$cfg]=$kind
	[ "$kind" = osnitch ] && opensnitch_check "$c"
	return 0
}

# runs TEST CFG: whether CFG takes part in TEST.
runs() { [ "$2" != osnitch ] || [ "$1" = conn ]; }

# The CPU time of the firewall's own process, if it has one (all threads).
daemon_ns() {
	local t
	[ -n "${DPID[$1]:-}" ] || { echo 0; return; }
	t=$(cat /proc/"${DPID[$1]}"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }')
	# The overlay's sh execs opensnitchd under the same pid; its children too.
	echo "${t:-0}"
}

# sched_ns PID...: the CPU time those threads have used, in ns (exact, from
# the scheduler), summed.
sched_ns() {
	local p t=0 v
	for p in "$@"; do
		read -r v _ <"/proc/$p/schedstat" || v=0
		t=$((t + v))
	done
	echo "$t"
}

# client NS GID CMD...: CMD as the app in NS, pinned to CPU 0, under timeit
# (run as root, outside setpriv, so it can write its report).
client() {
	local ns=$1 gid=$2
	shift 2
	ip netns exec "$ns" "$T/timeit" -o "$BL_DIR/client.cpu" \
		setpriv --reuid="$ID" --regid="$gid" --clear-groups taskset -c 0 "$@"
	[ "$(cut -d' ' -f5 "$BL_DIR/client.cpu")" = 0 ]
}

# run_one TEST TOPO CFG: one measurement, printed as "RATE WORK CPU_S": the
# rate, the work done (bits, datagrams received or connections) and the CPU
# time it took in all: the client, the server (its share of the run), the
# softirq threads and a firewall daemon; connections add "LAT_MED LAT_FIRST",
# the median and first connect() in µs.
run_one() {
	local test=$1 topo=$2 cfg=$3 c=${CNS[$3]} gid=${GID[$3]} srv addr out before after work rate ccpu rcpu=0
	srv=${SNS[$cfg]} addr=$SRV_ADDR
	[ "$topo" = lo ] && srv=$c addr=127.0.0.1
	out=$BL_DIR/run.out
	case $test in
	tcp)
		local len=(-t "$SECS")
		[[ $SECS =~ ^[1-9][0-9]*$ ]] || len=(-n 50M)
		before=$(sched_ns "${SPID[$cfg.$topo.tcp]}" "${KSOFT[@]}")
		client "$c" "$gid" iperf3 -c "$addr" -p $P_TCP "${len[@]}" -J >"$out" ||
			bl_die "iperf3 failed for $cfg over $topo: $(jq -r .error "$out" 2>/dev/null)"
		after=$(sched_ns "${SPID[$cfg.$topo.tcp]}" "${KSOFT[@]}")
		rate=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$out")
		work=$(jq -r '.end.sum_received.bytes * 8' "$out")
		;;
	udp)
		ip netns exec "$srv" "$T/timeit" -o "$BL_DIR/recv.cpu" \
			setpriv --reuid="$ID" --regid="$gid" --clear-groups taskset -c 1 \
			"$T/netload" udp-recv "$addr" $P_UDP >"$out" &
		local rpid=$!
		wait_listen "$srv" udp $P_UDP
		before=$(sched_ns "${KSOFT[@]}")
		client "$c" "$gid" "$T/netload" udp-send "$addr" $P_UDP "$SECS" 18 >/dev/null
		wait "$rpid"
		after=$(sched_ns "${KSOFT[@]}")
		[ -s "$out" ] || bl_die "no UDP datagram arrived for $cfg over $topo"
		read -r rate work _ <"$out"
		rate=$(awk -v r="$rate" 'BEGIN { print r / 1000 }')
		rcpu=$(awk '{ print $3 + $4 }' "$BL_DIR/recv.cpu")
		;;
	conn)
		before=$(($(sched_ns "${SPID[$cfg.$topo.conn]}" "${KSOFT[@]}") + $(daemon_ns "$cfg")))
		client "$c" "$gid" "$T/netload" tcp-connect "$addr" $P_CONN "$SECS" >"$out" ||
			bl_die "connections failed for $cfg over $topo"
		after=$(($(sched_ns "${SPID[$cfg.$topo.conn]}" "${KSOFT[@]}") + $(daemon_ns "$cfg")))
		local lmed lfirst
		read -r rate work _ _ lmed lfirst <"$out"
		CONNS[$cfg]=$((CONNS[$cfg] + work))
		;;
	esac
	ccpu=$(awk '{ print $3 + $4 }' "$BL_DIR/client.cpu")
	awk -v r="$rate" -v w="$work" -v c="$ccpu" -v rc="$rcpu" -v b="$before" -v a="$after" \
		-v lm="${lmed:-}" -v lf="${lfirst:-}" \
		'BEGIN { printf "%s %s %.6f", r, w, c + rc + (a - b) / 1e9
			if (lm != "") printf " %.2f %.2f", lm / 1e3, lf / 1e3
			printf "\n" }'
}

# The counters of the rule that accepted the measured app's new connections.
counter_of() {
	local cfg=$1 c=${CNS[$1]} mark
	if is_galaf "${KIND[$cfg]}"; then
		mark=$((GID[$cfg] << 16))
		ip netns exec "$c" nft -j list set inet galaf stats_out |
			jq --argjson m "$mark" '[.nftables[].set.elem[]? | select(.elem.val == $m) | .elem.counter.packets] | add // 0'
		return
	fi
	case ${KIND[$cfg]} in
	naive | ct)
		ip netns exec "$c" nft -j list counter inet "$([ "${KIND[$cfg]}" = ct ] && echo ctonly || echo naive)" bench |
			jq '[.nftables[].counter.packets? // empty] | add // 0'
		;;
	osnitch) # the packets the queue rule handed to the daemon
		ip netns exec "$c" nft -j list chain ip mangle OUTPUT |
			jq '[.nftables[].rule.expr[]?.counter.packets? // empty] | add // 0'
		;;
	*) echo - ;;
	esac
}

refused_of() {
	is_galaf "${KIND[$1]}" || { echo -; return; }
	ip netns exec "${CNS[$1]}" nft -j list set inet galaf refused4 | jq '[.nftables[].set.elem[]?] | length'
}

bl_log "setting up ${#configs[@]} rulesets (${SIZES// /, } apps)"
for cfg in "${configs[@]}"; do
	setup_config "$cfg"
done

read -r -a tests <<<"$TESTS"
read -r -a topos <<<"$TOPOS"
total=$((RUNS * ${#tests[@]} * ${#topos[@]} * ${#configs[@]}))
done_runs=0
for ((r = 0; r < RUNS; r++)); do
	for test in "${tests[@]}"; do
		for topo in "${topos[@]}"; do
			for ((k = 0; k < ${#configs[@]}; k++)); do
				cfg=${configs[(k + r) % ${#configs[@]}]}
				runs "$test" "$cfg" || continue
				run_one "$test" "$topo" "$cfg" >>"$BL_DIR/$test.$topo.$cfg"
				done_runs=$((done_runs + 1))
			done
		done
		bl_log "round $((r + 1))/$RUNS: $done_runs/$total runs"
	done
done

if [ -n "$RAW_DATA" ]; then
	mkdir -p "$RAW_DATA"
	cp "$BL_DIR"/{tcp,udp,conn}.* "$RAW_DATA"/ 2>/dev/null || true
fi

# The report. Each data file holds "RATE WORK CPU_S [LAT_MED LAT_FIRST]" lines;
# a file that is not there (a test a ruleset does not take part in) reads as
# no figures, shown as "—".
rates() { [ -f "$1" ] && cut -d' ' -f1 "$1"; }
# Cost per unit of work, scaled: ns per datagram, µs per connection, ms per GB.
costs() {
	[ -f "$1" ] && awk -v t="$2" '{ s = t == "tcp" ? 8e12 : t == "udp" ? 1e9 : 1e6; print $3 * s / $2 }' "$1"
}
lats() { [ -f "$1" ] && awk -v k="$2" 'NF >= 5 { print $k }' "$1"; }
cell() { # DECIMALS < numbers -> "median (min–max)", or "—" for none
	local m lo hi n
	read -r m lo hi n < <(bl_summary)
	[ "$n" != 0 ] || { printf '—'; return; }
	printf '%s (%s–%s)' "$(bl_fmt "$m" "$1")" "$(bl_fmt "$lo" "$1")" "$(bl_fmt "$hi" "$1")"
}
med() { bl_summary | cut -d' ' -f1; }
rate_med() { rates "$1" | med; }
cost_med() { costs "$1" "$2" | med; }
# The efficiency of CFG against the limit (or against BASE): BASE's cost over CFG's.
eff() { bl_ratio "$(cost_med "$BL_DIR/$1.$2.${4:-none}" "$1")" "$(cost_med "$BL_DIR/$1.$2.$3" "$1")"; }
label() {
	case $1 in
	none) echo "no ruleset (the limit)" ;;
	ct) echo "conntrack only" ;;
	osnitch) echo "OpenSnitch $(dpkg-query -W -f '${Version}' opensnitch 2>/dev/null), one rule" ;;
	galaf-*) echo "galaf, $(bl_fmt "${1#*-}") apps" ;;
	base-*) echo "BASE_CONFIG's galaf, $(bl_fmt "${1#*-}") apps" ;;
	"${VPATH[${1%%-*}]+${1%%-*}}"-*) echo "variant ${1%%-*}'s galaf, $(bl_fmt "${1#*-}") apps" ;;
	naive-*) echo "naive linear, $(bl_fmt "${1#*-}") apps" ;;
	esac
}
test_name() {
	case $1 in
	tcp) echo "TCP Gbit/s|TCP: CPU ms per GB" ;;
	udp) echo "UDP kpps|UDP: CPU ns per datagram" ;;
	conn) echo "connections/s|CPU µs per connection" ;;
	esac
}
has_test() { [[ " ${tests[*]} " == *" $1 "* ]]; }

{
	echo "## 1. Data path"
	echo
	echo "Median of $RUNS interleaved runs of ${SECS} s each (min–max). TCP: one iperf3 stream. UDP: 18-byte"
	echo "datagrams from one connected socket, counted by the receiver; the stream is one-way, so conntrack"
	echo "keeps it in state new and every datagram walks the app rules (the worst case: a stream with"
	echo "replies is accepted by \`ct state established\` after its first datagram). Connections: one at a"
	echo "time, connect() then close with a reset, so each is a SYN, SYN-ACK, ACK and RST and its SYN is"
	echo "the one packet that walks the app rules. OpenSnitch (Debian's package, its daemon in the client"
	echo "namespace, default deny, one rule allowing the load generator's binary) takes part in the"
	echo "connection runs only; its CPU cost includes the daemon's threads."
	echo
	echo "Two views of each run. **Rate**: what the load generator achieved, and its ratio to the limit"
	echo "(no ruleset) measured in the same run. **CPU cost**: the CPU time the run used in all (client,"
	echo "server, the kernel's softirq threads; exact, from the scheduler) per unit of work, and the"
	echo "limit's cost over the ruleset's: the rate ratio a CPU-bound run would reach on an idle machine."
	echo "This machine is shared with other work, so rates swing with its load (see min–max) while CPU"
	echo "costs hold steady; the targets below are judged on the CPU cost ratio, with the rate ratio beside it."
	for topo in "${topos[@]}"; do
		echo
		if [ "$topo" = veth ]; then
			echo "### veth pair, MTU 1500 (client namespace with the ruleset → server namespace)"
		else
			echo "### loopback (client and server in one namespace; galaf with \`\"loopback\": false\` so its app rules apply)"
		fi
		for view in 1 2; do
			echo
			printf '| ruleset |'
			for test in "${tests[@]}"; do
				printf ' %s | %s |' "$(test_name "$test" | cut -d'|' -f"$view")" "$([ "$view" = 1 ] && echo ratio || echo "limit / this")"
			done
			echo
			printf '| --- |'
			for test in "${tests[@]}"; do printf ' --- | --- |'; done
			echo
			for cfg in "${configs[@]}"; do
				printf '| %s |' "$(label "$cfg")"
				for test in "${tests[@]}"; do
					f=$BL_DIR/$test.$topo.$cfg
					if [ ! -f "$f" ]; then
						printf ' — | — |'
					elif [ "$view" = 1 ]; then
						d=0
						[ "$test" = tcp ] && d=2
						printf ' %s | %s |' "$(rates "$f" | cell $d)" "$(bl_ratio "$(rate_med "$f")" "$(rate_med "$BL_DIR/$test.$topo.none")")"
					else
						printf ' %s | %s |' "$(costs "$f" "$test" | cell 1)" "$(eff "$test" "$topo" "$cfg")"
					fi
				done
				echo
			done
		done
	done
	if has_test conn; then
		echo
		echo "### The curves: new connections against the number of apps (CPU cost ratio to the limit; rate ratio)"
		echo
		echo "Conntrack only and OpenSnitch do not depend on the number of apps: their figures repeat on every row."
		echo
		printf '| apps |'
		for topo in "${topos[@]}"; do printf ' galaf %s | naive %s | conntrack only %s | OpenSnitch %s | galaf / conntrack only %s |' "$topo" "$topo" "$topo" "$topo" "$topo"; done
		echo
		printf '| --- |'
		for topo in "${topos[@]}"; do printf ' --- | --- | --- | --- | --- |'; done
		echo
		for n in $SIZES; do
			printf '| %s |' "$(bl_fmt "$n")"
			for topo in "${topos[@]}"; do
				for c in "galaf-$n" "naive-$n" ct osnitch; do
					if [ -f "$BL_DIR/conn.$topo.$c" ]; then
						printf ' %s; %s |' "$(eff conn "$topo" "$c")" \
							"$(bl_ratio "$(rate_med "$BL_DIR/conn.$topo.$c")" "$(rate_med "$BL_DIR/conn.$topo.none")")"
					else
						printf ' — |'
					fi
				done
				printf ' %s |' "$(eff conn "$topo" "galaf-$n" ct)"
			done
			echo
		done
		echo
		echo "### The time of one connect()"
		echo
		echo "Median over every connect() of the runs (each run's median, then the median of those), and the"
		echo "first connect() of each run's fresh process (median over runs), in µs."
		echo
		printf '| ruleset |'
		for topo in "${topos[@]}"; do printf ' connect() %s | first connect() %s |' "$topo" "$topo"; done
		echo
		printf '| --- |'
		for topo in "${topos[@]}"; do printf ' --- | --- |'; done
		echo
		for cfg in "${configs[@]}"; do
			printf '| %s |' "$(label "$cfg")"
			for topo in "${topos[@]}"; do
				printf ' %s | %s |' "$(lats "$BL_DIR/conn.$topo.$cfg" 4 | cell 1)" "$(lats "$BL_DIR/conn.$topo.$cfg" 5 | cell 1)"
			done
			echo
		done
	fi
	echo
	echo "### Counter check: the intended rule accepted the measured app's traffic"
	echo
	echo "For galaf, packets counted in \`stats_out\` for the app's mark (\`gid << 16\`), which only the accept"
	echo "path updates, and elements in \`refused4\`; for the naive and conntrack-only rulesets, the named"
	echo "counter on the accepting rule; for OpenSnitch, the packets its queue rule handed to the daemon."
	echo "Each must be at least the connections the clients made."
	echo
	echo "| ruleset | connections made | packets counted | refused | check |"
	echo "| --- | --- | --- | --- | --- |"
} >"$OUT"
fail=0
for cfg in "${configs[@]}"; do
	[ "$cfg" = none ] && continue
	got=$(counter_of "$cfg")
	ref=$(refused_of "$cfg")
	ok=ok
	if [ "$got" -lt "${CONNS[$cfg]}" ] || { [ "$ref" != - ] && [ "$ref" -ne 0 ]; }; then
		ok="**FAILED**"
		fail=1
	fi
	printf '| %s | %s | %s | %s | %s |\n' "$(label "$cfg")" "$(bl_fmt "${CONNS[$cfg]}")" "$(bl_fmt "$got")" "$ref" "$ok" >>"$OUT"
done
if [ "$(nft list ruleset | sha256sum)" != "$host_ruleset" ]; then
	echo "**The host's ruleset changed during the run.**" >>"$OUT"
	fail=1
fi

# Figures for bench/charts.sh: one row per size, the median connections/s
# and the CPU cost ratio to the limit of each ruleset ("nan" where none).
if [ -n "$CHART_DATA" ] && has_test conn; then
	mkdir -p "$CHART_DATA"
	for topo in "${topos[@]}"; do
		{
			printf '# apps\tgalaf\tnaive\tct\topensnitch\tnone\tgalaf_eff\tnaive_eff\tct_eff\topensnitch_eff\n'
			for n in $SIZES; do
				printf '%s' "$n"
				for c in "galaf-$n" "naive-$n" ct osnitch none; do
					printf '\t%s' "$(rates "$BL_DIR/conn.$topo.$c" | med)"
				done
				for c in "galaf-$n" "naive-$n" ct osnitch; do
					printf '\t%s' "$([ -f "$BL_DIR/conn.$topo.$c" ] && eff conn "$topo" "$c" || echo nan)"
				done
				echo
			done
		} >"$CHART_DATA/conn-$topo.tsv"
	done
fi

# Headline figures: the largest galaf size against the limit and against
# conntrack only, and flatness.
big=${SIZES##* }
small=${SIZES%% *}
for topo in "${topos[@]}"; do
	for test in tcp conn; do
		has_test "$test" || continue
		what="TCP throughput" target=0.97
		[ "$test" = conn ] && what="New TCP connections/s" target=0.90
		r=$(eff "$test" "$topo" "galaf-$big")
		raw=$(bl_ratio "$(rate_med "$BL_DIR/$test.$topo.galaf-$big")" "$(rate_med "$BL_DIR/$test.$topo.none")")
		bl_headline "$what, galaf $(bl_fmt "$big") apps / limit, $topo (CPU cost ratio; rate ratio)" "$r; $raw" "≥ $target" "$(bl_cmp "$r" '>=' "$target")"
	done
	if has_test conn; then
		for n in $SIZES; do
			[ "$n" = "$small" ] || [ "$n" = "$big" ] || continue
			r=$(eff conn "$topo" "galaf-$n" ct)
			raw=$(bl_ratio "$(rate_med "$BL_DIR/conn.$topo.galaf-$n")" "$(rate_med "$BL_DIR/conn.$topo.ct")")
			bl_headline "New TCP connections/s, galaf $(bl_fmt "$n") app(s) / conntrack only, $topo (CPU cost ratio; rate ratio)" "$r; $raw" "≥ 0.97" "$(bl_cmp "$r" '>=' 0.97)"
		done
		r=$(bl_ratio "$(cost_med "$BL_DIR/conn.$topo.galaf-$small" conn)" "$(cost_med "$BL_DIR/conn.$topo.galaf-$big" conn)")
		bl_headline "Flat: connections, galaf $(bl_fmt "$small") app(s) / $(bl_fmt "$big") apps, CPU cost, $topo" "$r" "≥ 0.95" "$(bl_cmp "$r" '>=' 0.95)"
		[ "$NAIVE" = 0 ] || bl_headline "(reference) naive linear, $(bl_fmt "$big") apps / limit, connections, $topo" "$(eff conn "$topo" "naive-$big")" "falls off" "—"
		if [ -f "$BL_DIR/conn.$topo.osnitch" ]; then
			r=$(bl_ratio "$(rate_med "$BL_DIR/conn.$topo.galaf-$big")" "$(rate_med "$BL_DIR/conn.$topo.osnitch")")
			bl_headline "(reference) new connections/s, galaf $(bl_fmt "$big") apps / OpenSnitch, $topo" "$r" "reported" "—"
		fi
	fi
	for v in "${vnames[@]}"; do
		for n in $SIZES; do
			for test in conn udp; do
				has_test "$test" || continue
				bl_headline "(before/after) $test, galaf $(bl_fmt "$n") apps / $([ "$v" = base ] && echo "BASE_CONFIG" || echo "variant $v")'s, $topo (CPU cost ratio: above 1 is faster)" \
					"$(eff "$test" "$topo" "galaf-$n" "$v-$n")" "reported" "—"
				[ "$test" = conn ] || continue
				bl_headline "New TCP connections/s, $v's galaf $(bl_fmt "$n") app(s) / conntrack only, $topo (CPU cost ratio)" \
					"$(eff conn "$topo" "$v-$n" ct)" "reported" "—"
			done
		done
	done
	if has_test udp; then
		r=$(bl_ratio "$(cost_med "$BL_DIR/udp.$topo.galaf-$small" udp)" "$(cost_med "$BL_DIR/udp.$topo.galaf-$big" udp)")
		bl_headline "Flat: one-way UDP, galaf $(bl_fmt "$small") app(s) / $(bl_fmt "$big") apps, CPU cost per datagram, $topo" "$r" "≥ 0.95" "$(bl_cmp "$r" '>=' 0.95)"
	fi
done
[ "$fail" -eq 0 ] || bl_die "counter check failed: see $OUT"
