#!/usr/bin/env bash
# bench/rebuild.sh OUT.md: the window a rebuild opens for new flows (issue 16).
#
# A client opens new TCP connections and UDP request/reply pairs without
# pause (tests/helpers/flowload.c) to an address that a concatenated interval set
# (ipv4_addr . inet_service, flags interval: nftables' pipapo backend) of
# SIZE elements allows, while ITER transactions rebuild that set, each way:
#   re-create   delete the set and declare it again, with the same elements,
#               in the transaction that re-adds the rules (galaf before issue 16)
#   keep        keep the set, re-declare it with its elements and delete the
#               one that leaves (what galaf's rebuild does now, src/keepsets.c)
#   flush       flush the set and add its elements again (for comparison)
#   galaf       galaf-config apply --full of two policies in turn: the client
#               is an app allowed SIZE networks and the server; only another
#               app's port differs (every rebuild path is in
#               tests/bats/rebuild-load.bats, which must count 0)
# Counts the flows refused during the ITER transactions, in a throwaway
# namespace: the kernel's behaviour (plain nft), then galaf's.
# Knobs: SIZE (default 5000), ITER (30), MODES ("re-create keep flush galaf").
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
out=${1:?usage: rebuild.sh OUT.md}
size=${SIZE:-5000}
iter=${ITER:-30}
modes=${MODES:-"re-create keep flush galaf"}

bl_init
cc -std=gnu17 -O2 -Wall -Wextra -o "$BL_DIR/flowload" "$BENCH_TOP/tests/helpers/flowload.c"
ns= # set by bl_netns
bl_netns ns
ip -n "$ns" addr add 10.99.0.1/32 dev lo
X=(ip netns exec "$ns")

# set_decl NAME [EXTRA]: the set with SIZE networks, the server's port and EXTRA.
set_decl() {
	local i
	echo "set $1 { type ipv4_addr . inet_service; flags interval; elements = {"
	for ((i = 0; i < size; i++)); do
		echo "10.$((i / 250 + 100)).$((i % 250)).0/24 . $((1000 + i % 100))-$((1100 + i % 100)),"
	done
	echo "10.99.0.1 . 5000,${2:+ $2,} } }"
}
rules() {
	echo "add rule inet t out ct state established,related accept"
	echo "add rule inet t out ip daddr 10.99.0.1 ip daddr . th dport @s accept"
	echo "add rule inet t out ip daddr 10.99.0.1 meta l4proto tcp reject with tcp reset"
	echo "add rule inet t out ip daddr 10.99.0.1 reject with icmpx admin-prohibited"
}
# step MODE K: the K-th rebuild; one element alternates, as a policy change would.
step() {
	local extra="10.98.0.$(($2 % 2)) . 80" gone="10.98.0.$((($2 + 1) % 2)) . 80"
	case $1 in
	re-create) echo "flush chain inet t out"; echo "delete set inet t s"
		echo "table inet t {"; set_decl s "$extra"; echo "}"; rules ;;
	keep) echo "flush chain inet t out"; echo "delete element inet t s { $gone }"
		echo "table inet t {"; set_decl s "$extra"; echo "}"; rules ;;
	flush) echo "flush set inet t s"; echo "table inet t {"; set_decl s "$extra"; echo "}" ;;
	esac
}

# galaf_policy FILE OTHER_PORT: app00000 (gid 30000) may reach the server and
# SIZE other networks; app00001's port is the only difference between files.
galaf_policy() {
	local nets
	nets=$(for ((i = 0; i < size; i++)); do printf '"10.%d.%d.0/24", ' $((100 + i / 250)) $((i % 250)); done)
	cat >"$1" <<-EOF
	{ "config": { "dns": { "conf": "$BL_DIR/dnsmasq.conf", "reload": null },
	    "gate_index": "$BL_DIR/gate.index", "state_dir": "$BL_DIR/state" },
	  "groups": {
	    "app00000": { "gid": 30000, "allow": [
	      { "to": [$nets "10.99.0.1"], "proto": "tcp", "ports": [5000] },
	      { "to": [$nets "10.99.0.1"], "proto": "udp", "ports": [5000] } ] },
	    "app00001": { "gid": 30001, "allow": [{ "to": ["10.88.0.0/16"], "proto": "tcp", "ports": [$2] }] } } }
	EOF
}

"${X[@]}" "$BL_DIR/flowload" server 10.99.0.1 5000 >"$BL_DIR/srv" &
bl_on_cleanup "kill $!"
for ((i = 0; i < 50; i++)); do grep -q ready "$BL_DIR/srv" && break; sleep 0.1; done
{
	echo "## Rebuild window (issue 16)"
	echo
	echo "\`bench/rebuild.sh\`: new TCP connections and UDP request/reply pairs without pause to an address"
	echo "a concatenated interval set of $(bl_fmt "$size") elements allows, during $iter transactions that rebuild"
	echo "the set; flows refused although every transaction allows them (plain nft, kernel $(uname -r));"
	echo "last, the same through galaf: \`galaf-config apply --full\` of two policies in turn, the client an app."
	echo
	echo "| rebuild | flows | refused | per transaction |"
	echo "| --- | --- | --- | --- |"
} >"$out"
bl_groupfile 2 "$BL_DIR/group"
app_uid=$(bl_free_id)
for mode in $modes; do
	"${X[@]}" nft delete table inet t 2>/dev/null || true
	client=("${X[@]}")
	if [ "$mode" = galaf ]; then
		galaf_policy "$BL_DIR/a.json" 443
		galaf_policy "$BL_DIR/b.json" 8443
		bl_with_db "$BL_DIR/group" - "${X[@]}" "$GALAF_CONFIG" apply "$BL_DIR/a.json" >/dev/null
		client+=(setpriv --reuid "$app_uid" --regid 30000 --clear-groups)
	else
		{ echo "table inet t {"; set_decl s "10.98.0.1 . 80"; echo "chain out { type filter hook output priority 0; policy accept; }"; echo "}"; rules; } >"$BL_DIR/init.nft"
		"${X[@]}" nft -f "$BL_DIR/init.nft"
		for ((k = 0; k < iter; k++)); do step "$mode" "$k" >"$BL_DIR/step.$k.nft"; done
	fi
	"${client[@]}" "$BL_DIR/flowload" client 10.99.0.1 5000 - >"$BL_DIR/load" &
	cl=$!
	sleep 0.3
	t0=$(date +%s%N)
	for ((k = 0; k < iter; k++)); do
		if [ "$mode" = galaf ]; then
			bl_with_db "$BL_DIR/group" - "${X[@]}" "$GALAF_CONFIG" apply --full \
				"$BL_DIR/$([ $((k % 2)) = 0 ] && echo b || echo a).json" >/dev/null
		else
			"${X[@]}" nft -f "$BL_DIR/step.$k.nft"
		fi
	done
	t1=$(date +%s%N)
	sleep 0.2
	kill -TERM "$cl"
	wait "$cl"
	read -r _ tok tref tlost _ uok uref ulost <"$BL_DIR/load"
	refused=$((tref + tlost + uref + ulost))
	ms=$(((t1 - t0) / iter / 1000000))
	printf '| %s | %s | %s | %s ms |\n' "$mode" "$(bl_fmt $((tok + uok + refused)))" "$refused" "$ms" >>"$out"
	bl_log "$mode: $(cat "$BL_DIR/load") in $ms ms per transaction"
	if [ "$mode" = keep ]; then
		bl_headline "Rebuild under load: flows refused, $iter rebuilds of a $(bl_fmt "$size")-element interval set" "$refused" "0" "$(bl_cmp "$refused" '<=' 0)"
	elif [ "$mode" = galaf ]; then
		bl_headline "Rebuild under load: flows refused, $iter galaf-config apply --full of an app with $(bl_fmt "$size") networks" "$refused" "0" "$(bl_cmp "$refused" '<=' 0)"
		"${X[@]}" nft delete table inet galaf
	fi
done
