#!/usr/bin/env bash
# make demo: galaf end to end on the bundled example, in throwaway network
# namespaces. Builds a demo copy of the gatekeeper, creates a demo user and
# two app groups, applies a policy derived from galaf.json.example with a
# real dnsmasq, starts one allowed and one refused program through galaf,
# and prints the traffic table. Removes everything it made, also on Ctrl-C.
# The host's own firewall, network and groups are never touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: run as root (it creates namespaces, a user and groups, all removed at the end)" >&2
	exit 1
fi
for tool in nft dnsmasq ip setcap python3; do
	command -v "$tool" >/dev/null || { echo "make demo: $tool is missing; see the README's first commands" >&2; exit 1; }
done

export GALAF_TOP=$top
# shellcheck source=tests/lib/e2e.bash
source tests/lib/e2e.bash
trap 'echo; echo "== cleaning up"; galaf_cleanup' EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "setting up two throwaway namespaces, a demo user and two app groups"
e2e_setup
DEMO=$E2E_DIR
make -s B="$DEMO/build" GATE_INDEX="$DEMO/gate.index" "$DEMO/build/galaf"
chmod 755 "$DEMO/build"
setcap cap_setgid+ep "$DEMO/build/galaf"
e2e_serve tcp 10.200.0.2 8080
echo "user $E2E_USER; apps $E2E_APP_A (gid $E2E_GID_A) and $E2E_APP_B (gid $E2E_GID_B); web server on 10.200.0.2:8080 in the other namespace"

say "the policy: galaf.json.example, with the demo's apps and paths"
"$PYTHON" - "$DEMO" "$E2E_APP_A" "$E2E_GID_A" "$E2E_APP_B" "$E2E_GID_B" "$PROBE" >"$DEMO/galaf.json" <<'PY'
import json, sys
d, a, ga, b, gb, probe = sys.argv[1:]
pol = json.load(open("galaf.json.example"))
pol["config"].update({"dns": {"conf": d + "/dnsmasq.conf", "reload": None},
                      "gate_index": d + "/gate.index", "state_dir": d + "/state"})
# The demo's two apps do not ping: no ping range, and nothing under /etc/sysctl.d.
pol["config"].pop("ping_gids", None)
pol["config"].pop("#ping_gids", None)
# The demo's dnsmasq runs as root, and the example keeps root to DHCP: root
# asking the demo's upstream (127.0.0.2) would be refused as a DNS side door.
# On a real machine dnsmasq runs as its own user, which the example exempts.
pol["users"].pop("root", None)
pol["groups"] = {
    a: {"#": "the demo's browser: web.demo.test, port 8080, by name",
        "gid": int(ga), "execv": ["/usr/bin/python3", probe, "\u2026"],
        "allow": [{"to": ["web.demo.test"], "proto": "tcp", "ports": [8080]}]},
    b: {"#": "the demo's mail client: mail.demo.test only",
        "gid": int(gb), "execv": ["/usr/bin/python3", probe, "\u2026"],
        "allow": [{"to": ["mail.demo.test"], "proto": "tcp", "ports": [993]}]},
}
json.dump(pol, sys.stdout, indent=2, ensure_ascii=False)
PY
sed -n '/"groups"/,$p' "$DEMO/galaf.json"
run ip netns exec "$CLI" "$GALAF_CONFIG" check "$DEMO/galaf.json" 2>/dev/null

say "apply: one nftables transaction, the dnsmasq file, the gate index"
run ip netns exec "$CLI" "$GALAF_CONFIG" apply "$DEMO/galaf.json" 2>/dev/null
grep nftset "$DEMO/dnsmasq.conf" | grep -e "$E2E_APP_A" -e "$E2E_APP_B"
cat >"$DEMO/upstream.conf" <<CONF
address=/web.demo.test/10.200.0.2
address=/mail.demo.test/10.200.0.3
CONF
ip netns exec "$CLI" dnsmasq -k --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.2 \
	-u root --conf-file="$DEMO/upstream.conf" >/dev/null 2>&1 3>&- &
galaf_on_cleanup "kill $!"
e2e_forwarder_start "$DEMO/dnsmasq.conf"
echo "dnsmasq forwarder on 127.0.0.1 (with galaf's nftset lines), upstream on 127.0.0.2"

say "launch: $E2E_APP_A may reach web.demo.test:8080"
as_user() { ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$E2E_UGID" --init-groups "$@"; }
if as_user "$DEMO/build/galaf" "$E2E_APP_A" get 127.0.0.1 web.demo.test 8080; then
	echo "-> allowed, as the policy says"
else
	echo "-> UNEXPECTED: refused" && exit 1
fi

# refused_by: which layer refused, from the probe's message on stderr (in $1).
refused_by() {
	case $1 in
	*"DNS rcode 5"*) echo "dnsmasq (the name is not on the app's list: REFUSED)" ;;
	*"refused"* | *"Errno 111"* | *"Errno 13"* | *"Errno 1]"*) echo "the kernel (galaf's ruleset)" ;;
	*) echo "something else: $1" ;;
	esac
}

# expect_refused LAYER CMD...: CMD must fail, refused by LAYER (dnsmasq or the kernel).
expect_refused() {
	local layer=$1 err by
	shift
	if err=$(PROBE_TIMEOUT=1 "$@" 2>&1 >/dev/null); then
		echo "-> UNEXPECTED: allowed" && exit 1
	fi
	by=$(refused_by "$err")
	echo "-> refused by $by, as the policy says"
	[[ $by == "$layer"* ]] || { echo "-> UNEXPECTED: expected $layer to refuse it" && exit 1; }
}

say "launch: $E2E_APP_B may not look up web.demo.test (its policy names mail.demo.test only)"
expect_refused dnsmasq as_user "$DEMO/build/galaf" "$E2E_APP_B" get 127.0.0.1 web.demo.test 8080

say "launch: nor connect to web.demo.test's address directly"
expect_refused "the kernel" as_user "$DEMO/build/galaf" "$E2E_APP_B" tcp 10.200.0.2 8080

say "the same program started without galaf is refused too"
expect_refused "the kernel" as_user /usr/bin/python3 "$PROBE" get 127.0.0.1 web.demo.test 8080
echo "   (the user's own group is no entry: its lookups are not filtered, its connections are refused)"

say "what the kernel counted"
if [ -x "$GALAF_STATS" ]; then
	run ip netns exec "$CLI" "$GALAF_STATS" --policy "$DEMO/galaf.json"
	run ip netns exec "$CLI" "$GALAF_STATS" --policy "$DEMO/galaf.json" --tried "$E2E_APP_B"
fi
run ip netns exec "$CLI" "$GALAF_CONFIG" status "$DEMO/galaf.json" || true
say "done: everything the demo made is removed now"
