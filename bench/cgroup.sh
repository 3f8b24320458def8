#!/usr/bin/env bash
# The packet-path cost of matching entries by cgroup: new TCP connections
# per second over a veth pair (bench/netload.c, one connection at a time,
# so each SYN walks the rules), for three rulesets rendered by galaf-config:
#   gid        one app matched by gid (static allow-list), no cgroup entry
#   gid+cg     the same app, plus an entry matched by cgroup that the client
#              is not in: what the cgroup lookups cost every other socket
#   cg         the client in the listed cgroup, matched by it (its gid and
#              uid are in no entry)
#
#   bench/cgroup.sh [OUT.md]     (env: RUNS=7 SECS=1)
#
# Runs go round the rulesets in turn (each round starting one further on);
# medians with min-max. Creates only throwaway namespaces and a test cgroup.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-7}
SECS=${SECS:-1}
OUT=${1:-/dev/stdout}
SRV_ADDR=198.18.0.2 # RFC 2544 benchmark range, only inside our namespaces
CLI_ADDR=198.18.0.1
PORT=5202

bl_init
bl_tools_check jq setpriv taskset nft ss nsenter findmnt
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
T=$BL_DIR/bin
bl_build_tools "$T"
ID=$(bl_free_id)
GID_APP=30001 GID_CG=30002

CGROOT=$(findmnt -n -t cgroup2 -o TARGET | head -n1)
[ -n "$CGROOT" ] || bl_die "no cgroup2 hierarchy is mounted"
CGREL=galaf-bench-$(bl_rand)
mkdir "$CGROOT/$CGREL"
bl_on_cleanup "rmdir '$CGROOT/$CGREL'"
# nft looks cgroup paths up below /sys/fs/cgroup (unified/... on a hybrid host).
NFTPATH=${CGROOT#/sys/fs/cgroup}/$CGREL
NFTPATH=${NFTPATH#/}

policy() { # WITH_CG: 0 or 1
	jq -n --argjson cg "$1" --arg rel "$CGREL" --arg a "$SRV_ADDR" --argjson g "$GID_APP" \
		--argjson c "$GID_CG" '{ config: { loopback: false }, groups: ({
		zapp: { gid: $g, allow: [{ to: [$a], proto: "tcp" }] } } +
		(if $cg == 1 then { zsvc: { gid: $c, cgroups: [$rel], allow: [{ to: [$a], proto: "tcp" }] } } else {} end)) }'
}

declare -A CNS GID INCG
configs=(gid gid+cg cg)
c='' s=''
for cfg in "${configs[@]}"; do
	bl_veth_pair c s "$CLI_ADDR" "$SRV_ADDR"
	withcg=1
	[ "$cfg" = gid ] && withcg=0
	policy "$withcg" >"$BL_DIR/$cfg.json"
	"$GALAF_CONFIG" render --nft "$BL_DIR/$cfg.json" >"$BL_DIR/$cfg.nft"
	nsenter --net="/run/netns/$c" nft -f "$BL_DIR/$cfg.nft"
	[ "$withcg" = 1 ] && nsenter --net="/run/netns/$c" nft add element inet galaf cgroup_zsvc "{ \"$NFTPATH\" }"
	ip netns exec "$s" setpriv --reuid="$ID" --regid="$ID" --clear-groups taskset -c 1 \
		"$T/netload" tcp-server "$SRV_ADDR" $PORT >/dev/null 2>&1 &
	for ((i = 0; i < 200; i++)); do
		ip netns exec "$s" ss -Hltn "sport = :$PORT" | grep -q . && break
		sleep 0.02
	done
	CNS[$cfg]=$c
	GID[$cfg]=$GID_APP
	INCG[$cfg]=0
	[ "$cfg" = cg ] && GID[$cfg]=$ID INCG[$cfg]=1
done

run_one() { # CFG -> "RATE CONNECTIONS"
	local cfg=$1 dir=$CGROOT
	[ "${INCG[$cfg]}" = 1 ] && dir=$CGROOT/$CGREL
	# shellcheck disable=SC2016 # expanded by the inner shell
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" \
		ip netns exec "${CNS[$cfg]}" setpriv --reuid="$ID" --regid="${GID[$cfg]}" --clear-groups \
		taskset -c 0 "$T/netload" tcp-connect "$SRV_ADDR" $PORT "$SECS" | cut -d' ' -f1,2
}

for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < ${#configs[@]}; k++)); do
		cfg=${configs[(k + r) % ${#configs[@]}]}
		run_one "$cfg" >>"$BL_DIR/conn.$cfg" || bl_die "connections failed for $cfg"
	done
	bl_log "round $((r + 1))/$RUNS"
done

# Every connection of each ruleset went through the intended entry: its mark.
marked() { # CFG MARK
	ip netns exec "${CNS[$1]}" nft -j list set inet galaf stats_out |
		jq --argjson m "$2" '[.nftables[].set.elem[]? | select(.elem.val == $m) | .elem.counter.packets] | add // 0'
}

med() { cut -d' ' -f1 "$1" | bl_summary; }
{
	echo "## 8. Cgroup matching: new TCP connections per second (veth)"
	echo
	echo "Median of $RUNS interleaved runs of ${SECS} s (min–max); one connection at a time. This machine is"
	echo "shared and noisy: compare the ratios, measured in the same run, not the absolute rates."
	echo
	echo "| ruleset | connections/s | ratio to gid | packets accepted under the entry's mark |"
	echo "| --- | --- | --- | --- |"
	read -r base _ < <(med "$BL_DIR/conn.gid")
	for cfg in "${configs[@]}"; do
		read -r m lo hi _ < <(med "$BL_DIR/conn.$cfg")
		mark=$((GID_APP << 16))
		[ "$cfg" = cg ] && mark=$((GID_CG << 16))
		printf '| %s | %s (%s–%s) | %s | %s |\n' "$cfg" "$(bl_fmt "$m")" "$(bl_fmt "$lo")" \
			"$(bl_fmt "$hi")" "$(bl_ratio "$m" "$base")" "$(marked "$cfg" "$mark")"
	done
} >"$OUT"
