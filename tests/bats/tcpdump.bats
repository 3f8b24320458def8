#!/usr/bin/env bats
# galaf-tcpdump end to end: real captures through NFLOG in throwaway
# namespaces, read back with tcpdump -r; its table goes on every way out.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
# shellcheck disable=SC2153 # E2E_* come from e2e_setup
bats_require_minimum_version 1.5.0
load ../lib/e2e

setup_file() {
	[ -x "$GALAF_TCPDUMP" ] || {
		echo "$GALAF_TCPDUMP is missing; run make" >&2
		return 1
	}
	command -v tcpdump >/dev/null || {
		echo "tcpdump is missing (apt-get install tcpdump)" >&2
		return 1
	}
	e2e_setup
	e2e_user2 || return 1
	# An app group whose name reads as hex: "a" and 7 hex digits.
	E2E_HEX="a$(galaf_rand | cut -c1-7)"
	E2E_GID_H=$(galaf_free_gid)
	groupadd -g "$E2E_GID_H" "$E2E_HEX"
	galaf_on_cleanup "groupdel $E2E_HEX"
	galaf_user_in_app_range E2E_AMB || return 1
	export E2E_USER2 E2E_UID2 E2E_UGID2 E2E_HEX E2E_GID_H E2E_AMB
	e2e_serve tcp 10.200.0.2 8080
	e2e_serve tcp 10.200.0.3 8080
	e2e_serve tcp 10.200.0.4 8080
	e2e_policy "$E2E_DIR/p.json" "
	  \"users\": { \"$E2E_USER2\": { \"uid\": $E2E_UID2,
	    \"allow\": [{ \"to\": [\"10.200.0.3\"], \"proto\": \"tcp\", \"ports\": [8080] }] } },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.4\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_HEX\": { \"gid\": $E2E_GID_H, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.4\"], \"proto\": \"tcp\", \"ports\": [8080] }] }
	  }"
	e2e_apply "$E2E_DIR/p.json" >&3
}

teardown_file() {
	galaf_cleanup
}

teardown() {
	local p
	for p in ${CAPS:-}; do
		kill -KILL "$p" 2>/dev/null || true
	done
}

# capture NAME ARGS...: galaf-tcpdump in the background, its stderr in
# $E2E_DIR/NAME.err; waits until tcpdump listens. Its pid in $CAP.
capture() {
	local name=$1
	shift
	# shellcheck disable=SC2086 # GALAF_WRAP is words
	ip netns exec "$CLI" $GALAF_WRAP "$GALAF_TCPDUMP" "$@" \
		>"$E2E_DIR/$name.out" 2>"$E2E_DIR/$name.err" 3>&- &
	CAP=$!
	CAPS="${CAPS:-} $CAP"
	wait_for grep -q "listening on nflog:" "$E2E_DIR/$name.err" || {
		cat "$E2E_DIR/$name.err" >&2
		return 1
	}
}

# The NFLOG group a capture announced.
cap_group() {
	sed -n 's/.* on nflog:\([0-9]*\);.*/\1/p' "$E2E_DIR/$1.err"
}

cap_tables() {
	ip netns exec "$CLI" nft list tables | grep -c galaf_cap_ || true
}

# finished PID: waits for it, at most ~5 s; its exit status in $RC.
finished() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	RC=0
	wait "$1" || RC=$?
}

@test "APP -w FILE -c N captures only that app's packets, and its table goes" {
	local pcap=$E2E_DIR/a.pcap i
	capture a "$E2E_APP_A" -n -c 12 -w "$pcap"
	[ "$(cap_tables)" -eq 1 ]
	for ((i = 0; i < 20; i++)); do
		kill -0 "$CAP" 2>/dev/null || break
		e2e_probe "$E2E_GID_B" tcp 10.200.0.4 8080 >/dev/null
		e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080 >/dev/null
	done
	finished "$CAP"
	[ "$RC" -eq 0 ]
	run -0 --separate-stderr tcpdump -nr "$pcap"
	echo "$output"
	[ "${#lines[@]}" -eq 12 ]
	for i in "${lines[@]}"; do
		[[ $i == *"10.200.0.2.8080"* ]]
		[[ $i != *"10.200.0.4"* ]]
	done
	[ "$(cap_tables)" -eq 0 ]
}

@test "a USER capture sees that user's packets only" {
	local pcap=$E2E_DIR/u.pcap i
	capture u "$E2E_USER2" -n -c 4 -w "$pcap"
	grep -q "ct mark & 0x0000ffff == $(printf '0x%08x' "$E2E_UID2")" "$E2E_DIR/u.err"
	for ((i = 0; i < 20; i++)); do
		kill -0 "$CAP" 2>/dev/null || break
		e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080 >/dev/null
		ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
			"$PYTHON" "$PROBE" tcp 10.200.0.3 8080 >/dev/null
	done
	finished "$CAP"
	[ "$RC" -eq 0 ]
	run -0 --separate-stderr tcpdump -nr "$pcap"
	[ "${#lines[@]}" -eq 4 ]
	for i in "${lines[@]}"; do
		[[ $i == *"10.200.0.3.8080"* ]]
	done
	[ "$(cap_tables)" -eq 0 ]
}

@test "a loopback packet is captured once, not in output and again in input" {
	ip netns exec "$CLI" "$PYTHON" "$PROBE" serve udp 127.0.0.1 9999 >/dev/null 2>&1 3>&- &
	local srv=$!
	galaf_on_cleanup "kill $srv"
	wait_for sh -c "ip netns exec $CLI ss -Hlun 'sport = :9999' | grep -q ."
	capture lo "$E2E_APP_A" -n -c 2 -w "$E2E_DIR/lo.pcap"
	run -0 e2e_probe "$E2E_GID_A" udp 127.0.0.1 9999
	finished "$CAP"
	kill "$srv"
	[ "$RC" -eq 0 ]
	# The two packets are the datagram and its answer, not the datagram twice.
	run -0 --separate-stderr tcpdump -nr "$E2E_DIR/lo.pcap"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == *"> 127.0.0.1.9999: UDP"* ]]
	[[ ${lines[1]} == *"127.0.0.1.9999 > "* ]]
}

@test "SIGINT stops tcpdump and removes the table" {
	capture int "$E2E_APP_A" -n -w "$E2E_DIR/int.pcap"
	local group
	group=$(cap_group int)
	[ -n "$group" ]
	kill -INT "$CAP"
	finished "$CAP"
	[ "$RC" -eq 0 ] || [ "$RC" -eq 130 ]
	[ "$(cap_tables)" -eq 0 ]
	# Nothing listens on the group any more: tcpdump is gone too.
	run -1 ip netns exec "$CLI" sh -c \
		"awk '{ print \$1 }' /proc/net/netfilter/nfnetlink_log 2>/dev/null | grep -qx $group"
}

@test "Ctrl-C on a terminal stops tcpdump and removes the table" {
	# script(1) gives the capture a terminal; ^C written to it is the user's Ctrl-C.
	mkfifo "$E2E_DIR/tty.in"
	exec 7<>"$E2E_DIR/tty.in"
	ip netns exec "$CLI" script -qfec "$GALAF_WRAP $GALAF_TCPDUMP $E2E_APP_A -n" /dev/null \
		<"$E2E_DIR/tty.in" >"$E2E_DIR/tty.out" 2>&1 3>&- &
	local pid=$!
	wait_for grep -q "listening on nflog:" "$E2E_DIR/tty.out" || kill "$pid"
	[ "$(cap_tables)" -eq 1 ]
	printf '\003' >&7
	finished "$pid"
	exec 7>&-
	cat "$E2E_DIR/tty.out"
	[ "$RC" -eq 0 ]
	grep -q "packets captured" "$E2E_DIR/tty.out"
	[ "$(cap_tables)" -eq 0 ]
}

@test "SIGTERM stops tcpdump and removes the table" {
	capture term "$E2E_APP_B" -n -w "$E2E_DIR/term.pcap"
	kill -TERM "$CAP"
	finished "$CAP"
	[ "$RC" -eq 0 ] || [ "$RC" -eq 143 ]
	[ "$(cap_tables)" -eq 0 ]
	run -0 tcpdump -nr "$E2E_DIR/term.pcap"
}

@test "tcpdump failing to start (bad arguments) leaves no table" {
	# shellcheck disable=SC2086
	run -1 --separate-stderr ip netns exec "$CLI" $GALAF_WRAP "$GALAF_TCPDUMP" "$E2E_APP_A" --no-such-option
	[[ $stderr == *"tcpdump"* ]]
	[ "$(cap_tables)" -eq 0 ]
}

@test "tcpdump that cannot be found: exit 127, no table" {
	local wrap=()
	read -ra wrap <<<"$GALAF_WRAP"
	# The wrapper (valgrind) by its full path: PATH finds nothing here.
	[ "${#wrap[@]}" -eq 0 ] || wrap[0]=$(command -v "${wrap[0]}")
	run -127 --separate-stderr ip netns exec "$CLI" env PATH=/nonexistent "${wrap[@]}" \
		"$GALAF_TCPDUMP" "$E2E_APP_A" -n
	[[ $stderr == *"cannot run tcpdump"* ]]
	[ "$(cap_tables)" -eq 0 ]
}

@test "two captures at once use two groups and each sees its own app" {
	local i
	capture c1 "$E2E_APP_A" -n -c 4 -w "$E2E_DIR/c1.pcap"
	local p1=$CAP
	capture c2 "$E2E_APP_B" -n -c 4 -w "$E2E_DIR/c2.pcap"
	local p2=$CAP
	[ "$(cap_group c1)" != "$(cap_group c2)" ]
	[ "$(cap_tables)" -eq 2 ]
	for ((i = 0; i < 20; i++)); do
		kill -0 "$p1" 2>/dev/null || kill -0 "$p2" 2>/dev/null || break
		e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080 >/dev/null
		e2e_probe "$E2E_GID_B" tcp 10.200.0.4 8080 >/dev/null
	done
	finished "$p1"
	[ "$RC" -eq 0 ]
	finished "$p2"
	[ "$RC" -eq 0 ]
	run -0 --separate-stderr tcpdump -nr "$E2E_DIR/c1.pcap"
	[[ $output == *"10.200.0.2.8080"* && $output != *"10.200.0.4"* ]]
	run -0 --separate-stderr tcpdump -nr "$E2E_DIR/c2.pcap"
	[[ $output == *"10.200.0.4.8080"* && $output != *"10.200.0.2"* ]]
	[ "$(cap_tables)" -eq 0 ]
}

@test "a name that reads as hex is a name; a mark needs 0x" {
	local pcap=$E2E_DIR/h.pcap i
	capture h "$E2E_HEX" -n -c 2 -w "$pcap"
	grep -q "capturing $E2E_HEX (ct mark & 0xffff0000 == $(printf '0x%04x0000' "$E2E_GID_H"))" \
		"$E2E_DIR/h.err"
	for ((i = 0; i < 20; i++)); do
		kill -0 "$CAP" 2>/dev/null || break
		e2e_probe "$E2E_GID_H" tcp 10.200.0.4 8080 >/dev/null
	done
	finished "$CAP"
	[ "$RC" -eq 0 ]
	# An unknown name made of hex digits is not taken for a mark.
	run -1 --separate-stderr ip netns exec "$CLI" "$GALAF_TCPDUMP" deadbeef -n
	[[ $stderr == *"no app or user named 'deadbeef'"*"0xdeadbeef"* ]]
	[ "$(cap_tables)" -eq 0 ]
}

@test "a name that is a user and an app-range group is ambiguous unless the policy names it" {
	run -1 --separate-stderr timeout 5 ip netns exec "$CLI" "$GALAF_TCPDUMP" \
		--policy "$E2E_DIR/p.json" "$E2E_AMB" -n -c 1
	[[ $stderr == *"'$E2E_AMB' is both a user and a group in the app gid range"* ]]
	[[ $stderr == *"name it in the policy"* ]]
	[ "$(cap_tables)" -eq 0 ]
	# The policy says it is a user: its uid half.
	jq --arg u "$E2E_AMB" --argjson id "$(id -u "$E2E_AMB")" '.users[$u] = { uid: $id }' \
		"$E2E_DIR/p.json" >"$E2E_DIR/amb.json"
	capture amb --policy "$E2E_DIR/amb.json" "$E2E_AMB" -n
	grep -q "ct mark & 0x0000ffff == $(printf '0x%08x' "$(id -u "$E2E_AMB")")" "$E2E_DIR/amb.err"
	kill -TERM "$CAP"
	finished "$CAP"
	[ "$(cap_tables)" -eq 0 ]
}

@test "0xMARK matches one exact mark" {
	local mark
	mark=$(printf '0x%08x' "$((E2E_GID_A << 16))")
	capture m "$mark" -n -c 2 -w "$E2E_DIR/m.pcap"
	grep -q "(ct mark $mark)" "$E2E_DIR/m.err"
	local i
	for ((i = 0; i < 20; i++)); do
		kill -0 "$CAP" 2>/dev/null || break
		e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080 >/dev/null
	done
	finished "$CAP"
	[ "$RC" -eq 0 ]
	run -0 --separate-stderr tcpdump -nr "$E2E_DIR/m.pcap"
	[[ $output == *"10.200.0.2.8080"* ]]
	[ "$(cap_tables)" -eq 0 ]
}

@test "usage: no target, -i, a bad mark, --help" {
	run -2 --separate-stderr "$GALAF_TCPDUMP"
	run -2 --separate-stderr "$GALAF_TCPDUMP" "$E2E_APP_A" -i eth0
	[[ $stderr == *"chooses the interface"* ]]
	run -1 --separate-stderr "$GALAF_TCPDUMP" 0xzz
	[[ $stderr == *"not a mark"* ]]
	run -0 --separate-stderr "$GALAF_TCPDUMP" --help
	[[ $output == "Usage: galaf-tcpdump"* ]]
}

@test "not root: a clear error, exit 1, no table" {
	run -1 --separate-stderr ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$E2E_UGID" \
		--clear-groups "$GALAF_TCPDUMP" "$E2E_APP_A" -n
	[[ $stderr == "galaf-tcpdump: adding a capture table needs root (CAP_NET_ADMIN)" ]]
	[ "$(cap_tables)" -eq 0 ]
}
