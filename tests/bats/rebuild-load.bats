#!/usr/bin/env bats
# A rebuild of the table must be invisible to traffic that the old and the
# new policy both allow. An app opens new TCP connections and UDP
# request/reply pairs, IPv4 and IPv6, without pause, to a server in a second
# namespace, while the policy is rebuilt every way apply can rebuild it
# (--full, rollback, a timeout change and a delta the kernel refuses, where
# the delta gives up, after a hand edit); the app's own
# rules never change, and not one of its flows may be refused or lost.
# The big concatenated interval set is what made the window: its elements
# used to become visible only after the new rules were live (issue 16).
# shellcheck disable=SC2154 # run sets output
bats_require_minimum_version 1.5.0
load ../lib/common

setup_file() {
	need cc setpriv timeout || return 1
	DIR=$(mktemp -d /tmp/galaf-rebuild.XXXXXX)
	chmod 755 "$DIR"
	galaf_on_cleanup "rm -rf $DIR"
	cc -std=gnu17 -O2 -Wall -Wextra -Werror -o "$DIR/flowload" "$GALAF_TOP/tests/helpers/flowload.c" ||
		return 1
	galaf_netns NS
	galaf_netns SRV
	ip -n "$NS" link add gr0 type veth peer name gr1 netns "$SRV"
	ip -n "$NS" addr add 10.77.0.1/24 dev gr0
	ip -n "$SRV" addr add 10.77.0.2/24 dev gr1
	ip -n "$NS" addr add fd77::1/64 dev gr0 nodad
	ip -n "$SRV" addr add fd77::2/64 dev gr1 nodad
	ip -n "$NS" link set gr0 up
	ip -n "$SRV" link set gr1 up
	APP_GID=$(galaf_free_gid)
	galaf_group APP "$APP_GID"
	OTHER_GID=$(galaf_free_gid)
	galaf_group OTHER "$OTHER_GID"
	galaf_user USR
	export DIR NS SRV APP APP_GID OTHER OTHER_GID USR
}

teardown_file() {
	galaf_cleanup
}

# policy NAME OTHER_PORT TIMEOUT: APP may reach the server (and 2,000 other
# networks, so that its set is big); only OTHER's port differs between policies.
policy() {
	local nets
	nets=$(for ((i = 0; i < 2000; i++)); do printf '"10.%d.%d.0/24", ' $((100 + i / 250)) $((i % 250)); done)
	cat >"$DIR/$1.json" <<-EOF
	{
	  "config": {
	    "dns": { "conf": "$DIR/dnsmasq.conf", "reload": null, "timeout": $3 },
	    "gate_index": "$DIR/gate.index",
	    "state_dir": "$DIR/state"
	  },
	  "groups": {
	    "$APP": { "gid": $APP_GID, "execv": ["/bin/true"], "allow": [
	      { "to": [$nets "10.77.0.2", "fd77::2"], "proto": "tcp", "ports": [5000] },
	      { "to": [$nets "10.77.0.2", "fd77::2"], "proto": "udp", "ports": [5000] } ] },
	    "$OTHER": { "gid": $OTHER_GID, "execv": ["/bin/true"], "allow": [
	      { "to": ["10.88.0.0/16", "a.test"], "proto": "tcp", "ports": [$2] } ] }
	  }
	}
	EOF
}

# start_load ADDR: a client as APP until told to stop; its pid in LOAD_PIDS.
start_load() {
	ip netns exec "$NS" setpriv --reuid "$USR" --regid "$APP_GID" --clear-groups \
		"$DIR/flowload" client "$1" 5000 - >"$DIR/load.$1" 2>&1 3>&- &
	LOAD_PIDS+=("$!")
}

# refused_none: stops the clients and checks what they counted.
refused_none() {
	local p f tcp_ok tcp_ref tcp_lost udp_ok udp_ref udp_lost rc=0
	for p in "${LOAD_PIDS[@]}"; do kill -TERM "$p"; done
	for p in "${LOAD_PIDS[@]}"; do timeout 10 tail --pid="$p" -f /dev/null; done
	for f in "$DIR"/load.*; do
		echo "${f##*/load.}: $(cat "$f")"
		read -r _ tcp_ok tcp_ref tcp_lost _ udp_ok udp_ref udp_lost <"$f" || return 1
		[ "$tcp_ok" -gt 100 ] && [ "$udp_ok" -gt 100 ] || rc=1
		[ "$tcp_ref" -eq 0 ] && [ "$udp_ref" -eq 0 ] || rc=1
		[ "$tcp_lost" -eq 0 ] && [ "$udp_lost" -eq 0 ] || rc=1
	done
	return "$rc"
}

apply_ns() {
	run -0 ip netns exec "$NS" timeout 60 "$GALAF_CONFIG" "$@"
	echo "$*: $output"
}

@test "no flow that both policies allow is refused while the table is rebuilt" {
	local i
	policy a 443 86400
	policy b 8443 86400
	policy t 8443 3600
	ip netns exec "$SRV" "$DIR/flowload" server 10.77.0.2 5000 >"$DIR/srv4" 3>&- &
	galaf_on_cleanup "kill $!"
	ip netns exec "$SRV" "$DIR/flowload" server fd77::2 5000 >"$DIR/srv6" 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for grep -q ready "$DIR/srv4"
	wait_for grep -q ready "$DIR/srv6"
	apply_ns apply "$DIR/a.json"
	LOAD_PIDS=()
	# shellcheck disable=SC2016 # expanded when the cleanup runs
	galaf_on_cleanup 'kill "${LOAD_PIDS[@]}"'
	start_load 10.77.0.2
	start_load fd77::2
	sleep 0.5
	for i in 1 2 3; do
		apply_ns apply --full "$DIR/b.json"
		apply_ns apply --full "$DIR/a.json"
	done
	apply_ns rollback "$DIR/a.json"        # back to b, rebuilt
	apply_ns rollback --last-good "$DIR/a.json"
	apply_ns apply "$DIR/t.json"           # a learned set's timeout: a rebuild
	[[ $output == *"learned sets kept"* ]]
	# A hand edit: the table no longer carries the hash, so apply rebuilds.
	ip netns exec "$NS" nft delete set inet galaf applied
	apply_ns apply "$DIR/a.json"
	[[ $output == *"learned sets kept"* ]]
	# A hand edit the delta trips over (it deletes OTHER's old element, gone
	# already): the kernel refuses the delta, and apply rebuilds in the same run.
	ip netns exec "$NS" nft delete element inet galaf gallow4 "{ $OTHER_GID . 10.88.0.0/16 . tcp . 443 }"
	apply_ns apply "$DIR/b.json"
	[[ $output == *"learned sets kept"* ]]
	sleep 0.3
	refused_none
}
