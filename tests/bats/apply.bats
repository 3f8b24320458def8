#!/usr/bin/env bats
# galaf-config apply end to end: real nftables in throwaway namespaces, real
# dnsmasq (forwarder and upstream on 127.x), real sockets from a test user.
# shellcheck disable=SC2154,SC2153 # run sets stderr; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

policy_main() {
	e2e_policy "$E2E_DIR/$1.json" "
	  \"users\": {
	    \"$E2E_USER2\": { \"uid\": $E2E_UID2,
	      \"allow\": [{ \"to\": [\"10.200.0.3\"], \"proto\": \"tcp\", \"ports\": [9090] }],
	      \"inbound\": [{ \"from\": [\"10.200.0.0/24\"], \"proto\": \"tcp\", \"ports\": [7070] }] }
	  },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"app.test\", \"fd00:200::2\"], \"proto\": \"tcp\", \"ports\": [8080] }
	                  $2] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.4\"], \"proto\": \"tcp\", \"ports\": [8080] }] $3 }
	  }" "$4"
}

setup_file() {
	e2e_setup
	e2e_user2 || return 1
	local a p
	for a in 10.200.0.2 10.200.0.3 10.200.0.4 fd00:200::2 fd00:200::3; do
		for p in 8080 9090; do e2e_serve tcp "$a" "$p"; done
	done
	e2e_serve udp 10.200.0.2 8080
	# The inbound entry's service runs as its user: its replies are its own.
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		"$PYTHON" "$PROBE" serve tcp 10.200.0.1 7070 >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	ip netns exec "$CLI" "$PYTHON" "$PROBE" serve tcp 10.200.0.1 7071 >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	policy_main p1
	e2e_apply "$E2E_DIR/p1.json" >&3
	e2e_dns_start
}

teardown_file() {
	galaf_cleanup
}

@test "an allowed domain resolves through dnsmasq and lands in the app's set" {
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	[ "$output" = 10.200.0.2 ]
	run -0 e2e_nft list set inet galaf "$E2E_APP_A.0_4"
	[[ "$output" == *10.200.0.2* ]]
}

@test "the app connects to the address it learned" {
	e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
}

@test "the app cannot reach an address it was not allowed" {
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 8080
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.4 8080
}

@test "another app group cannot reach the first app's address" {
	run -1 e2e_probe "$E2E_GID_B" tcp 10.200.0.2 8080
	run -0 e2e_probe "$E2E_GID_B" tcp 10.200.0.4 8080
}

@test "an ordinary user gid reaches nothing but loopback" {
	run -1 e2e_probe "$E2E_UGID" tcp 10.200.0.2 8080
	run -1 e2e_probe "$E2E_UGID" tcp 10.200.0.4 8080
	run -0 e2e_probe "$E2E_UGID" resolve 127.0.0.1 other.test
}

@test "a users entry matches by uid" {
	run -0 e2e_as "$E2E_UGID2" true
	run -0 ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		"$PYTHON" "$PROBE" tcp 10.200.0.3 9090
	run -1 ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		"$PYTHON" "$PROBE" tcp 10.200.0.3 8080
}

@test "port and protocol limits hold: TCP allowed, UDP and other ports refused" {
	e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
	run -1 e2e_probe "$E2E_GID_A" udp 10.200.0.2 8080
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 9090
}

@test "IPv6: the allowed address works, another is refused" {
	run -0 e2e_probe "$E2E_GID_A" tcp fd00:200::2 8080
	run -1 e2e_probe "$E2E_GID_A" tcp fd00:200::3 8080
	run -1 e2e_probe "$E2E_GID_B" tcp fd00:200::2 8080
}

@test "an inbound rule accepts the service and tags its connections" {
	run -0 ip netns exec "$SRV" "$PYTHON" "$PROBE" tcp 10.200.0.1 7070
	run -1 ip netns exec "$SRV" "$PYTHON" "$PROBE" tcp 10.200.0.1 7071
	run -0 e2e_nft -j list set inet galaf stats_in
	mark=$(printf '0x%08x' "$((E2E_UID2 & 0xffff))")
	[[ "$output" == *"\"val\": $((E2E_UID2 & 0xffff))"* || "$output" == *"$mark"* ]]
}

@test "traffic is counted per mark before and after the filter" {
	e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
	run -0 e2e_nft -j list set inet galaf stats_out
	[[ "$output" == *"\"val\": $((E2E_GID_A << 16))"* ]]
	run -0 e2e_nft -j list set inet galaf tried4
	[[ "$output" == *"$((E2E_GID_A << 16))"*"10.200.0.2"* ]]
}

@test "a refused destination lands in the refused set" {
	e2e_probe "$E2E_GID_A" tcp 10.200.0.3 8080 || true
	run -0 e2e_nft -j list set inet galaf refused4
	[[ "$output" == *"$((E2E_GID_A << 16))"*"10.200.0.3"*8080* ]]
}

@test "re-apply keeps the learned address: the app connects without a new lookup" {
	e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	policy_main p2 "" ', "rule": "tcp dport 9999"'
	run -0 e2e_apply "$E2E_DIR/p2.json"
	run -0 e2e_nft list set inet galaf "$E2E_APP_A.0_4"
	[[ "$output" == *10.200.0.2* ]]
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
}

@test "a fragment the kernel rejects is refused, naming its entry, and changes nothing" {
	e2e_nft -t list table inet galaf >"$E2E_DIR/before.nft"
	cp "$E2E_DIR/dnsmasq.conf" "$E2E_DIR/dns.before"
	cp "$E2E_DIR/gate.index" "$E2E_DIR/gate.before"
	policy_main bad ', { "proto": "udp", "ports": [53] }' ', "rule": "meta ibrname \"br0\""'
	run -1 --separate-stderr e2e_apply "$E2E_DIR/bad.json"
	[[ "$stderr" == *"groups.$E2E_APP_B.rule: error: nft:"* ]]
	[[ "$stderr" == *"nothing was changed"* ]]
	e2e_nft -t list table inet galaf >"$E2E_DIR/after.nft"
	diff -u "$E2E_DIR/before.nft" "$E2E_DIR/after.nft"
	cmp "$E2E_DIR/dnsmasq.conf" "$E2E_DIR/dns.before"
	cmp "$E2E_DIR/gate.index" "$E2E_DIR/gate.before"
}

@test "apply refuses a missing app group and says how to create it" {
	e2e_policy "$E2E_DIR/missing.json" '"groups": { "galaf-no-such-group": { "execv": ["/bin/true"] } }'
	e2e_nft -t list table inet galaf >"$E2E_DIR/before.nft"
	run -1 --separate-stderr e2e_apply "$E2E_DIR/missing.json"
	[[ "$stderr" == *"galaf-config groups --create"* ]]
	e2e_nft -t list table inet galaf >"$E2E_DIR/after.nft"
	diff -u "$E2E_DIR/before.nft" "$E2E_DIR/after.nft"
}

@test "rollback restores the previous policy" {
	policy_main p3 ', { "to": ["10.200.0.2"], "proto": "tcp", "ports": [9090] }'
	run -0 e2e_apply "$E2E_DIR/p3.json"
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 9090
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" rollback "$E2E_DIR/p3.json"
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 9090
	# The policies have no reload command: dnsmasq reads the file when restarted.
	e2e_forwarder_restart
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p2.json"
}

@test "concurrent applies never interleave: the result is one policy, whole" {
	policy_main px ', { "to": ["10.200.0.3"], "proto": "tcp", "ports": [8080] }'
	policy_main py "" ', "rule": "tcp dport 7777"'
	local _ a b
	for _ in 1 2 3 4 5; do
		e2e_apply "$E2E_DIR/px.json" >/dev/null 2>&1 &
		a=$!
		e2e_apply "$E2E_DIR/py.json" >/dev/null 2>&1 &
		b=$!
		# Each waits for the other's lock, so both succeed. These two only:
		# the restarted dnsmasq is a child of this shell too.
		local sa=0 sb=0
		wait "$a" || sa=$?
		wait "$b" || sb=$?
		[ "$sa" = 0 ] || { echo "the px apply failed ($sa)" >&2; return 1; }
		[ "$sb" = 0 ] || { echo "the py apply failed ($sb)" >&2; return 1; }
		e2e_forwarder_restart # no reload command: status would say dnsmasq is stale
		if ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/px.json" >/dev/null 2>&1; then
			run -1 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/py.json"
		else
			run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/py.json"
		fi
	done
}

@test "audit mode accepts what enforce would refuse, and counts it" {
	policy_main audit "" "" '"mode": "audit"'
	run -0 e2e_apply "$E2E_DIR/audit.json"
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 9090
	run -0 e2e_nft -j list set inet galaf refused4
	[[ "$output" == *"$((E2E_GID_A << 16))"*"10.200.0.3"*9090* ]]
	run -0 e2e_apply "$E2E_DIR/p1.json"
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 9090
}

@test "status reports the loaded table in sync, as text and JSON" {
	e2e_forwarder_restart # earlier tests changed the dnsmasq file, with no reload command
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p1.json"
	[[ "$output" == *"status: in sync"* ]]
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status --json "$E2E_DIR/p1.json"
	[[ "$output" == *'"in_sync": true'* ]]
	run -1 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p2.json"
}

@test "apply --dry-run changes nothing" {
	e2e_nft -t list table inet galaf >"$E2E_DIR/before.nft"
	run -0 e2e_apply --dry-run "$E2E_DIR/p3.json"
	[[ "$output" == *"nothing was changed"* ]]
	e2e_nft -t list table inet galaf >"$E2E_DIR/after.nft"
	diff -u "$E2E_DIR/before.nft" "$E2E_DIR/after.nft"
}

@test "the dnsmasq file sends the app's domain to its sets" {
	run -0 grep -F "nftset=/app.test/4#inet#galaf#$E2E_APP_A.0_4,6#inet#galaf#$E2E_APP_A.0_6" \
		"$E2E_DIR/dnsmasq.conf"
}
