#!/usr/bin/env bash
# Where a ruleset's per-packet time goes: perf samples (cpu-clock, call
# graphs) of CPU 0 while bench/netload sends on it, in a veth pair whose
# client namespace holds the ruleset, and the share of the load generator's
# samples spent under each netfilter entry point.
#
#   bench/profile.sh RULESET.nft|galaf:N|ct|none conn|udp [SECS]
#
# galaf:N is galaf's ruleset for N apps as bench/datapath.sh builds it (the
# measured app last, reached through a domain set); ct the conntrack-only
# ruleset. Prints "SYMBOL PERCENT" lines (children, i.e. the symbol and what
# it calls, as a share of the load generator's samples) and perf's
# self-time table for the nf_tables symbols. Not part of make bench: a tool
# for the analysis (bench/analysis.md cites it). Needs root and perf.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

WHAT=${1:?ruleset}
LOAD=${2:?conn or udp}
SECS=${3:-3}
SRV_ADDR=198.18.0.2 CLI_ADDR=198.18.0.1 PORT=5202

bl_init
bl_tools_check perf jq setpriv taskset nft
T=$BL_DIR/bin
bl_build_tools "$T"
ID=$(bl_free_id)
GID=30000
c='' s=''
bl_veth_pair c s "$CLI_ADDR" "$SRV_ADDR"
case $WHAT in
galaf:*)
	n=${WHAT#galaf:}
	GID=$((30000 + n - 1))
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" $((n - 1)) 10 1 --dir "$BL_DIR" |
		jq --argjson gid "$GID" '.config.loopback = false |
			.groups.zbench = { gid: $gid, execv: ["/usr/bin/true"],
				allow: [{ to: [range(10) | "172.16.\(.).0/24"], proto: "tcp", ports: [443] }, { to: ["bench.test"] }] }' \
			>"$BL_DIR/policy.json"
	"$GALAF_CONFIG" render --nft "$BL_DIR/policy.json" >"$BL_DIR/ruleset.nft"
	set=$("$GALAF_CONFIG" render --dnsmasq "$BL_DIR/policy.json" |
		sed -n 's|^nftset=/bench\.test/4#inet#galaf#\([^,]*\),.*|\1|p')
	ip netns exec "$c" nft -f "$BL_DIR/ruleset.nft"
	ip netns exec "$c" nft add element inet galaf "$set" "{ $SRV_ADDR }"
	;;
ct)
	printf '%s\n' 'table inet ctonly {' '	chain output {' \
		'		type filter hook output priority filter; policy drop;' \
		'		ct state established,related accept' '		accept' '	}' '}' >"$BL_DIR/ruleset.nft"
	ip netns exec "$c" nft -f "$BL_DIR/ruleset.nft"
	;;
none) ;;
*) ip netns exec "$c" nft -f "$WHAT" ;;
esac

case $LOAD in
conn)
	ip netns exec "$s" setpriv --reuid="$ID" --regid="$GID" --clear-groups taskset -c 1 \
		"$T/netload" tcp-server "$SRV_ADDR" $PORT >/dev/null 2>&1 &
	sleep 0.3
	cmd=("$T/netload" tcp-connect "$SRV_ADDR" "$PORT" "$SECS")
	;;
udp)
	ip netns exec "$s" setpriv --reuid="$ID" --regid="$GID" --clear-groups taskset -c 1 \
		"$T/netload" udp-recv "$SRV_ADDR" $PORT >/dev/null 2>&1 &
	sleep 0.3
	cmd=("$T/netload" udp-send "$SRV_ADDR" "$PORT" "$SECS" 18)
	;;
*) bl_die "load is conn or udp" ;;
esac
perf record -q -e cpu-clock -F 4999 -g -C 0 -o "$BL_DIR/perf.data" -- \
	ip netns exec "$c" setpriv --reuid="$ID" --regid="$GID" --clear-groups taskset -c 0 "${cmd[@]}" \
	>"$BL_DIR/load.out" 2>/dev/null
echo "load: $(cat "$BL_DIR/load.out") (RATE COUNT ERRORS CPU_NS)"
perf report -i "$BL_DIR/perf.data" --comm netload --percentage relative --children --sort sym --stdio -g none 2>/dev/null |
	awk '$1 ~ /%$/ && $NF ~ /^(nf_hook_slow|nft_do_chain.*|nf_conntrack_in|ipv4_conntrack_local|nft_dynset_eval|nft_lookup_eval|nft_pipapo.*|nft_rhash.*|nft_hash.*|__nft_rhash.*|nft_ct_get_eval|nft_meta_get_eval|nft_immediate_eval|nft_counter.*|__nf_conntrack_confirm|nf_confirm|ip_output|__ip_local_out|tcp_v4_connect|__sys_connect|__x64_sys_sendto|udp_sendmsg)$/ {
		printf "%s %s\n", $NF, $1 }'
echo "-- self time, nf_tables symbols"
perf report -i "$BL_DIR/perf.data" --comm netload --percentage relative --no-children --sort sym --stdio -g none 2>/dev/null |
	awk '$1 ~ /%$/ && $NF ~ /nft|pipapo|nf_tables|rhash|dynset|conntrack|jhash/ { printf "%s %s\n", $NF, $1 }' | head -30
