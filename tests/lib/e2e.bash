# End-to-end fixture: two throwaway network namespaces joined by a veth pair.
#   CLI  10.200.0.1/24  fd00:200::1/64  galaf's table, the apps, two dnsmasq
#   SRV  10.200.0.2-4   fd00:200::2-4   listeners (no firewall)
# In CLI, a dnsmasq forwarder on 127.0.0.1 (reading galaf's nftset file)
# asks an upstream dnsmasq on 127.0.0.2 that answers the test's names.
# Nothing here touches the host's own network or ruleset.
# shellcheck shell=bash
# shellcheck source=tests/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

PROBE="$GALAF_TOP/tests/helpers/net-probe.py"
# The system interpreter: a user-local one (pyenv) is not readable by the test user.
PYTHON=/usr/bin/python3

e2e_setup() {
	E2E_DIR=$(mktemp -d /tmp/galaf-e2e.XXXXXX)
	chmod 755 "$E2E_DIR"
	galaf_on_cleanup "rm -rf $E2E_DIR"
	galaf_netns CLI || return 1
	galaf_netns SRV || return 1
	ip -n "$CLI" link add vc type veth peer name vs netns "$SRV" || return 1
	ip -n "$CLI" addr add 10.200.0.1/24 dev vc
	ip -n "$CLI" addr add fd00:200::1/64 dev vc nodad
	local a
	for a in 2 3 4; do
		ip -n "$SRV" addr add "10.200.0.$a/24" dev vs
		ip -n "$SRV" addr add "fd00:200::$a/64" dev vs nodad
	done
	ip -n "$CLI" link set vc up
	ip -n "$SRV" link set vs up
	galaf_user E2E_USER || return 1
	E2E_UID=$(id -u "$E2E_USER")
	E2E_UGID=$(id -g "$E2E_USER")
	galaf_group E2E_APP_A "$(galaf_free_gid)" || return 1
	galaf_group E2E_APP_B "$(galaf_free_gid)" || return 1
	E2E_GID_A=$(getent group "$E2E_APP_A" | cut -d: -f3)
	E2E_GID_B=$(getent group "$E2E_APP_B" | cut -d: -f3)
	export CLI SRV E2E_DIR E2E_USER E2E_UID E2E_UGID E2E_APP_A E2E_APP_B E2E_GID_A E2E_GID_B
}

# e2e_user2: a second test user (E2E_USER2, E2E_UID2, E2E_UGID2), for users entries.
e2e_user2() {
	galaf_user E2E_USER2 || return 1
	E2E_UID2=$(id -u "$E2E_USER2")
	E2E_UGID2=$(id -g "$E2E_USER2")
	export E2E_USER2 E2E_UID2 E2E_UGID2
}

# e2e_serve tcp|udp ADDR PORT: a listener in SRV answering "hi".
e2e_serve() {
	ip netns exec "$SRV" "$PYTHON" "$PROBE" serve "$1" "$2" "$3" >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	if [ "$1" = tcp ]; then
		wait_for sh -c "ip netns exec $SRV ss -Hltn 'sport = :$3' | grep -q ."
	else
		wait_for sh -c "ip netns exec $SRV ss -Hlun 'sport = :$3' | grep -q ."
	fi
}

# e2e_dns_start: the upstream (fixed answers) and the forwarder (galaf's file).
# E2E_UPSTREAM_EXTRA adds dnsmasq options to the upstream (e.g. --cname=).
e2e_dns_start() {
	local conf=${1:-$E2E_DIR/dnsmasq.conf}
	# shellcheck disable=SC2086 # E2E_UPSTREAM_EXTRA holds several options
	ip netns exec "$CLI" dnsmasq -k --no-resolv --no-hosts --bind-interfaces \
		--listen-address=127.0.0.2 -u root --pid-file="$E2E_DIR/up.pid" \
		--address=/app.test/10.200.0.2 --address=/app.test/fd00:200::2 \
		--address=/other.test/10.200.0.3 --address=/other.test/fd00:200::3 \
		--srv-host=_xmpp-client._tcp.app.test,app.test,5222 \
		${E2E_UPSTREAM_EXTRA:-} >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	e2e_forwarder_start "$conf"
	wait_for ip netns exec "$CLI" "$PYTHON" "$PROBE" resolve 127.0.0.2 app.test
}

# e2e_lan_dns: a resolver on the link (10.200.0.4, fd00:200::4 in SRV), as a
# LAN's router would run one, answering app.test and other.test.
e2e_lan_dns() {
	ip netns exec "$SRV" dnsmasq -k --no-resolv --no-hosts --bind-interfaces \
		--listen-address=10.200.0.4,fd00:200::4 -u root --pid-file="$E2E_DIR/lan.pid" \
		--address=/app.test/10.200.0.2 --address=/other.test/10.200.0.3 \
		>/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for ip netns exec "$SRV" "$PYTHON" "$PROBE" resolve 10.200.0.4 app.test
}

e2e_forwarder_start() {
	ip netns exec "$CLI" dnsmasq -k --no-resolv --no-hosts --bind-interfaces \
		--listen-address=127.0.0.1 -u root --server=127.0.0.2 \
		--pid-file="$E2E_DIR/fwd.pid" --conf-file="$1" >/dev/null 2>&1 3>&- &
	E2E_FWD_PID=$!
	galaf_on_cleanup "kill $E2E_FWD_PID"
	wait_for ip netns exec "$CLI" sh -c "ss -Hlun 'sport = :53' | grep -q 127.0.0.1"
}

e2e_forwarder_restart() {
	# Its pid file: an earlier test (another process) may have restarted it.
	local pid
	pid=$(cat "$E2E_DIR/fwd.pid" 2>/dev/null || echo "$E2E_FWD_PID")
	kill "$pid" 2>/dev/null || true
	# Not necessarily this shell's child, so no wait: poll until it is gone.
	wait_for sh -c "! kill -0 $pid" || return 1
	e2e_forwarder_start "${1:-$E2E_DIR/dnsmasq.conf}"
}

# e2e_as GID CMD...: run CMD in CLI as the test user with that gid only.
e2e_as() {
	local gid=$1
	shift
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$gid" --clear-groups "$@"
}

# e2e_probe GID ARGS...: probe.py as the test user with that gid.
e2e_probe() {
	local gid=$1
	shift
	e2e_as "$gid" "$PYTHON" "$PROBE" "$@"
}

# e2e_policy FILE BODY: write a policy whose config points into E2E_DIR.
# BODY is the JSON after "config": users and groups, e.g. '"groups": {...}'.
# E2E_DNS_EXTRA, when set, adds keys to config.dns (e.g. '"names": false').
e2e_policy() {
	local file=$1 body=$2 extra=${3:-}
	cat >"$file" <<-EOF
	{
	  "config": {
	    "dns": { "conf": "$E2E_DIR/dnsmasq.conf", "reload": null${E2E_DNS_EXTRA:+, $E2E_DNS_EXTRA} },
	    "gate_index": "$E2E_DIR/gate.index",
	    "state_dir": "$E2E_DIR/state"${extra:+,
	    $extra}
	  },
	  $body
	}
	EOF
}

e2e_apply() {
	# shellcheck disable=SC2086 # GALAF_WRAP is a command line
	ip netns exec "$CLI" $GALAF_WRAP "$GALAF_CONFIG" apply "$@"
}

e2e_nft() {
	ip netns exec "$CLI" nft "$@"
}
