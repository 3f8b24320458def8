#!/usr/bin/env bats
# The systemd units as installed by 'make install DESTDIR=...': checked with
# 'systemd-analyze verify --root=DESTDIR' (which also checks that every
# Exec path exists in that tree, and the man pages of Documentation=), the
# boot order through ordering cycles that verify reports, and galaf-boot's
# fallback to the last known good policy in throwaway network namespaces.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0
load ../lib/common

UNITS=/etc/systemd/system

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	[ "$(id -u)" -eq 0 ] || { echo "systemd tests need root" >&2; return 1; }
	need systemd-analyze make man ip nft || return 1
	DIR=$(mktemp -d /tmp/galaf-systemd.XXXXXX) || return 1
	galaf_on_cleanup "rm -rf '$DIR'"
	DEST=$DIR/dest
	make -s -C "$GALAF_TOP" install DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>"$DIR/err" ||
		{ cat "$DIR/err" >&2; return 1; }
	# A prefix install whose galaf-boot calls a galaf-config that exists here.
	PFX=$DIR/pfx
	make -s -C "$GALAF_TOP" install PREFIX="$PFX/usr" SYSCONFDIR="$PFX/etc" \
		UNITDIR="$PFX/units" >/dev/null 2>"$DIR/err" || { cat "$DIR/err" >&2; return 1; }
	BOOT=$PFX/usr/lib/galaf/galaf-boot
	export DIR DEST PFX BOOT
}

teardown_file() {
	galaf_cleanup
}

setup() {
	_galaf_cleanups=()
	# Each test gets its own copy of the installed tree to add fixtures to.
	ROOT=$BATS_TEST_TMPDIR/root
	cp -a "$DEST" "$ROOT"
	# systemd's own program that galaf.service runs: part of any systemd system.
	install -D -m 755 /usr/lib/systemd/systemd-sysctl "$ROOT/usr/lib/systemd/systemd-sysctl"
}

teardown() {
	galaf_cleanup
}

# verify UNIT...: systemd-analyze verify on units of $ROOT, with the man
# pages installed there. Warnings do not change verify's exit status, so
# callers also check that stderr is empty.
verify() {
	local u args=()
	for u in "$@"; do args+=("$UNITS/$u"); done
	(cd / && MANPATH=$ROOT/usr/share/man SYSTEMD_COLORS=0 \
		systemd-analyze verify --root="$ROOT" "${args[@]}")
}

# fixture PATH TEXT: a unit file (or drop-in) under $ROOT/etc/systemd/system.
fixture() {
	mkdir -p "$(dirname "$ROOT$UNITS/$1")"
	printf '%s\n' "$2" >"$ROOT$UNITS/$1"
}

# A stand-in service that exists in the tree; DefaultDependencies=no keeps
# verify from looking for sysinit.target, which the tree does not have.
service_fixture() {
	fixture "$1" "[Unit]
Description=test stand-in
DefaultDependencies=no
$2
[Service]
ExecStart=/usr/sbin/galaf-config --version"
}

# --- systemd-analyze verify ---------------------------------------------------

@test "systemd-analyze verify accepts galaf.service" {
	run -0 --separate-stderr verify galaf.service
	[ -z "$stderr" ]
}

@test "systemd-analyze verify accepts galaf-marker.service" {
	run -0 --separate-stderr verify galaf-marker.service
	[ -z "$stderr" ]
}

@test "systemd-analyze verify accepts the metrics timer and its service" {
	local t
	# Their default dependencies, which the tree does not have.
	for t in sysinit basic shutdown timers time-set time-sync; do
		fixture "$t.target" "[Unit]
Description=test stand-in
DefaultDependencies=no"
	done
	run -0 --separate-stderr verify galaf-stats-textfile.timer galaf-stats-textfile.service
	[ -z "$stderr" ]
}

@test "the metrics service is sandboxed like galaf.service and runs every 15 s" {
	local k
	for k in "CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE" NoNewPrivileges=yes ProtectSystem=strict \
		ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
		RestrictNamespaces=yes MemoryDenyWriteExecute=yes SystemCallFilter=@system-service \
		'RestrictAddressFamilies=AF_NETLINK AF_UNIX' \
		ReadWritePaths=/var/lib/prometheus/node-exporter; do
		grep -qxF "$k" "$ROOT$UNITS/galaf-stats-textfile.service" || { echo "missing $k"; return 1; }
	done
	grep -qx 'OnUnitActiveSec=15s' "$ROOT$UNITS/galaf-stats-textfile.timer"
}

@test "verify fails on a unit whose command is not installed (the check is real)" {
	sed 's|^ExecStart=.*|ExecStart=/usr/sbin/galaf-missing|' "$ROOT$UNITS/galaf.service" \
		>"$ROOT$UNITS/galaf-broken.service"
	run -1 --separate-stderr verify galaf-broken.service
	[[ "$stderr" == *"/usr/sbin/galaf-missing"* ]]
}

@test "the dnsmasq drop-in loads cleanly" {
	service_fixture dnsmasq.service ""
	run -0 --separate-stderr verify dnsmasq.service
	[ -z "$stderr" ]
}

@test "the dnsmasq drop-in orders dnsmasq after galaf.service" {
	# A dnsmasq that insists on starting first contradicts the drop-in.
	service_fixture dnsmasq.service "Before=galaf.service"
	run --separate-stderr verify dnsmasq.service
	[[ "$stderr" == *"ordering cycle"* ]]
}

@test "the NetworkManager drop-in orders NetworkManager after galaf.service" {
	service_fixture NetworkManager.service ""
	run -0 --separate-stderr verify NetworkManager.service
	[ -z "$stderr" ]
	service_fixture NetworkManager.service "Before=galaf.service"
	run --separate-stderr verify NetworkManager.service
	[[ "$stderr" == *"ordering cycle"* ]]
}

@test "galaf.service comes before network-pre.target" {
	fixture network-pre.target "[Unit]
Description=test stand-in
DefaultDependencies=no
Before=galaf.service"
	run --separate-stderr verify galaf.service
	[[ "$stderr" == *"ordering cycle"* ]]
}

@test "galaf-marker.service comes before galaf.service" {
	fixture galaf-marker.service.d/test.conf "[Unit]
Wants=galaf.service
After=galaf.service"
	run --separate-stderr verify galaf-marker.service
	[[ "$stderr" == *"ordering cycle"* ]]
}

@test "stopping galaf.service leaves the ruleset loaded (no ExecStop)" {
	run -1 grep '^ExecStop' "$ROOT$UNITS/galaf.service"
	run -0 grep -x 'ExecStop=/usr/sbin/galaf-config marker unload' \
		"$ROOT$UNITS/galaf-marker.service"
}

# --- galaf-boot: the last known good policy -----------------------------------

# policy FILE STATE BODY: a policy writing only under STATE's directory.
policy() {
	local d
	d=$(dirname "$2")
	cat >"$1" <<-EOF
	{
	  "config": {
	    "dns": { "conf": "$d/dnsmasq.conf", "reload": null },
	    "gate_index": "$d/gate.index",
	    "state_dir": "$2"
	  },
	  $3
	}
	EOF
}

good_body='"users": { "root": { "allow": [{ "proto": "udp", "ports": [5353] }] } }'
# Parses (so rollback finds its state_dir) but does not apply: no such group.
broken_body='"users": { "root": { "allow": [{ "proto": "tcp", "ports": [7777] }] } },
  "groups": { "galaf-no-such-group": { "execv": ["/bin/true"] } }'

# boot NS STATUS [BODY]: galaf-boot in NS on $BATS_TEST_TMPDIR/b/galaf.json
# (its state under b/state), expecting exit STATUS; with BODY, the policy is
# written first.
boot() {
	local d=$BATS_TEST_TMPDIR/b
	mkdir -p "$d"
	[ -z "${3:-}" ] || policy "$d/galaf.json" "$d/state" "$3"
	run "-$2" --separate-stderr ip netns exec "$1" "$BOOT" "$d/galaf.json"
}

@test "galaf-boot applies the policy" {
	local ns d=$BATS_TEST_TMPDIR/b
	galaf_netns ns
	boot "$ns" 0 "$good_body"
	run -0 ip netns exec "$ns" nft list table inet galaf
	[[ "$output" == *5353* ]]
	[ -f "$d/state/good/policy.json" ]
}

@test "galaf-boot falls back to the last known good policy, and fails" {
	local ns1 ns2
	galaf_netns ns1
	boot "$ns1" 0 "$good_body"
	# The next boot (a fresh namespace, no table) finds a broken policy.
	galaf_netns ns2
	boot "$ns2" 1 "$broken_body"
	[[ "$stderr" == *"galaf-no-such-group"* ]]
	[[ "$stderr" == *"re-applying the last known good policy"* ]]
	[[ "$stderr" == *"the last known good policy is in force"* ]]
	run -0 ip netns exec "$ns2" nft list table inet galaf
	[[ "$output" == *5353* && "$output" != *7777* ]]
}

@test "galaf-boot does not fall back when the policy applied and only a follow-up step failed" {
	local ns d=$BATS_TEST_TMPDIR/b
	galaf_netns ns
	boot "$ns" 0 "$good_body"
	policy "$d/galaf.json" "$d/state" "${good_body/5353/5454}"
	sed -i 's|"reload": null|"reload": ["/bin/false"]|' "$d/galaf.json"
	rm -f "$d/dnsmasq.conf"
	boot "$ns" 4
	[[ "$stderr" == *"is in force, but a step after loading it failed"* ]]
	[[ "$stderr" != *"re-applying the last known good policy"* ]]
	run -0 ip netns exec "$ns" nft list table inet galaf
	[[ "$output" == *5454* ]]
}

@test "galaf-boot with a broken policy and no last known good loads nothing" {
	local ns
	galaf_netns ns
	boot "$ns" 1 "$broken_body"
	[[ "$stderr" == *"nothing to roll back to"* ]]
	[[ "$stderr" == *"no last known good policy could be applied either (exit 1, see above): galaf's firewall is as it was before this run"* ]]
	run -1 ip netns exec "$ns" nft list table inet galaf
}
