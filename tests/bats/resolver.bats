#!/usr/bin/env bats
# galaf-config status names the resolver in use: real dnsmasq processes and a
# plain UDP listener on 127.0.0.x inside a throwaway network namespace, and a
# test resolv.conf given with --resolv-conf (the host's is never touched).
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

PYTHON=/usr/bin/python3

setup_file() {
	T=$(mktemp -d /tmp/galaf-res.XXXXXX)
	galaf_on_cleanup "rm -rf $T"
	galaf_netns NS || return 1
	mkdir -p "$T/NetworkManager"
	# A dnsmasq of its own on 127.0.0.1, and one as NetworkManager starts it on 127.0.0.2.
	ip netns exec "$NS" dnsmasq -k --no-resolv --no-hosts --bind-interfaces -u root \
		--listen-address=127.0.0.1 --pid-file="$T/stock.pid" --conf-file=/dev/null 3>&- &
	galaf_on_cleanup "kill $!"
	ip netns exec "$NS" dnsmasq -k --no-resolv --no-hosts --bind-interfaces -u root \
		--listen-address=127.0.0.2 --pid-file="$T/NetworkManager/dnsmasq.pid" \
		--conf-file=/dev/null 3>&- &
	galaf_on_cleanup "kill $!"
	# Something else on 127.0.0.3:53.
	ip netns exec "$NS" "$PYTHON" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 53))
time.sleep(3600)' 3>&- &
	galaf_on_cleanup "kill $!"
	# A dnsmasq whose binary anyone may rewrite, on 127.0.0.4.
	install -m 0777 "$(command -v dnsmasq)" "$T/dnsmasq"
	ip netns exec "$NS" "$T/dnsmasq" -k --no-resolv --no-hosts --bind-interfaces -u root \
		--listen-address=127.0.0.4 --pid-file="$T/writable.pid" --conf-file=/dev/null 3>&- &
	galaf_on_cleanup "kill $!"
	local a
	for a in 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4; do
		wait_for sh -c "ip netns exec $NS ss -Hlun 'sport = :53' | grep -q '$a:53'" || return 1
	done
	export T NS
}

teardown_file() {
	galaf_cleanup
}

setup() {
	read -ra WRAP <<<"$GALAF_WRAP"
}

# policy PRESET: a policy for that config.dns preset, in $P.
policy() {
	P=$BATS_TEST_TMPDIR/p.json
	cat >"$P" <<-EOF
	{ "config": { "dns": { "preset": "$1" }, "state_dir": "$BATS_TEST_TMPDIR/state",
	              "gate_index": "$BATS_TEST_TMPDIR/gate.index", "table": "galaft" } }
	EOF
}

# status_with NAMESERVER...: galaf-config status in the namespace with a resolv.conf listing them.
status_with() {
	local r=$BATS_TEST_TMPDIR/resolv.conf ns
	: >"$r"
	for ns in "$@"; do echo "nameserver $ns" >>"$r"; done
	ip netns exec "$NS" "${WRAP[@]}" "$GALAF_CONFIG" status ${JSON:+--json} --resolv-conf "$r" "$P"
}

@test "a dnsmasq of its own is named, with its pid and binary" {
	policy dnsmasq
	run -1 status_with 127.0.0.1
	[[ $output == *"resolver: dnsmasq at 127.0.0.1 (pid $(cat "$T/stock.pid"), /usr/sbin/dnsmasq)"* ]]
	[[ $output == *"points at it, as config.dns expects"* ]]
}

@test "nftset support is what that dnsmasq binary says it was built with" {
	policy dnsmasq
	if dnsmasq --version | grep -q ' nftset'; then want=yes; else want=NO; fi
	run -1 status_with 127.0.0.1
	[[ $output == *"dnsmasq nftset support: $want"* ]]
}

@test "status never runs a listener's binary that others may write" {
	policy dnsmasq
	run -1 status_with 127.0.0.4
	[[ $output == *"resolver: dnsmasq at 127.0.0.4"* ]]
	[[ $output == *"dnsmasq nftset support: unknown"* ]]
}

@test "NetworkManager's dnsmasq is told from a dnsmasq of its own" {
	policy networkmanager
	run -1 status_with 127.0.0.2
	[[ $output == *"resolver: NetworkManager's dnsmasq at 127.0.0.2"* ]]
	[[ $output == *"points at it, as config.dns expects"* ]]
}

@test "resolv.conf pointing at another resolver than config.dns expects is reported" {
	policy networkmanager
	run -1 status_with 127.0.0.1
	[[ $output == *"does NOT point at the dnsmasq config.dns is written for"* ]]
	[[ $output == *"config.dns is written for NetworkManager's dnsmasq"* ]]
}

@test "another program on port 53 is reported as such" {
	policy dnsmasq
	run -1 status_with 127.0.0.3
	[[ $output == *"resolver: another program at 127.0.0.3 (pid "* ]]
	[[ $output == *"does NOT point"* ]]
	[[ $output != *"nftset support"* ]]
}

@test "an address nothing listens on is reported" {
	policy dnsmasq
	run -1 status_with 127.0.0.9
	[[ $output == *"resolver: nothing listening at 127.0.0.9"* ]]
}

@test "more nameservers than the first are a warning: lookups can go around dnsmasq" {
	policy dnsmasq
	run -1 status_with 127.0.0.1 192.0.2.53
	[[ $output == *"it lists 2 nameservers"* ]]
}

@test "--json has the resolver object" {
	policy networkmanager
	JSON=1 run -1 status_with 127.0.0.2 192.0.2.53
	# shellcheck disable=SC2016 # $pid is jq's
	run -0 jq -e --arg pid "$(cat "$T/NetworkManager/dnsmasq.pid")" '.resolver |
		.kind == "networkmanager-dnsmasq" and .expected == "networkmanager-dnsmasq" and
		.points_at_it == true and .other_nameservers == true and (.pid | tostring) == $pid and
		.nameservers == ["127.0.0.2", "192.0.2.53"] and (.nftset | type) == "boolean"' <<<"$output"
}

@test "an unreadable resolv.conf is said, not guessed" {
	policy dnsmasq
	run -1 ip netns exec "$NS" "$GALAF_CONFIG" status --resolv-conf "$BATS_TEST_TMPDIR/none" "$P"
	[[ $output == *"resolver: cannot read $BATS_TEST_TMPDIR/none"* ]]
}

@test "the README's walk-through policies pass check, and status expects the resolver they name" {
	local p snippet
	for p in networkmanager dnsmasq; do
		snippet=$(grep -o "\"config\": { \"dns\": { \"preset\": \"$p\" } }" "$GALAF_TOP/README.md")
		[ -n "$snippet" ] || { echo "README lost the $p walk-through"; return 1; }
		printf '{ %s }\n' "$snippet" >"$BATS_TEST_TMPDIR/$p.json"
		run -0 "${WRAP[@]}" "$GALAF_CONFIG" check "$BATS_TEST_TMPDIR/$p.json"
		JSON=1 P=$BATS_TEST_TMPDIR/$p.json run -1 --separate-stderr status_with 127.0.0.1
		run -0 jq -r ".resolver.expected" <<<"$output"
		[ "$output" = "$([ $p = dnsmasq ] && echo dnsmasq || echo networkmanager-dnsmasq)" ]
	done
}
