#!/usr/bin/env bats
# galaf's units under a real systemd as PID 1 (issue 16 §2): this machine's
# own /usr booted in a container (systemd-nspawn --volatile=yes -D / -b
# --private-network: / and /etc are a fresh tmpfs, the network is the
# container's own), with galaf installed by 'make install' under /opt/galaf
# and bound in, galaf.service's sandbox as shipped, a policy that pings and
# has a raw rule fragment, a stand-in dnsmasq.service with galaf's drop-in,
# and the node_exporter textfile timer and service. Every wait is bounded and the container is always powered off
# (killed if it does not stop), so nothing is left running.
# shellcheck disable=SC2154 # run sets output and stderr
bats_require_minimum_version 1.5.0
load ../lib/common

GID=59500

# in_ct CMD...: run CMD inside the container (all its namespaces).
in_ct() {
	nsenter -t "$LEADER" -a "$@"
}

# policy PORT [BROKEN]: the policy the container boots with.
policy() {
	local dup=
	# A key given twice: the file does not parse.
	[ -z "${2:-}" ] || dup=', "groups": {}'
	cat >"$CT/galaf/galaf.json" <<-EOF
	{
	  "config": { "dns": { "preset": "dnsmasq" } },
	  "groups": {
	    "galafboot": { "gid": $GID, "execv": ["/bin/true"], "ping": true,
	      "rule": "ip daddr 10.1.2.0/24",
	      "allow": [{ "to": ["10.9.0.0/16", "boot.test"], "proto": "tcp", "ports": [$1] }] }
	  }$dup
	}
	EOF
}

stop_container() {
	local i
	[ -n "${NSPAWN:-}" ] || return 0
	kill -TERM "$NSPAWN" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$NSPAWN" 2>/dev/null || break
		sleep 0.2
	done
	# Killing its PID 1 ends every process in the container's PID namespace.
	kill -0 "$NSPAWN" 2>/dev/null && { kill -KILL "$LEADER" "$NSPAWN"; sleep 0.5; }
	rmdir "/run/systemd/nspawn/propagate/$MACHINE" 2>/dev/null
	NSPAWN=
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "boot tests need root" >&2; return 1; }
	need systemd-nspawn nsenter make || return 1
	CT=$(mktemp -d /tmp/galaf-boot.XXXXXX) || return 1
	chmod 755 "$CT"
	galaf_on_cleanup "rm -rf '$CT'"
	make -s -C "$GALAF_TOP" install DESTDIR="$CT/dest" PREFIX=/opt/galaf SYSCONFDIR=/etc \
		UNITDIR=/etc/systemd/system SETCAP=no >/dev/null 2>"$CT/err" ||
		{ cat "$CT/err" >&2; return 1; }
	mkdir -p "$CT/galaf" "$CT/dnsmasq.d" "$CT/sysctl.d"
	echo "g galafboot $GID" >"$CT/sysusers.conf"
	# A stand-in for Debian's dnsmasq.service (which needs /etc/init.d), with galaf's drop-in.
	cat >"$CT/dnsmasq.service" <<-EOF
	[Unit]
	Description=dnsmasq stand-in for galaf's boot test
	[Service]
	ExecStart=/usr/sbin/dnsmasq -k --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 -u root --conf-file=/etc/dnsmasq.d/galaf.conf
	EOF
	policy 443
	MACHINE=galaf-t-$(galaf_rand)
	local u=/etc/systemd/system
	systemd-nspawn --quiet --volatile=yes -D / --private-network --register=no --keep-unit \
		--console=pipe --machine="$MACHINE" \
		--bind-ro="$CT/dest/opt/galaf:/opt/galaf" \
		--bind-ro="$CT/dest$u/galaf.service:$u/galaf.service" \
		--bind-ro="$CT/dest$u/galaf-stats-textfile.service:$u/galaf-stats-textfile.service" \
		--bind-ro="$CT/dest$u/galaf-stats-textfile.timer:$u/galaf-stats-textfile.timer" \
		--bind-ro="$CT/dest$u/dnsmasq.service.d:$u/dnsmasq.service.d" \
		--bind-ro="$CT/dnsmasq.service:$u/dnsmasq.service" \
		--bind-ro="$CT/sysusers.conf:/etc/sysusers.d/galaf-test.conf" \
		--bind="$CT/galaf:/etc/galaf" --bind="$CT/dnsmasq.d:/etc/dnsmasq.d" \
		--bind="$CT/sysctl.d:/etc/sysctl.d" \
		-b systemd.firstboot=off systemd.wants=galaf.service systemd.wants=dnsmasq.service \
		>"$CT/console" 2>&1 </dev/null 3>&- &
	NSPAWN=$!
	export CT MACHINE NSPAWN
	galaf_on_cleanup stop_container
	local i
	for ((i = 0; i < 100; i++)); do
		# The container's PID 1 (nspawn forks helpers that come and go first).
		LEADER=$(pgrep -P "$NSPAWN" -x systemd | head -n1)
		[ -n "$LEADER" ] && break
		sleep 0.1
	done
	[ -n "$LEADER" ] || { cat "$CT/console" >&2; return 1; }
	export LEADER
	# Bounded: the boot is done when nothing is queued any more.
	for ((i = 0; i < 240; i++)); do
		in_ct systemctl is-system-running 2>/dev/null | grep -qE '^(running|degraded)$' && return 0
		sleep 0.5
	done
	echo "the container did not finish booting in 120 s" >&2
	in_ct systemctl list-jobs --no-pager >&2
	return 1
}

teardown_file() {
	galaf_cleanup
}

# allows PORT: whether the loaded table lets the app reach 10.9.0.0/16 on PORT
# (the container has no /etc/protocols: nft writes tcp as 6).
allows() {
	in_ct nft list set inet galaf gallow4 | grep -Eq "10\.9\.0\.0/16 \. (tcp|6) \. $1([, ]|\$)"
}

# prop UNIT PROPERTY: one property's value.
prop() {
	in_ct systemctl show -P "$2" "$1"
}

@test "at boot galaf.service is active and its table was loaded before network-pre.target" {
	run -0 prop galaf.service ActiveState
	[ "$output" = active ] || { in_ct journalctl -b -u galaf --no-pager; false; }
	allows 443
	local fin pre
	fin=$(prop galaf.service ExecMainExitTimestampMonotonic)
	pre=$(prop network-pre.target ActiveEnterTimestampMonotonic)
	echo "galaf.service done at $fin, network-pre.target reached at $pre"
	[ "$fin" -gt 0 ] && [ "$pre" -gt 0 ] && [ "$fin" -le "$pre" ]
}

@test "at boot the ping range is the policy's, under the unit's read-only /proc/sys" {
	run -0 in_ct cat /proc/sys/net/ipv4/ping_group_range
	# config.ping_gids by default: the top 1000 gids of the app range.
	[ "$(echo "$output" | tr -s ' \t' ' ')" = "59000 59999" ]
	run -0 in_ct journalctl -b -u galaf --no-pager -o cat
	[[ $output != *"error"* ]]
}

@test "dnsmasq starts after galaf.service, with galaf's file" {
	run -0 prop dnsmasq.service ActiveState
	[ "$output" = active ]
	local galaf dns
	galaf=$(prop galaf.service ExecMainExitTimestampMonotonic)
	dns=$(prop dnsmasq.service ExecMainStartTimestampMonotonic)
	echo "galaf.service done at $galaf, dnsmasq started at $dns"
	[ "$galaf" -le "$dns" ]
	[ -s "$CT/dnsmasq.d/galaf.conf" ]
}

@test "systemctl reload galaf applies an edit" {
	policy 8443
	run -0 in_ct systemctl reload galaf
	allows 8443
	run ! allows 443
	run -0 prop galaf.service ActiveState
	[ "$output" = active ]
}

@test "the textfile timer writes galaf.prom whole, under the service's sandbox" {
	local d=/var/lib/prometheus/node-exporter i text inode
	# What Debian's prometheus-node-exporter creates; the unit needs it.
	in_ct mkdir -p "$d"
	run -0 in_ct systemctl enable --now galaf-stats-textfile.timer
	# Its first run is due at once (OnActiveSec=0); bounded wait.
	for ((i = 0; i < 100; i++)); do
		[ "$(prop galaf-stats-textfile.service Result)" = success ] &&
			[ "$(prop galaf-stats-textfile.service ExecMainExitTimestampMonotonic)" -gt 0 ] && break
		sleep 0.2
	done
	[ "$i" -lt 100 ] || { in_ct journalctl -b -u galaf-stats-textfile --no-pager >&2; false; }
	run -0 prop galaf-stats-textfile.service ExecMainStatus
	[ "$output" = 0 ]
	# Complete: ends with a line break, parses, and says the machine is in sync.
	[ "$(in_ct tail -c1 "$d/galaf.prom" | od -An -c | tr -d ' ')" = '\n' ]
	text=$(in_ct cat "$d/galaf.prom")
	run -0 promtool check metrics <<<"$text"
	grep -qx 'galaf_table_loaded 1' <<<"$text"
	grep -qx 'galaf_in_sync 1' <<<"$text" || { grep -v '_total{' <<<"$text" >&2; false; }
	grep -q '^galaf_learned_addresses{set="galafboot\.' <<<"$text"
	# The resolver as status sees it: the sandbox lets the service find dnsmasq.
	grep -qx 'galaf_dns_names_state{state="enforced"} 1' <<<"$text"
	# Atomic: a second run replaces the file by a rename, and leaves no temporary file.
	inode=$(in_ct stat -c %i "$d/galaf.prom")
	run -0 in_ct systemctl start galaf-stats-textfile.service
	[ "$(in_ct stat -c %i "$d/galaf.prom")" != "$inode" ]
	run -0 in_ct ls -A "$d"
	[ "$output" = galaf.prom ]
	run -0 in_ct journalctl -b -u galaf-stats-textfile --no-pager -o cat
	[[ $output != *galaf-stats:* ]]
	# The sandbox as shipped, in force.
	[ "$(prop galaf-stats-textfile.service ProtectSystem)" = strict ]
	[ "$(prop galaf-stats-textfile.service CapabilityBoundingSet)" = "cap_net_admin cap_sys_ptrace" ]
	[ "$(prop galaf-stats-textfile.service NoNewPrivileges)" = yes ]
	run -0 prop galaf-stats-textfile.service RestrictAddressFamilies
	[[ " $output " == *" AF_NETLINK "* && " $output " == *" AF_UNIX "* && $output != *AF_INET* ]]
	[ "$(prop galaf-stats-textfile.timer ActiveState)" = active ]
}

@test "with a broken policy the last known good is loaded and the unit is failed" {
	policy 9443 broken
	run ! in_ct systemctl restart galaf
	run -0 prop galaf.service ActiveState
	[ "$output" = failed ]
	allows 8443
	run ! allows 9443
	run -0 in_ct journalctl -b -u galaf --no-pager -o cat
	[[ $output == *"the last known good policy is in force"* ]]
}
