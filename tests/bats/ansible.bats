#!/usr/bin/env bats
# contrib/ansible: the galaf role and the example playbook, run by Debian's
# ansible-core with the local connection inside a throwaway network namespace
# (so the table lands there), against a temporary root for every /etc and
# /var path: install from a 'make install' tarball, first run changed, second
# unchanged, a bad policy refused with galaf's message and nothing changed,
# an edit applied as a difference, a flushed table re-applied.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

PLAYBOOK=$GALAF_TOP/contrib/ansible/site.yml

# play [ARGS...]: the example playbook on this host, in the namespace, with
# the test's paths; output on stdout.
play() {
	ip netns exec "$NS" ansible-playbook -c local -i localhost, "$PLAYBOOK" \
		-e "@$T/vars.json" "$@"
}

# The table as nft prints it, without the set that carries the policy hash
# and the time learned addresses have left.
table() {
	ip netns exec "$NS" nft list table inet galaf | grep -v 'comment "galaf [0-9a-f]*"' |
		sed -E 's/ expires [0-9a-z]+//g'
}

# recap FIELD: FIELD's number (changed, failed, ok) in the play recap.
recap() {
	sed -n "s/^localhost *:.* $1=\([0-9]*\).*/\1/p" <<<"$output"
}

# vars APP_ALLOW: the role's variables, with APP's allow list as given.
write_vars() {
	cat >"$T/vars.json" <<EOF
{
  "galaf_install": "tarball", "galaf_tarball": "$T/galaf.tar.gz", "galaf_root": "$ROOT",
  "galaf_config_bin": "$ROOT/usr/sbin/galaf-config",
  "galaf_gatekeeper_bin": "$ROOT/usr/bin/galaf",
  "galaf_policy_path": "$ROOT/etc/galaf/galaf.json",
  "galaf_gate_index": "$ROOT/etc/galaf/gate.index",
  "galaf_dnsmasq_conf": "$ROOT/etc/dnsmasq.d/galaf.conf",
  "galaf_state_dir": "$ROOT/var/lib/galaf",
  "galaf_manage_units": false,
  "galaf_policy__zz_test": {
    "config": { "dns": { "reload": null } },
    "groups": { "$APP": { "gid": $GID, "execv": ["/bin/true"], "allow": $1 } }
  }
}
EOF
}

setup_file() {
	local t
	for t in ansible-playbook ansible-lint nft make tar; do
		command -v "$t" >/dev/null || {
			echo "ansible.bats needs $t (apt-get install ansible-core ansible-lint)" >&2
			return 1
		}
	done
	T=$(mktemp -d /tmp/galaf-ansible.XXXXXX)
	galaf_on_cleanup "rm -rf '$T'"
	ROOT=$T/root
	mkdir -m 0755 "$ROOT" "$T/stage"
	mkdir "$T/home" "$T/tmp"
	galaf_netns NS || return 1
	# The role creates the app group: register its removal first.
	APP="ga$(galaf_rand)"
	GID=$(galaf_free_gid)
	galaf_on_cleanup "groupdel $APP"
	# What a fleet rolls out: the files 'make install' puts in place.
	make -s -C "$GALAF_TOP" install DESTDIR="$T/stage" PREFIX=/usr \
		UNITDIR=/lib/systemd/system SETCAP=no >/dev/null || return 1
	tar -C "$T/stage" -czf "$T/galaf.tar.gz" . || return 1
	write_vars '[{ "to": ["www.example.org"], "proto": "tcp", "ports": [443] }]'
	export T ROOT NS APP GID
	# Ansible writes under HOME and its temporary directories; keep it fast.
	export HOME=$T/home ANSIBLE_LOCAL_TEMP=$T/tmp ANSIBLE_REMOTE_TEMP=$T/tmp \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_GATHERING=explicit \
		NO_COLOR=1
}

teardown_file() {
	galaf_cleanup
}

@test "ansible-lint passes the role and the example playbook (production profile)" {
	cd "$GALAF_TOP/contrib/ansible"
	run -0 ansible-lint --offline --profile production site.yml roles/galaf
	[[ $output == *"Passed with production profile"* ]]
	run -0 ansible-playbook --syntax-check -i localhost, site.yml
}

@test "first run: installs, creates the app group, applies; changed" {
	run -0 play
	[ "$(recap changed)" -gt 0 ]
	[ "$(recap failed)" = 0 ]
	[ -x "$ROOT/usr/sbin/galaf-config" ]
	[[ $(getcap "$ROOT/usr/bin/galaf") == *cap_setgid=ep* ]]
	[ "$(getent group "$APP" | cut -d: -f3)" = "$GID" ]
	[ -s "$ROOT/etc/galaf/gate.index" ] && [ -s "$ROOT/etc/dnsmasq.d/galaf.conf" ]
	run -0 ip netns exec "$NS" "$ROOT/usr/sbin/galaf-config" status "$ROOT/etc/galaf/galaf.json"
	[[ $output == *"status: in sync"* ]]
	# The host's own ruleset never saw it.
	run -1 nft list table inet galaf
}

@test "second run: nothing changes" {
	run -0 play
	[ "$(recap changed)" = 0 ]
	[ "$(recap failed)" = 0 ]
}

@test "a bad policy fails on the host with galaf's message and its JSON path; nothing changes" {
	local before policy
	before=$(table)
	policy=$(cat "$ROOT/etc/galaf/galaf.json")
	run -2 play -e "{\"galaf_policy__zz_test\": {\"groups\": {\"$APP\": {\"allow\": [{\"proto\": \"tcp\", \"ports\": [99999]}]}}}}"
	[ "$(recap failed)" = 1 ]
	[[ $output == *"groups.$APP.allow[0].ports[0]: error: \\\"99999\\\" is out of range"* ]]
	[ "$(cat "$ROOT/etc/galaf/galaf.json")" = "$policy" ]
	[ "$(table)" = "$before" ]
}

@test "an edit applies only the difference; learned addresses stay" {
	local set before changed
	# An address dnsmasq would have learned for the app's domain.
	set=$(ip netns exec "$NS" nft -j list table inet galaf |
		jq -r --arg a "$APP" '.nftables[].set? | select(.name? // "" | startswith($a + ".") and endswith("_4")) | .name' | head -n1)
	[ -n "$set" ]
	ip netns exec "$NS" nft add element inet galaf "$set" '{ 192.0.2.77 }'
	before=$(table)
	write_vars '[{ "to": ["www.example.org"], "proto": "tcp", "ports": [443] },
	             { "to": ["198.51.100.7"], "proto": "tcp", "ports": [22] }]'
	run -0 play -v
	[ "$(recap changed)" -gt 0 ]
	[[ $output == *"only the changes"* ]]
	# Every line of the table that differs carries the new address, or is
	# the app's chain starting to look up the static allow-list it now has.
	changed=$(diff <(echo "$before") <(table) | grep '^[<>]') || true
	echo "$changed"
	[ -n "$changed" ]
	grep -q -e 198.51.100.7 <<<"$changed"
	run -1 grep -v -e 198.51.100.7 -e ' @gallow4 goto ok_out$' <<<"$changed"
	ip netns exec "$NS" nft get element inet galaf "$set" '{ 192.0.2.77 }'
}

@test "a host whose table was removed gets it back; changed" {
	ip netns exec "$NS" nft delete table inet galaf
	run -0 play
	[ "$(recap changed)" -gt 0 ]
	run -0 ip netns exec "$NS" "$ROOT/usr/sbin/galaf-config" status "$ROOT/etc/galaf/galaf.json"
}

@test "desktop overrides when asked: written by the first run, unchanged by the second" {
	jq --arg a "$APP" --arg t "$T" '.galaf_desktop = true
		| .galaf_desktop_options = ["--bin", ($t + "/bin"), "--applications", ($t + "/apps"),
		                            "--services", ($t + "/services"), "--galaf", "/usr/bin/galaf"]
		| .galaf_policy__zz_test.groups[$a].wrapper = true' "$T/vars.json" >"$T/vars.new"
	mv "$T/vars.new" "$T/vars.json"
	run -0 play
	[ "$(recap changed)" -gt 0 ]
	grep -qF "exec '/usr/bin/galaf' '$APP'" "$T/bin/$APP"
	run -0 play
	[ "$(recap changed)" = 0 ]
}
