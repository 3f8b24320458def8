#!/usr/bin/env bats
# DNS side doors end to end: an app's DNS to another server is refused (or
# redirected to the local resolver), DNS over TLS/QUIC (853) is refused
# unless the entry lists it, and the local dnsmasq (run with --conntrack)
# answers each app only the names on its list. Real nftables, real dnsmasq
# (forwarder on 127.0.0.1, upstream on 127.0.0.2), real sockets.
# shellcheck disable=SC2154,SC2153 # run sets output/stderr; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

# A lists app.test and may send UDP anywhere in the test nets (so only the
# side-door rules stand between it and a foreign DNS server); B lists
# other.test and port 853; user 2 lists no domains.
policy_dns() {
	e2e_policy "$E2E_DIR/$1.json" "
	  \"users\": {
	    \"$E2E_USER2\": { \"uid\": $E2E_UID2,
	      \"allow\": [{ \"to\": [\"10.200.0.3\"], \"proto\": \"tcp\", \"ports\": [9090] }] }
	  },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A,
	      \"allow\": [{ \"to\": [\"app.test\"], \"proto\": \"tcp\", \"ports\": [8080] },
	                  { \"to\": [\"10.200.0.0/24\", \"127.0.0.0/8\"], \"proto\": \"udp\" },
	                  { \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\" }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B,
	      \"allow\": [{ \"to\": [\"other.test\"], \"proto\": \"tcp\", \"ports\": [8080] },
	                  { \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [853] }] }
	  }"
}

setup_file() {
	e2e_setup
	e2e_user2 || return 1
	e2e_serve tcp 10.200.0.2 853
	e2e_serve udp 10.200.0.2 853
	e2e_serve tcp 10.200.0.2 8080
	policy_dns refuse
	jq '.config.dns.foreign = "redirect"' "$E2E_DIR/refuse.json" >"$E2E_DIR/redirect.json"
	e2e_apply "$E2E_DIR/refuse.json" >&3
	e2e_dns_start
}

teardown_file() {
	galaf_cleanup
}

# The forwarder's pid, from its pid file (setup_file's variables do not reach the tests).
fwd_pid() {
	cat "$E2E_DIR/fwd.pid"
}

# restart_fwd [CONF]: the forwarder was started by setup_file, so not our child to wait for.
restart_fwd() {
	local old
	old=$(fwd_pid)
	kill "$old"
	wait_for sh -c "! kill -0 $old"
	e2e_forwarder_start "${1:-$E2E_DIR/dnsmasq.conf}"
	wait_for test "$(fwd_pid)" = "$E2E_FWD_PID"
}

as_user2() {
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		"$PYTHON" "$PROBE" "$@"
}

@test "the policies are what the tests assume" {
	run -0 "$GALAF_CONFIG" check "$E2E_DIR/redirect.json"
	run -0 "$GALAF_CONFIG" render --nft "$E2E_DIR/redirect.json"
	[[ "$output" == *"chain dns_redirect"* ]]
	run -0 "$GALAF_CONFIG" render --dnsmasq "$E2E_DIR/refuse.json"
	[[ "$output" == *$'\nconntrack\n'* ]]
}

@test "a name with _ labels under an app's domain is refused (SRV), though upstream has it" {
	# Unmarked (the user's own group is no entry): the upstream's SRV record comes back.
	run -0 --separate-stderr e2e_probe "$E2E_UGID" resolve 127.0.0.1 _xmpp-client._tcp.app.test SRV
	[ "$output" = "0 0 5222 app.test" ]
	# dnsmasq's name lists take letters, digits and - only: REFUSED under app.test too.
	run -1 --separate-stderr e2e_probe "$E2E_GID_A" resolve 127.0.0.1 _xmpp-client._tcp.app.test SRV
	[[ $stderr == *"DNS rcode 5"* ]]
	run -1 --separate-stderr e2e_probe "$E2E_GID_A" resolve 127.0.0.1 _8080._https.app.test HTTPS
	[[ $stderr == *"DNS rcode 5"* ]]
}

@test "names dnsmasq refused an app show in galaf-stats --tried and galaf-config suggest" {
	local long=a-long-refused-name-for-the-large-set.example.org
	local toolong=a-name-refused-that-is-longer-than-the-copy-of-it.example.org
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 refused.test
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 refused.test
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 refused.test AAAA
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 "$long"
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 "$toolong"
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_STATS" --policy "$E2E_DIR/refuse.json" \
		--tried "$E2E_APP_A" --json
	# shellcheck disable=SC2016 # $app is jq's
	run -0 jq -c --arg app "$E2E_APP_A" \
		'[.refused_names[] | select(.app == $app and .user == null) | [.qname, .qtype, .packets]]' <<<"$output"
	[[ $output == *'["refused.test","A",2]'* ]]
	[[ $output == *'["refused.test","AAAA",1]'* ]]
	[[ $output == *"[\"$long\",\"A\",1]"* ]]
	# Cut short where the copy ends (56 bytes of the question), and said so.
	[[ $output == *'["a-name-refused-that-is-longer-than-the-copy-of-it...",null,1]'* ]]
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_STATS" --policy "$E2E_DIR/refuse.json" \
		--tried "$E2E_APP_B" --plain
	[[ $output != *refused.test* ]]
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_STATS" --policy "$E2E_DIR/refuse.json" \
		--tried "$E2E_APP_A" --plain
	[[ $output == *"refused by dnsmasq"*"-/$E2E_APP_A"*"refused.test"*"AAAA"* ]]
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_CONFIG" suggest "$E2E_DIR/refuse.json" "$E2E_APP_A"
	local sugg=$output
	run -0 jq -c '.allow[-1] | [.to, .proto, .ports]' <<<"$sugg"
	[ "$output" = "[[\"$long\",\"refused.test\"],\"tcp\",[443]]" ]
	run -0 jq -r '.allow[-1]["#"]' <<<"$sugg"
	[[ $output == *"a-name-refused-that-is-longer-than-the-copy-of-it..."* ]]
}

@test "a name on the app's list is answered by the local resolver" {
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	[ "$output" = 10.200.0.2 ]
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 www.app.test
	[ "$output" = 10.200.0.2 ]
}

@test "a name outside the app's list is REFUSED for it and answered for an app that lists it" {
	run -1 --separate-stderr e2e_probe "$E2E_GID_A" resolve 127.0.0.1 other.test
	[[ "$stderr" == *"DNS rcode 5"* ]]
	run -0 e2e_probe "$E2E_GID_B" resolve 127.0.0.1 other.test
	[ "$output" = 10.200.0.3 ]
	run -1 --separate-stderr e2e_probe "$E2E_GID_B" resolve 127.0.0.1 app.test
	[[ "$stderr" == *"DNS rcode 5"* ]]
}

@test "an entry without domains gets every name refused" {
	run -1 --separate-stderr as_user2 resolve 127.0.0.1 app.test
	[[ "$stderr" == *"DNS rcode 5"* ]]
}

@test "processes that are no entry are not filtered by the resolver" {
	run -0 e2e_probe "$E2E_UGID" resolve 127.0.0.1 app.test
	run -0 e2e_probe "$E2E_UGID" resolve 127.0.0.1 other.test
	run -0 e2e_probe "$E2E_UGID" resolve 127.0.0.2 other.test
}

@test "refuse: an app asking another server directly is refused, and it is recorded" {
	run -1 --separate-stderr e2e_probe "$E2E_GID_A" resolve 127.0.0.2 app.test
	[[ "$stderr" == *"not permitted"* ]]
	run -0 e2e_nft list set inet galaf refused4
	[[ "$output" == *"127.0.0.2 . udp . 53"* ]]
}

@test "DNS over TLS and QUIC (853) is refused unless the entry lists the port" {
	# A may reach 10.200.0.2 on any TCP port and anywhere by UDP, 853 excepted.
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 853
	run -1 e2e_probe "$E2E_GID_A" udp 10.200.0.2 853
	run -0 e2e_probe "$E2E_GID_B" tcp 10.200.0.2 853
}

@test "status reports the name lists enforced by dnsmasq, as text and JSON" {
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/refuse.json"
	[[ "$output" == *"dns names: enforced by dnsmasq (pid $(fwd_pid) on 127.0.0.1)"* ]]
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status --json "$E2E_DIR/refuse.json"
	run -0 jq -e '.dns_names.state == "enforced" and .dns_names.conntrack' <<<"$output"
}

@test "status reports FAIL-OPEN when dnsmasq runs without --conntrack" {
	grep -v -e '^conntrack$' -e '^connmark-allowlist' "$E2E_DIR/dnsmasq.conf" >"$E2E_DIR/plain.conf"
	restart_fwd "$E2E_DIR/plain.conf"
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 other.test
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/refuse.json"
	[[ "$output" == *"dns names: FAIL-OPEN: dnsmasq (pid $E2E_FWD_PID on 127.0.0.1)"*"without --conntrack"* ]]
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status --json "$E2E_DIR/refuse.json"
	run -0 jq -e '.dns_names.state == "fail-open" and (.dns_names.conntrack | not)' <<<"$output"
	restart_fwd
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 other.test
}

@test "redirect: an app asking another server gets the local resolver's answer" {
	e2e_apply "$E2E_DIR/redirect.json" >&3
	e2e_nft flush set inet galaf "$E2E_APP_A.0_4"
	# Only the local forwarder fills the app's set, so the address in it proves the detour.
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.2 app.test
	[ "$output" = 10.200.0.2 ]
	run -0 e2e_nft list set inet galaf "$E2E_APP_A.0_4"
	[[ "$output" == *10.200.0.2* ]]
	run -0 e2e_probe "$E2E_GID_A" resolve 10.200.0.4 app.test
	[ "$output" = 10.200.0.2 ]
	# The redirected query is counted under the app's mark.
	run -0 e2e_nft list set inet galaf stats_out
	[[ "$output" == *"$(printf '0x%08x' $((E2E_GID_A << 16)))"* ]]
	# Not an entry: not redirected (10.200.0.4 has no DNS server).
	run -1 e2e_probe "$E2E_UGID" resolve 10.200.0.4 app.test
}
