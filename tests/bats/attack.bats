#!/usr/bin/env bats
# The attack suite: what an unprivileged user with two app groups tries in
# order to get traffic past its apps' allow-lists, each test named after the
# attack. Real nftables in throwaway namespaces (tests/lib/e2e.bash), real
# dnsmasq, real sockets from the test user. The gatekeeper's own attacks
# (sg/newgrp/setegid, LD_*, ptrace) are at the end, with a test build of it.
#
#   A   allowed app.test tcp 8080 and nothing else (no UDP at all)
#   B   allowed 10.200.0.2 and fd00:200::2 for udp 5001 and tcp 9090, and
#       this machine's own addresses ("self") for tcp 7171
#   C   allowed udp and tcp anywhere in 10.200.0.0/24 (the side doors)
#   user 2   the resolver's user: udp and tcp 53 to the upstream 10.200.0.4;
#            and a service: inbound udp 5353 and 5354 from the link
#   the test user's own gid   in no entry at all
#
# The gatekeeper's: a test build of it (tests/lib/gate.bash) with apps
# probe, sh and env of group AG, and "other" of group BG; the test user
# TUSER is also in group XGROUP.
# shellcheck disable=SC2154,SC2153,SC2030,SC2031 # run sets output/stderr; e2e_setup sets E2E_*
# Single-quoted scripts are meant for the app's shell, not this one:
# shellcheck disable=SC2016
bats_require_minimum_version 1.5.0
load ../lib/e2e
load ../lib/gate

E=$'\xe2\x80\xa6' # "…": where the caller's arguments go

policy_attack() {
	e2e_policy "$E2E_DIR/attack.json" "
	  \"users\": {
	    \"$E2E_USER2\": { \"uid\": $E2E_UID2,
	      \"allow\": [{ \"to\": [\"10.200.0.4\", \"fd00:200::4\"], \"proto\": \"udp\", \"ports\": [53] },
	                  { \"to\": [\"10.200.0.4\", \"fd00:200::4\"], \"proto\": \"tcp\", \"ports\": [53] }],
	      \"inbound\": [{ \"from\": [\"10.200.0.0/24\"], \"proto\": \"udp\", \"ports\": [5353, 5354] }] }
	  },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A,
	      \"allow\": [{ \"to\": [\"app.test\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B,
	      \"allow\": [{ \"to\": [\"10.200.0.2\", \"fd00:200::2\"], \"proto\": \"udp\", \"ports\": [5001] },
	                  { \"to\": [\"10.200.0.2\", \"fd00:200::2\"], \"proto\": \"tcp\", \"ports\": [9090] },
	                  { \"to\": [\"self\"], \"proto\": \"tcp\", \"ports\": [7171] }] },
	    \"$ATTACK_APP_C\": { \"gid\": $ATTACK_GID_C,
	      \"allow\": [{ \"to\": [\"10.200.0.0/24\"], \"proto\": \"udp\" },
	                  { \"to\": [\"10.200.0.0/24\"], \"proto\": \"tcp\" }] }
	  }"
}

# serve_cli tcp|udp ADDR PORT: a listener on this machine (CLI), root's, in no entry.
serve_cli() {
	ip netns exec "$CLI" "$PYTHON" "$PROBE" serve "$1" "$2" "$3" >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for sh -c "ip netns exec $CLI ss -Hl${1:0:1}n 'sport = :$3' | grep -q ."
}

gate_setup() {
	need make cc setcap setpriv timeout sg newgrp dd || return 1
	gate_fixture galaf-attack || return 1
	write_index 30000 59999 "$(row probe "$AG" - '*' "$DIR/probe" "$E")" \
		"$(row sh "$AG" - '*' /bin/sh -c "$E")" "$(row env "$AG" - '*' /usr/bin/env)" \
		"$(row other "$BG" - '*' /usr/bin/touch "$OUT/marker")"
}

setup_file() {
	gate_setup || return 1
	e2e_setup || return 1
	e2e_user2 || return 1
	ATTACK_GID_C=$(galaf_free_gid)
	galaf_group ATTACK_APP_C "$ATTACK_GID_C" || return 1
	export ATTACK_APP_C ATTACK_GID_C
	e2e_serve udp 10.200.0.2 5001
	e2e_serve udp fd00:200::2 5001
	e2e_serve tcp 10.200.0.2 8080
	e2e_serve tcp 10.200.0.2 9090
	e2e_serve tcp fd00:200::2 8080
	e2e_serve tcp 10.200.0.4 8080
	serve_cli tcp 10.200.0.1 7171
	serve_cli tcp fd00:200::1 7171
	serve_cli tcp 127.0.0.1 7172
	# User 2's service on 5354; on 5353, app A answers in its place.
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		"$PYTHON" "$PROBE" serve udp 10.200.0.1 5354 >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	e2e_as "$E2E_GID_A" "$PYTHON" "$PROBE" serve udp 10.200.0.1 5353 >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for sh -c "ip netns exec $CLI ss -Hlun 'sport = :5353' | grep -q ."
	e2e_lan_dns || return 1
	policy_attack
	e2e_apply "$E2E_DIR/attack.json" >&3 || return 1
	# alias.app.test is a CNAME, under A's domain, for far.test (10.200.0.4).
	E2E_UPSTREAM_EXTRA="--host-record=far.test,10.200.0.4,fd00:200::4 --cname=alias.app.test,far.test" \
		e2e_dns_start
}

teardown_file() {
	galaf_cleanup
}

# Each test runs in a process of its own: what a test registers with
# galaf_on_cleanup (a probe table, a capture, a process) is in that process's
# list, which teardown_file never sees; this runs it.
teardown() {
	galaf_cleanup
}

setup() {
	# The test user may not read the directory BATS started in.
	cd / || return 1
}

# A fresh source port for each test (an old one may still be in use).
free_port() {
	echo $((40000 + RANDOM % 20000))
}

# sport_probe PORT GID ARGS...: probe.py from source port PORT as the test user with GID.
sport_probe() {
	local port=$1
	shift
	PROBE_SPORT=$port e2e_probe "$@"
}

# borrow PROTO ADDR PORT OWNER_GID BORROWER_GID: from a fresh source port (in
# $p) the owner's probe gets through, then the borrower's from it is refused.
borrow() {
	p=$(free_port)
	run -0 sport_probe "$p" "$4" "$1" "$2" "$3"
	run -1 sport_probe "$p" "$5" "$1" "$2" "$3"
}

as_user2() {
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID2" --regid="$E2E_UGID2" --clear-groups \
		env ${PROBE_SPORT:+PROBE_SPORT=$PROBE_SPORT} ${PROBE_DNS_TCP:+PROBE_DNS_TCP=1} \
		"$PYTHON" "$PROBE" "$@"
}

# in_set SET WORDS...: the set's JSON listing holds an element with all of WORDS.
in_set() {
	local set=$1
	shift
	e2e_nft -j list set inet galaf "$set" |
		jq -e --argjson want "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
			'[.nftables[].set.elem[]?.elem.val.concat // empty | map(tostring)] |
			 any(. as $e | $want | all(. as $w | $e | index($w)))' >/dev/null
}

# --- 1. an established flow belongs to the app that opened it ---------------

@test "borrowed UDP flow, IPv4: app A reusing app B's just-freed source port is refused" {
	local p
	borrow udp 10.200.0.2 5001 "$E2E_GID_B" "$E2E_GID_A"
}

@test "borrowed UDP flow, IPv6: app A reusing app B's just-freed source port is refused" {
	local p
	borrow udp fd00:200::2 5001 "$E2E_GID_B" "$E2E_GID_A"
}

@test "borrowed UDP flow: a process in no entry reusing app B's port is refused" {
	local p
	borrow udp 10.200.0.2 5001 "$E2E_GID_B" "$E2E_UGID"
}

@test "borrowed resolver upstream: an app reusing the resolver user's query port cannot ask the upstream" {
	local p
	p=$(free_port)
	PROBE_SPORT=$p run -0 as_user2 resolve 10.200.0.4 app.test
	run -1 sport_probe "$p" "$ATTACK_GID_C" resolve 10.200.0.4 app.test
	run -1 sport_probe "$p" "$E2E_GID_A" resolve 10.200.0.4 app.test
}

@test "borrowed UDP flow: the borrower's packet is counted under its own mark, not the owner's" {
	local p
	borrow udp 10.200.0.2 5001 "$E2E_GID_B" "$E2E_GID_A"
	in_set refused4 "$((E2E_GID_A << 16))" 10.200.0.2 udp 5001
	run ! in_set refused4 "$((E2E_GID_B << 16))" 10.200.0.2 udp 5001
}

@test "borrowed TCP tuple: a new SYN on an old tuple is a new connection, judged as A's and refused" {
	local p
	borrow tcp 10.200.0.2 9090 "$E2E_GID_B" "$E2E_GID_A"
	in_set refused4 "$((E2E_GID_A << 16))" 10.200.0.2 tcp 9090
}

@test "the owner's flow still works after a borrower was refused on it" {
	local p
	borrow udp 10.200.0.2 5001 "$E2E_GID_B" "$E2E_GID_A"
	run -0 sport_probe "$p" "$E2E_GID_B" udp 10.200.0.2 5001
}

@test "impersonated inbound service: an app answering on another entry's inbound port gets its replies refused" {
	run -0 ip netns exec "$SRV" "$PYTHON" "$PROBE" udp 10.200.0.1 5354
	run -1 ip netns exec "$SRV" "$PYTHON" "$PROBE" udp 10.200.0.1 5353
	in_set refused4 "$((E2E_GID_A << 16))" 10.200.0.2 udp
}

# --- 2. "loopback" means loopback addresses ---------------------------------

@test "own address, IPv4: an app allowed nothing there cannot reach a listener on the machine's veth address" {
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.1 7171
	run -1 e2e_probe "$E2E_UGID" tcp 10.200.0.1 7171
}

@test "own address, IPv6: an app allowed nothing there cannot reach a listener on the machine's veth address" {
	run -1 e2e_probe "$E2E_GID_A" tcp fd00:200::1 7171
}

@test "own address: an app allowed \"self\" reaches a listener on the machine's own addresses, v4 and v6" {
	run -0 e2e_probe "$E2E_GID_B" tcp 10.200.0.1 7171
	run -0 e2e_probe "$E2E_GID_B" tcp fd00:200::1 7171
	run -1 e2e_probe "$E2E_GID_B" tcp 10.200.0.2 7171
}

@test "loopback addresses stay exempt: every process reaches a listener on 127.0.0.1" {
	run -0 e2e_probe "$E2E_GID_A" tcp 127.0.0.1 7172
	run -0 e2e_probe "$E2E_UGID" tcp 127.0.0.1 7172
}

# --- 3. multicast membership reports -----------------------------------------

# report_leaks FAMILY GROUP: app A, allowed nothing, joins GROUP on the veth;
# the peer captures the report naming GROUP, and the kernel sent it (on join
# and on the timer's resend) without a socket: no uid for any rule to match.
report_leaks() {
	local fam=$1 group=$2 cap=$E2E_DIR/report.$1 filter
	[ "$fam" = 4 ] && filter=igmp || filter=ip6
	e2e_nft -f - <<-EOF
	table inet attack_probe {
		counter with_uid {}
		counter every {}
		chain o {
			type filter hook output priority -300; policy accept;
			meta nfproto ipv$fam meta l4proto { igmp, ipv6-icmp } meta skuid 0-4294967295 counter name with_uid
			meta nfproto ipv$fam meta l4proto { igmp, ipv6-icmp } counter name every
		}
	}
	EOF
	galaf_on_cleanup "ip netns exec $CLI nft delete table inet attack_probe"
	ip netns exec "$SRV" timeout 10 tcpdump -vni vs -c 20 -l "$filter" >"$cap" 2>"$cap.err" 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for grep -q "listening on" "$cap.err"
	run -0 e2e_probe "$E2E_GID_A" join "$group" vc 2
	wait_for grep -q "$group" "$cap"
	cat "$cap"
	grep -q "$group" "$cap"
	run -0 e2e_nft list counter inet attack_probe with_uid
	[[ "$output" == *"packets 0 "* ]]
	run -0 e2e_nft list counter inet attack_probe every
	[[ "$output" != *"packets 0 "* ]]
}

@test "multicast join, IPv4: an app allowed nothing still puts a group of its choice on the link in an IGMP report (the kernel sends it with no socket; documented)" {
	report_leaks 4 239.77.66.55
}

@test "multicast join, IPv6: an app allowed nothing still puts a group of its choice on the link in an MLD report (the kernel sends it with no socket; documented)" {
	report_leaks 6 ff05::77:6655
}

# --- 4. CNAMEs ---------------------------------------------------------------

@test "CNAME under an allowed domain: the target's addresses are learned for the app (dnsmasq's nftset; documented)" {
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.4 8080
	run -0 e2e_probe "$E2E_GID_A" get 127.0.0.1 alias.app.test 8080
	[[ "$output" == *"alias.app.test is 10.200.0.4"* ]]
	run -0 e2e_nft list set inet galaf "$E2E_APP_A.0_4"
	[[ "$output" == *10.200.0.4* ]]
}

# --- 5. the side doors that hold ----------------------------------------------

@test "foreign resolver over UDP: an app asking the LAN's resolver directly is refused" {
	run -0 as_user2 resolve 10.200.0.4 app.test
	run -1 e2e_probe "$ATTACK_GID_C" resolve 10.200.0.4 app.test
	in_set refused4 "$((ATTACK_GID_C << 16))" 10.200.0.4 udp 53
}

@test "foreign resolver over TCP: an app asking the LAN's resolver directly is refused" {
	PROBE_DNS_TCP=1 run -0 as_user2 resolve 10.200.0.4 app.test
	PROBE_DNS_TCP=1 run -1 e2e_probe "$ATTACK_GID_C" resolve 10.200.0.4 app.test
	in_set refused4 "$((ATTACK_GID_C << 16))" 10.200.0.4 tcp 53
}

@test "foreign resolver over IPv6: an app asking the LAN's resolver at its IPv6 address is refused" {
	run -0 as_user2 resolve fd00:200::4 app.test
	run -1 e2e_probe "$ATTACK_GID_C" resolve fd00:200::4 app.test
}

@test "names outside the list over TCP: the local resolver refuses them to the app" {
	PROBE_DNS_TCP=1 run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	PROBE_DNS_TCP=1 run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 other.test
	[[ "$output" == *"rcode 5"* ]]
}

@test "names outside the list over UDP: the local resolver refuses them to the app" {
	run -0 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 app.test
	run -1 e2e_probe "$E2E_GID_A" resolve 127.0.0.1 other.test
	[[ "$output" == *"rcode 5"* ]]
}

@test "IPv6 around an IPv4 allow-list: the same host over IPv6 is refused" {
	run -0 e2e_probe "$ATTACK_GID_C" tcp 10.200.0.2 8080
	run -1 e2e_probe "$ATTACK_GID_C" tcp fd00:200::2 8080
}

@test "IPv4-mapped IPv6 address: ::ffff:10.200.0.3 is judged as 10.200.0.3" {
	run -0 e2e_probe "$E2E_GID_B" tcp ::ffff:10.200.0.2 9090
	run -1 e2e_probe "$E2E_GID_B" tcp ::ffff:10.200.0.3 9090
	run -1 e2e_probe "$E2E_GID_A" tcp ::ffff:10.200.0.3 8080
}

# --- the gatekeeper: taking the app's group off, or reaching into the app ----

@test "setegid inside the app: it cannot set its gid back to the user's, or to a supplementary group" {
	run -0 --separate-stderr as_user "$GATE" probe setgid "$TGID" "$XGID" 0
	[[ "$output" != *SUCCEEDED* ]]
	grep -qx "gids: $AG $AG $AG" <<<"$output"
}

@test "sg inside the app: a setuid sg cannot take the app's gid off (no_new_privs)" {
	run --separate-stderr as_user "$GATE" sh \
		'sg "$1" -c "id -g" </dev/null; echo "sg=$?"; id -g' sh "$TUSER"
	echo "$output"; echo "stderr: $stderr"
	no_line "$TGID" "$output"
	[ "$(tail -n1 <<<"$output")" = "$AG" ]
	grep -q '^sg=[1-9]' <<<"$output"
	[[ "$stderr" == *"setgid: Operation not permitted"* ]]
}

@test "newgrp inside the app: a setuid newgrp cannot take the app's gid off (no_new_privs)" {
	run --separate-stderr as_user "$GATE" sh \
		'echo "id -g" | newgrp "$1"; echo "newgrp=$?"; id -g' sh "$TUSER"
	echo "$output"; echo "stderr: $stderr"
	no_line "$TGID" "$output"
	[ "$(tail -n1 <<<"$output")" = "$AG" ]
	[[ "$stderr" == *"setgid: Operation not permitted"* ]]
}

@test "an app starting another app through the gatekeeper is refused: no capability under no_new_privs" {
	run -0 --separate-stderr as_user "$GATE" sh '"$1" other; echo "rc=$?"' sh "$GATE"
	[ "$(tail -n1 <<<"$output")" = "rc=1" ]
	[[ "$stderr" == *"galaf: cannot set gid $BG"* ]]
	no_marker
}

@test "ptrace and /proc/PID/mem from the user's other processes: the app's environment and memory stay unreadable" {
	local pid
	setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- \
		"$GATE" sh 'exec sleep 30' >/dev/null 2>&1 3>&- &
	pid=$!
	disown "$pid" # no job notice when the cleanup kills it
	galaf_on_cleanup "kill -9 $pid"
	wait_for sh -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q '^sleep 30'"
	grep -q "^Gid:	$AG	$AG	$AG	$AG$" "/proc/$pid/status"
	run -1 --separate-stderr as_user cat "/proc/$pid/environ"
	[[ "$stderr" == *"Permission denied"* ]]
	run -1 --separate-stderr as_user dd if="/proc/$pid/mem" bs=1 count=1 status=none
	[[ "$stderr" == *"Permission denied"* ]]
	# The control: the same user's own process is readable.
	run -0 as_user sh -c 'cat /proc/$$/environ >/dev/null'
}

@test "LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT and GCONV_PATH through the gatekeeper: none reaches the app" {
	# The control: the library does run when the loader is given it.
	run -0 as_user env -i LD_PRELOAD="$DIR/preload.so" /usr/bin/env
	[ -e "$OUT/preloaded" ]
	rm -f "$OUT/preloaded"
	run -0 --separate-stderr as_user env -i LD_PRELOAD="$DIR/preload.so" \
		LD_LIBRARY_PATH="$DIR" LD_AUDIT="$DIR/preload.so" GCONV_PATH="$DIR" \
		LD_DEBUG=all HOME=/home/x "$GATE" env
	[[ "$output" != *LD_* ]]
	[[ "$output" != *GCONV_PATH* ]]
	grep -qx HOME=/home/x <<<"$output"
	[ ! -e "$OUT/preloaded" ]
}

@test "BASH_ENV, ENV, PYTHONPATH and PATH through the gatekeeper: the environment is rebuilt from the allow-list" {
	run -0 --separate-stderr as_user env -i PATH=/tmp/evil:/usr/bin FOO=bar \
		BASH_ENV=/tmp/x ENV=/tmp/x IFS=x PYTHONPATH=/tmp GTK_MODULES=x \
		LANGX=1 LC_=1 XDG_=1 lc_all=C HOME=/home/x LANG=C.UTF-8 LC_ALL=C \
		XDG_RUNTIME_DIR=/run/user/1 DISPLAY=:0 TERM=$'xterm\x01odd' TZ=UTC \
		"$GATE" env
	diff <(LC_ALL=C sort <<<"$output") <(printf '%s\n' PATH=/usr/local/bin:/usr/bin:/bin \
		HOME=/home/x LANG=C.UTF-8 LC_ALL=C XDG_RUNTIME_DIR=/run/user/1 \
		DISPLAY=:0 TERM=$'xterm\x01odd' TZ=UTC | LC_ALL=C sort)
}
