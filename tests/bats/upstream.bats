#!/usr/bin/env bats
# The resolver's upstream queries on an app's behalf: dnsmasq (run as the
# resolver's own user, with galaf's file: conntrack on) copies the app's mark
# to its upstream query, and the ruleset gives that flow the resolver's uid
# half, so galaf-stats shows it as RESOLVER/APP, not as the app's own
# traffic to the upstream server. Real nftables, real dnsmasq (forwarder as
# user 2 on 127.0.0.1, upstream on 10.200.0.4 and fd00:200::4 in SRV).
# shellcheck disable=SC2154,SC2153 # run sets output/stderr; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

setup_file() {
	e2e_setup
	e2e_user2 || return 1
	e2e_lan_dns || return 1
	e2e_serve tcp 10.200.0.2 8080
	e2e_policy "$E2E_DIR/p.json" "
	  \"users\": {
	    \"$E2E_USER2\": { \"uid\": $E2E_UID2,
	      \"allow\": [{ \"to\": [\"10.200.0.4\", \"fd00:200::4\"], \"proto\": \"udp\", \"ports\": [53] },
	                  { \"to\": [\"10.200.0.4\", \"fd00:200::4\"], \"proto\": \"tcp\", \"ports\": [53] }] }
	  },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A,
	      \"allow\": [{ \"to\": [\"app.test\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B,
	      \"allow\": [{ \"to\": [\"other.test\"], \"proto\": \"tcp\", \"ports\": [8080] }] }
	  }"
	e2e_apply "$E2E_DIR/p.json" >&3 || return 1
	start_forwarder 10.200.0.4
}

teardown_file() {
	local pid
	pid=$(cat "$E2E_DIR/fwd.pid" 2>/dev/null) && kill "$pid"
	galaf_cleanup
}

# start_forwarder UPSTREAM: the local resolver as user 2, as Debian runs
# dnsmasq as its own user; it keeps CAP_NET_ADMIN for the sets and marks.
# Each replaces the last through its pid file, which teardown_file reads (a
# cleanup registered inside a test would die with the test's process).
start_forwarder() {
	local old
	old=$(cat "$E2E_DIR/fwd.pid" 2>/dev/null) && kill "$old" && wait_for sh -c "! kill -0 $old"
	ip netns exec "$CLI" dnsmasq -k --no-resolv --no-hosts --bind-interfaces \
		--listen-address=127.0.0.1 -u "$E2E_USER2" --server="$1" \
		--pid-file="$E2E_DIR/fwd.pid" --conf-file="$E2E_DIR/dnsmasq.conf" >/dev/null 2>&1 3>&- &
	wait_for ip netns exec "$CLI" sh -c "ss -Hlun 'sport = :53' | grep -q 127.0.0.1"
}

gs_json() {
	# shellcheck disable=SC2086 # GALAF_WRAP is words
	ip netns exec "$CLI" $GALAF_WRAP "$GALAF_STATS" --json --policy "$E2E_DIR/p.json"
}

# rows SET NAME: packets of row NAME (user/app) in counter set SET, 0 when absent.
rows() {
	jq -r --arg s "$1" --arg n "$2" \
		'[.stats[] | select(.set == $s) | .rows[] | select(.name == $n) | .packets] | add // 0' \
		"$E2E_DIR/stats.json"
}

# check_on_behalf APP: the upstream traffic is counted as user 2's for APP
# in every set, and none as APP's own.
check_on_behalf() {
	local app=$1 s
	gs_json >"$E2E_DIR/stats.json"
	for s in stats_out_pre stats_out stats_in; do
		echo "$s $E2E_USER2/$app: $(rows "$s" "$E2E_USER2/$app"), -/$app: $(rows "$s" "-/$app")"
		[ "$(rows "$s" "$E2E_USER2/$app")" -ge 1 ]
		# The app itself sent nothing but its query to 127.0.0.1 (loopback, not counted).
		[ "$(rows "$s" "-/$app")" -eq 0 ]
	done
	jq -e --arg n "$E2E_USER2/$app" --arg u "$E2E_USER2" --arg a "$app" \
		'[.stats[].rows[] | select(.name == $n)][0] | .user == $u and .app == $a' \
		"$E2E_DIR/stats.json"
}

@test "an app's name, asked upstream over IPv4: counted as the resolver's for that app" {
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	[[ "$output" == *10.200.0.2* ]]
	check_on_behalf "$E2E_APP_A"
}

@test "over IPv6 to the upstream, for another app: the same, under that app" {
	start_forwarder fd00:200::4
	run -0 e2e_probe "$E2E_GID_B" resolve 127.0.0.1 other.test
	[[ "$output" == *10.200.0.3* ]]
	check_on_behalf "$E2E_APP_B"
}

@test "over TCP: every packet of the upstream connection stays the resolver's for the app" {
	local before
	start_forwarder 10.200.0.4 # a fresh cache: the name is asked upstream again
	gs_json >"$E2E_DIR/stats.json"
	before=$(rows stats_out "$E2E_USER2/$E2E_APP_A")
	# dnsmasq asks over TCP what it was asked over TCP: a flow of several
	# packets, whose later ones go through the ownership check.
	PROBE_DNS_TCP=1 run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	[[ "$output" == *10.200.0.2* ]]
	check_on_behalf "$E2E_APP_A"
	[ "$(rows stats_out "$E2E_USER2/$E2E_APP_A")" -ge $((before + 4)) ]
}

@test "the resolver's own lookups stay its own (user 2, no app)" {
	local before
	start_forwarder 10.200.0.4 # a fresh cache: the name is asked upstream again
	gs_json >"$E2E_DIR/stats.json"
	before=$(rows stats_out "$E2E_USER2/-")
	# Root is in no entry: its query is unmarked, and so is the upstream one.
	run -0 ip netns exec "$CLI" "$PYTHON" "$PROBE" resolve 127.0.0.1 app.test
	gs_json >"$E2E_DIR/stats.json"
	[ "$(rows stats_out "$E2E_USER2/-")" -gt "$before" ]
}

@test "the resolver's user sending with an app's mark (SO_MARK) still gets only its own rules" {
	# App A may reach app.test (10.200.0.2) on 8080, as it does here.
	run -0 e2e_probe "$E2E_GID_A" get 127.0.0.1 app.test 8080
	# User 2 with CAP_NET_ADMIN, as dnsmasq keeps it, puts A's mark on its
	# socket: the verdict goes by the socket's owner, so 8080 stays refused.
	run -1 ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" \
		--clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin "$PYTHON" -c '
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, struct.pack("I", int(sys.argv[1])))
s.settimeout(2)
s.connect(("10.200.0.2", 8080))' "$((E2E_GID_A << 16))"
	[[ "$output" == *"Connection refused"* ]]
}
