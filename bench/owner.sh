#!/usr/bin/env bash
# The cost of checking who sends on a known flow (owner_out): bulk TCP
# throughput (iperf3) and a UDP stream with replies (bench/netload.c
# udp-pingpong: 32 datagrams in flight, each reply sends the next) over a
# veth pair, for the same policy rendered three ways:
#   nocheck    owner_out replaced by the old "ct state established,related
#              goto ok_out": every packet of a known flow accepted
#   check      as rendered, no socket marker: the marker lookup misses, the
#              gid lookup finds the owner (the longer path)
#   marker     as rendered, the client in a cgroup with the socket marker:
#              the marker lookup finds the owner
# The policy has 1,000 apps: the check is one or two hash lookups whatever
# their number.
#
#   bench/owner.sh [OUT.md]     (env: RUNS=7 SECS=1 APPS=1000)
#
# Runs go round the rulesets in turn (each round starting one further on);
# medians with min-max. At the end, counters prove the packets took the
# owner path. Creates only throwaway namespaces, a test cgroup and a pin dir.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-7}
SECS=${SECS:-1}
APPS=${APPS:-1000}
OUT=${1:-/dev/stdout}
SRV_ADDR=198.18.0.2 # RFC 2544 benchmark range, only inside our namespaces
CLI_ADDR=198.18.0.1
P_TCP=5201 P_UDP=5204
OBJ=${GALAF_MARK_OBJECT:-$BENCH_TOP/build/galaf_mark.bpf.o}

bl_init
bl_tools_check iperf3 jq setpriv taskset nft ss findmnt
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
[ -r "$OBJ" ] || bl_die "no $OBJ: run make"
T=$BL_DIR/bin
bl_build_tools "$T"
ID=$(bl_free_id)
GID=$((30000 + APPS - 1))

CGROOT=$(findmnt -n -t cgroup2 -o TARGET | head -n1)
[ -n "$CGROOT" ] || bl_die "no cgroup2 hierarchy is mounted"
CG=$CGROOT/galaf-bench-$(bl_rand)
mkdir "$CG"
bl_on_cleanup "rmdir '$CG'"
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
	PIN=/sys/fs/bpf/galaf-bench-$(bl_rand)
else
	mkdir "$BL_DIR/bpffs"
	mount -t bpf bpf "$BL_DIR/bpffs"
	bl_on_cleanup "umount '$BL_DIR/bpffs'"
	PIN=$BL_DIR/bpffs/galaf
fi
"$GALAF_CONFIG" marker load --cgroup "$CG" --object "$OBJ" --pin-dir "$PIN" >/dev/null
bl_on_cleanup "'$GALAF_CONFIG' marker unload --all --pin-dir '$PIN'"

# APPS-1 synthetic apps and the measured one, allowed the server by address.
"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" $((APPS - 1)) 10 0 --dir "$BL_DIR" |
	jq --argjson gid "$GID" --arg a "$SRV_ADDR" '.config.loopback = false |
		.groups.zbench = { gid: $gid, allow: [{ to: [$a] }] }' >"$BL_DIR/policy.json"
"$GALAF_CONFIG" render --nft "$BL_DIR/policy.json" >"$BL_DIR/check.nft"
grep -q 'jump owner_out' "$BL_DIR/check.nft" || bl_die "the rendered ruleset has no owner check"
sed 's/ct state established,related jump owner_out/ct state established,related goto ok_out/' \
	"$BL_DIR/check.nft" >"$BL_DIR/nocheck.nft"

declare -A CNS INCG
configs=(nocheck check marker)
c='' s=''
for cfg in "${configs[@]}"; do
	bl_veth_pair c s "$CLI_ADDR" "$SRV_ADDR"
	f=check
	[ "$cfg" = nocheck ] && f=nocheck
	ip netns exec "$c" nft -f "$BL_DIR/$f.nft"
	# A probe: a packet the owner lookups missed would be counted here.
	[ "$f" = check ] && ip netns exec "$c" nft insert rule inet galaf claim_out counter
	ip netns exec "$s" setpriv --reuid="$ID" --regid="$ID" --clear-groups taskset -c 1 \
		iperf3 -s -B "$SRV_ADDR" -p $P_TCP >/dev/null 2>&1 &
	ip netns exec "$s" setpriv --reuid="$ID" --regid="$ID" --clear-groups taskset -c 1 \
		"$T/netload" udp-echo "$SRV_ADDR" $P_UDP >/dev/null 2>&1 &
	for ((i = 0; i < 200; i++)); do
		ip netns exec "$s" ss -Hltn "sport = :$P_TCP" | grep -q . &&
			ip netns exec "$s" ss -Hlun "sport = :$P_UDP" | grep -q . && break
		sleep 0.02
	done
	CNS[$cfg]=$c
	INCG[$cfg]=0
	[ "$cfg" = marker ] && INCG[$cfg]=1
done

# client CFG CMD...: CMD in the config's client namespace as the app, on CPU 0.
client() {
	local cfg=$1 dir=$CGROOT
	shift
	[ "${INCG[$cfg]}" = 1 ] && dir=$CG
	# shellcheck disable=SC2016 # expanded by the inner shell
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" \
		ip netns exec "${CNS[$cfg]}" setpriv --reuid="$ID" --regid="$GID" --clear-groups \
		taskset -c 0 "$@"
}

run_tcp() {
	local len=(-t "$SECS")
	[[ $SECS =~ ^[1-9][0-9]*$ ]] || len=(-n 50M)
	client "$1" iperf3 -c "$SRV_ADDR" -p $P_TCP "${len[@]}" -J >"$BL_DIR/iperf.json" ||
		bl_die "iperf3 failed for $1"
	jq -r '.end.sum_received.bits_per_second / 1e9' "$BL_DIR/iperf.json"
}

# run_udp CFG: "RATE CPU_US": replies per second, and the client's CPU time
# per reply (its send and the reply's receive; less sensitive to the
# scheduling noise of a shared machine than the rate).
run_udp() {
	client "$1" "$T/netload" udp-pingpong "$SRV_ADDR" $P_UDP "$SECS" |
		awk '$2 > 0 { printf "%s %.3f\n", $1, $4 / $2 / 1000 }'
}

for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < ${#configs[@]}; k++)); do
		cfg=${configs[(k + r) % ${#configs[@]}]}
		run_tcp "$cfg" >>"$BL_DIR/tcp.$cfg"
		run_udp "$cfg" >"$BL_DIR/udp.out"
		cut -d' ' -f1 "$BL_DIR/udp.out" >>"$BL_DIR/udp.$cfg"
		cut -d' ' -f2 "$BL_DIR/udp.out" >>"$BL_DIR/cpu.$cfg"
	done
	bl_log "round $((r + 1))/$RUNS"
done

# Packets counted under the app's marks: the owner path ends in ok_out.
accepted() { # CFG
	ip netns exec "${CNS[$1]}" nft -j list set inet galaf stats_out |
		jq '[.nftables[].set.elem[]? | .elem.counter.packets] | add // 0'
}
claimed() { # CFG
	[ "$1" = nocheck ] && { echo -; return; }
	ip netns exec "${CNS[$1]}" nft -j list chain inet galaf claim_out |
		jq '[.nftables[].rule?.expr[]?.counter?.packets // empty] | add // 0'
}
owners() { # CFG
	ip netns exec "${CNS[$1]}" nft -j list set inet galaf owners |
		jq '[.nftables[].set.elem[]?] | length'
}

med() { bl_summary <"$1"; }
{
	echo "## 10. Who sends on a known flow: the owner check (veth)"
	echo
	echo "Median of $RUNS interleaved runs of ${SECS} s (min–max), one app of $(bl_fmt "$APPS") measured."
	echo "\`nocheck\` accepts every packet of a known flow (the ruleset before the check); \`check\`"
	echo "finds the owner by gid (no marker: two lookups), \`marker\` by the socket marker's mark"
	echo "(one lookup). The UDP stream keeps 32 datagrams in flight, each reply sending the next."
	echo
	echo "| ruleset | TCP Gbit/s | ratio | UDP replies/s | ratio | client CPU µs per reply | ratio | packets accepted | not found owner | owners pairs |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	read -r tbase _ < <(med "$BL_DIR/tcp.nocheck")
	read -r ubase _ < <(med "$BL_DIR/udp.nocheck")
	read -r cbase _ < <(med "$BL_DIR/cpu.nocheck")
	for cfg in "${configs[@]}"; do
		read -r tm tlo thi _ < <(med "$BL_DIR/tcp.$cfg")
		read -r um ulo uhi _ < <(med "$BL_DIR/udp.$cfg")
		read -r cm clo chi _ < <(med "$BL_DIR/cpu.$cfg")
		printf '| %s | %s (%s–%s) | %s | %s (%s–%s) | %s | %s (%s–%s) | %s | %s | %s | %s |\n' "$cfg" \
			"$(bl_fmt "$tm" 2)" "$(bl_fmt "$tlo" 2)" "$(bl_fmt "$thi" 2)" "$(bl_ratio "$tm" "$tbase")" \
			"$(bl_fmt "$um")" "$(bl_fmt "$ulo")" "$(bl_fmt "$uhi")" "$(bl_ratio "$um" "$ubase")" \
			"$(bl_fmt "$cm" 1)" "$(bl_fmt "$clo" 1)" "$(bl_fmt "$chi" 1)" "$(bl_ratio "$cm" "$cbase")" \
			"$(bl_fmt "$(accepted "$cfg")")" "$(claimed "$cfg")" "$(owners "$cfg")"
		[ "$cfg" = nocheck ] && continue
		bl_headline "Owner check ($cfg), TCP throughput / without the check" \
			"$(bl_ratio "$tm" "$tbase")" ">= 0.95" "$(bl_cmp "$(bl_ratio "$tm" "$tbase")" '>=' 0.95)"
		bl_headline "Owner check ($cfg), UDP replies/s / without the check" \
			"$(bl_ratio "$um" "$ubase")" ">= 0.95" "$(bl_cmp "$(bl_ratio "$um" "$ubase")" '>=' 0.95)"
	done
} >"$OUT"
