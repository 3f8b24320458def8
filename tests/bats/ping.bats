#!/usr/bin/env bats
# "ping": true end to end: apply sets net.ipv4.ping_group_range of the
# namespace it runs in to config.ping_gids and writes config.ping_sysctl;
# the ping group's processes ping with ICMP datagram sockets (iputils ping
# with no_new_privs, so its file capability does not count), another app
# cannot open such a socket, and the rules still decide where echo may go.
# shellcheck disable=SC2154,SC2153 # run sets output; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

# ping_as GID ARGS...: iputils ping as the test user with that gid and, as
# under the gatekeeper, no capabilities and no new privileges. setpriv keeps
# root's permitted set across --reuid, which would let ping's file capability
# through: exec'ing env first, as the test user, drops it.
ping_as() {
	local gid=$1
	shift
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$gid" --clear-groups \
		--no-new-privs env ping -n -c 1 -W 2 "$@"
}

# dgram_socket GID: open an ICMP echo (datagram) socket as that gid; prints "ok" or the errno name.
dgram_socket() {
	e2e_as "$1" "$PYTHON" -c '
import errno, socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])'
}

setup_file() {
	e2e_setup
	HOST_RANGE=$(cat /proc/sys/net/ipv4/ping_group_range)
	export HOST_RANGE
	# The pinging app alone is in the sub-range; it may echo 10.200.0.2 only.
	e2e_policy "$E2E_DIR/p.json" "
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/usr/bin/ping\", \"…\"], \"ping\": true,
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"icmp\" },
	                  { \"to\": [\"fd00:200::2\"], \"proto\": \"icmpv6\" }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"proto\": \"icmp\" }] }
	  }" "\"ping_gids\": [$E2E_GID_A, $E2E_GID_A], \"ping_sysctl\": \"$E2E_DIR/sysctl.d/60-galaf-ping.conf\""
	e2e_apply "$E2E_DIR/p.json" >&3
}

teardown_file() {
	galaf_cleanup
}

setup() {
	# Each test registers its own cleanups; the file's stay with setup_file.
	_galaf_cleanups=()
}

teardown() {
	galaf_cleanup
}

@test "apply sets ping_group_range of its own namespace to config.ping_gids" {
	run -0 ip netns exec "$CLI" cat /proc/sys/net/ipv4/ping_group_range
	[ "$output" = "$E2E_GID_A	$E2E_GID_A" ]
}

@test "the host's ping_group_range is untouched" {
	[ "$(cat /proc/sys/net/ipv4/ping_group_range)" = "$HOST_RANGE" ]
}

@test "apply writes config.ping_sysctl, and sysctl can load it" {
	run -0 cat "$E2E_DIR/sysctl.d/60-galaf-ping.conf"
	[[ $output == *"net.ipv4.ping_group_range = $E2E_GID_A $E2E_GID_A"* ]]
	local ns
	galaf_netns ns
	run -0 ip netns exec "$ns" sysctl -p "$E2E_DIR/sysctl.d/60-galaf-ping.conf"
	run -0 ip netns exec "$ns" cat /proc/sys/net/ipv4/ping_group_range
	[ "$output" = "$E2E_GID_A	$E2E_GID_A" ]
}

@test "the ping app pings an address of the test namespace (IPv4)" {
	run -0 ping_as "$E2E_GID_A" 10.200.0.2
	[[ $output == *"1 received"* ]]
}

@test "the ping app pings an address of the test namespace (IPv6)" {
	run -0 ping_as "$E2E_GID_A" -6 fd00:200::2
	[[ $output == *"1 received"* ]]
}

@test "the ping app's rules still refuse echo to an address they leave out" {
	run -1 ping_as "$E2E_GID_A" 10.200.0.3
	[[ $output != *"1 received"* ]]
	run -0 e2e_nft list set inet galaf refused4
	[[ $output == *"10.200.0.3 . icmp"* || $output == *"10.200.0.3 . 1 "* ]]
}

@test "the ping app may open an ICMP echo socket" {
	run -0 dgram_socket "$E2E_GID_A"
	[ "$output" = ok ]
}

@test "another app cannot open an ICMP echo socket, although its rules allow ICMP" {
	run -0 dgram_socket "$E2E_GID_B"
	[ "$output" = EACCES ]
	run ping_as "$E2E_GID_B" 10.200.0.2
	[ "$status" -ne 0 ]
	[[ $output != *"1 received"* ]]
}

@test "check refuses a non-ping group inside config.ping_gids" {
	e2e_policy "$E2E_DIR/bad.json" "
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"] }
	  }" "\"ping_gids\": [$E2E_GID_A, $E2E_GID_A]"
	run -1 --separate-stderr "$GALAF_CONFIG" check "$E2E_DIR/bad.json"
	[[ $stderr == *"groups.$E2E_APP_A: error: gid $E2E_GID_A is inside config.ping_gids"* ]]
}

@test "status compares the namespace's ping_group_range with config.ping_gids" {
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p.json"
	[[ $output == *"ping_group_range: $E2E_GID_A $E2E_GID_A, as config.ping_gids says"* ]]
	ip netns exec "$CLI" sysctl -q -w net.ipv4.ping_group_range="1 0"
	run -1 ip netns exec "$CLI" "$GALAF_CONFIG" status --json "$E2E_DIR/p.json"
	run -0 jq -e '.ping_group_range.in_sync == false and .ping_group_range.kernel == [1, 0]' <<<"$output"
	run -0 e2e_apply "$E2E_DIR/p.json"
	run -0 ip netns exec "$CLI" cat /proc/sys/net/ipv4/ping_group_range
	[ "$output" = "$E2E_GID_A	$E2E_GID_A" ]
}
