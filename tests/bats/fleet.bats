#!/usr/bin/env bats
# Watching many machines: contrib/prometheus's alert rules (promtool check
# and its unit tests), galaf-stats --prometheus with the fleet metrics on a
# real table in a throwaway namespace (valid for promtool check metrics,
# written atomically for node_exporter), and the README's "Many machines"
# commands as written.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

RULES=$GALAF_TOP/contrib/prometheus

setup_file() {
	command -v jq >/dev/null || { echo "fleet.bats needs jq" >&2; return 1; }
	command -v promtool >/dev/null || {
		echo "fleet.bats needs promtool (apt-get install prometheus)" >&2
		return 1
	}
}

teardown() {
	galaf_cleanup
}

@test "promtool check rules accepts contrib/prometheus/galaf.rules.yml" {
	run -0 promtool check rules "$RULES/galaf.rules.yml"
	[[ $output == *"SUCCESS: 6 rules found"* ]]
}

@test "promtool test rules: every alert fires when it should and only then" {
	run -0 promtool test rules "$RULES/galaf.rules.test.yml"
	[[ $output == *SUCCESS* ]]
}

@test "the rule tests can fail: a wrong expectation is reported" {
	cp "$RULES/galaf.rules.yml" "$BATS_TEST_TMPDIR/"
	sed 's/refused 9 packets/refused 8 packets/' "$RULES/galaf.rules.test.yml" \
		>"$BATS_TEST_TMPDIR/galaf.rules.test.yml"
	run -1 promtool test rules "$BATS_TEST_TMPDIR/galaf.rules.test.yml"
	[[ $output == *GalafRefusedBurst* ]]
}

# --- galaf-stats --prometheus: the fleet metrics, on a real table ------------

# setup_fleet: a namespace with galaf applied from $T/p.json: one app with a
# domain list (so it has learned sets), paths under $T.
setup_fleet() {
	T=$(mktemp -d /tmp/galaf-fleet.XXXXXX)
	galaf_on_cleanup "rm -rf '$T'"
	galaf_netns NS
	GID=$(galaf_free_gid)
	APP="fa$(galaf_rand)"
	mkdir -m 0755 "$T/tf"
	write_policy 443
	ip netns exec "$NS" "$GALAF_CONFIG" apply "$T/p.json" >/dev/null
}

# write_policy PORT: the test policy, the app allowed on PORT.
write_policy() {
	cat >"$T/p.json" <<EOP
{ "config": { "dns": { "conf": "$T/dnsmasq.conf", "reload": null },
              "gate_index": "$T/gate.index", "state_dir": "$T/state" },
  "groups": { "$APP": { "gid": $GID, "execv": ["/bin/true"],
    "allow": [{ "to": ["www.example.org"], "proto": "tcp", "ports": [$1] }] } } }
EOP
}

# prom: the textfile as galaf-stats-textfile.service writes it; its text in output.
prom() {
	# shellcheck disable=SC2086 # GALAF_WRAP is words
	ip netns exec "$NS" $GALAF_WRAP "$GALAF_STATS" --policy "$T/p.json" --prometheus \
		--output "$T/tf/galaf.prom" || return
	cat "$T/tf/galaf.prom"
}

# metric TEXT NAME[{LABELS}]: the value of that exact series.
metric() {
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { exit !f }' <<<"$1"
}

# status_field FIELD: from galaf-config status --json in the namespace.
status_field() {
	ip netns exec "$NS" "$GALAF_CONFIG" status --json "$T/p.json" | jq -r "$1"
}

@test "the textfile is valid for promtool, and replaced whole by a rename" {
	setup_fleet
	local text inode
	text=$(prom)
	run -0 promtool check metrics <<<"$text"
	inode=$(stat -c %i "$T/tf/galaf.prom")
	[ "$(stat -c %a "$T/tf/galaf.prom")" = 644 ]
	prom >/dev/null
	[ "$(stat -c %i "$T/tf/galaf.prom")" != "$inode" ]
	# Nothing but the file is left in node_exporter's directory.
	[ "$(ls -A "$T/tf")" = galaf.prom ]
}

@test "--output leaves the old file when galaf-stats fails" {
	setup_fleet
	prom >/dev/null
	cp "$T/tf/galaf.prom" "$T/before"
	echo '{ "groups": ' >"$T/bad.json"
	run -1 ip netns exec "$NS" "$GALAF_STATS" --policy "$T/bad.json" --prometheus \
		--output "$T/tf/galaf.prom"
	cmp "$T/before" "$T/tf/galaf.prom"
	[ "$(ls -A "$T/tf")" = galaf.prom ]
}

@test "after an apply: loaded, in sync, with status's hashes" {
	setup_fleet
	local text h
	text=$(prom)
	[ "$(metric "$text" galaf_table_loaded)" = 1 ]
	[ "$(metric "$text" galaf_in_sync)" = 1 ]
	[ "$(metric "$text" galaf_ruleset_in_sync)" = 1 ]
	[ "$(metric "$text" galaf_dnsmasq_in_sync)" = 1 ]
	[ "$(metric "$text" galaf_gate_in_sync)" = 1 ]
	h=$(status_field .policy_hash)
	[ "$(metric "$text" "galaf_policy_info{policy_hash=\"$h\",loaded_hash=\"$h\"}")" = 1 ]
}

@test "an edited policy is out of sync, under its new hash" {
	setup_fleet
	local text old new
	old=$(status_field .loaded_hash)
	write_policy 8443
	new=$(status_field .policy_hash)
	[ "$old" != "$new" ]
	text=$(prom)
	[ "$(metric "$text" galaf_in_sync)" = 0 ]
	[ "$(metric "$text" galaf_ruleset_in_sync)" = 0 ]
	[ "$(metric "$text" "galaf_policy_info{policy_hash=\"$new\",loaded_hash=\"$old\"}")" = 1 ]
}

@test "a removed table: not loaded, not in sync, still written" {
	setup_fleet
	local text
	ip netns exec "$NS" nft delete table inet galaf
	text=$(prom)
	[ "$(metric "$text" galaf_table_loaded)" = 0 ]
	[ "$(metric "$text" galaf_in_sync)" = 0 ]
	metric "$text" 'galaf_policy_info{policy_hash="'"$(status_field .policy_hash)"'",loaded_hash=""}'
	run -1 grep '^galaf_packets_total' <<<"$text"
}

@test "the last apply's time, and a failed apply until one succeeds" {
	setup_fleet
	local text t good
	text=$(prom)
	t=$(metric "$text" galaf_apply_last_success_timestamp_seconds)
	good=$(stat -c %Y "$T/state/good/hash")
	[ "${t%.*}" = "$good" ]
	[ "$(metric "$text" galaf_apply_last_failure_timestamp_seconds)" = 0 ]
	# A policy the machine refuses: a group without gid that does not exist.
	jq --arg a "$APP" '.groups["nx" + $a] = { "execv": ["/bin/true"] }' "$T/p.json" >"$T/p2.json"
	mv "$T/p2.json" "$T/p.json"
	run -1 ip netns exec "$NS" "$GALAF_CONFIG" apply "$T/p.json"
	text=$(prom)
	t=$(metric "$text" galaf_apply_last_failure_timestamp_seconds)
	[ "${t%.*}" -ge "$good" ] && [ "${t%.*}" -gt 0 ]
	write_policy 443
	ip netns exec "$NS" "$GALAF_CONFIG" apply "$T/p.json" >/dev/null
	text=$(prom)
	[ "$(metric "$text" galaf_apply_last_failure_timestamp_seconds)" = 0 ]
}

@test "learned addresses per set, and the sets' size" {
	setup_fleet
	local text set
	set=$(ip netns exec "$NS" nft -j list table inet galaf |
		jq -r --arg a "$APP" '.nftables[].set? | select(.name? // "" | startswith($a + ".") and endswith("_4")) | .name')
	[ -n "$set" ]
	ip netns exec "$NS" nft add element inet galaf "$set" '{ 192.0.2.1, 192.0.2.2, 192.0.2.3 }'
	text=$(prom)
	[ "$(metric "$text" "galaf_learned_addresses{set=\"$set\",family=\"ipv4\"}")" = 3 ]
	[ "$(metric "$text" "galaf_learned_addresses{set=\"${set%_4}_6\",family=\"ipv6\"}")" = 0 ]
	[ "$(metric "$text" galaf_learned_set_size_max)" = 65536 ]
}

# nlsets: tests/helpers/nlsets.c, src/nft/netlink.c's reads printed.
build_nlsets() {
	cc -std=gnu17 -O2 -Wall -Wextra -Werror -I"$GALAF_TOP/src" -o "$BATS_TEST_TMPDIR/nlsets" \
		"$GALAF_TOP/tests/helpers/nlsets.c" "$GALAF_TOP/src/nft/netlink.c"
}

# nft_count NS TABLE SET: the elements nft -j lists in that set.
nft_count() {
	ip netns exec "$1" nft -j list set inet "$2" "$3" |
		jq '[.nftables[].set? | select(. != null) | (.elem // []) | length] | add'
}

@test "netlink reads sets as nft -j list set does: table, counts, marks and counters" {
	local ns s i
	build_nlsets
	galaf_netns ns
	{
		echo 'table inet nlt {'
		echo '	set marks { type mark; size 65536; flags dynamic; counter; }'
		echo '	set v4 { type ipv4_addr; flags timeout; timeout 1h; }'
		echo '	set v6 { type ipv6_addr; }'
		echo '	set none { type mark; }'
		echo '}'
		# 2,000 marks: the dump spans many netlink messages and reads.
		printf 'add element inet nlt marks {'
		for ((i = 0; i < 2000; i++)); do
			printf '%s 0x%08x counter packets %d bytes %d' "${i:+,}" $(((30000 + i) * 65536 + 1000)) "$i" $((i * 1400))
		done
		echo ' }'
		echo 'add element inet nlt marks { 0x00000001 counter packets 7 bytes 123456789012 }'
		printf 'add element inet nlt v4 {'
		for ((i = 0; i < 300; i++)); do printf '%s 192.0.%d.%d' "${i:+,}" $((i / 250)) $((i % 250 + 1)); done
		echo ' }'
		echo 'add element inet nlt v6 { 2001:db8::1, 2001:db8::2, 2001:db8::3 }'
	} | sed 's/^{,/{/; s/{, /{ /' >"$BATS_TEST_TMPDIR/sets.nft"
	ip netns exec "$ns" nft -f "$BATS_TEST_TMPDIR/sets.nft"
	run -0 ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nlt exists
	run -3 ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nosuch exists
	# Counts: from the table's set dump (NFTA_SET_COUNT) and from each set's own.
	for s in marks v4 v6 none; do
		echo "$s $(nft_count "$ns" nlt "$s")"
	done >"$BATS_TEST_TMPDIR/want"
	echo "nosuch -1" >>"$BATS_TEST_TMPDIR/want"
	[ "$(head -1 "$BATS_TEST_TMPDIR/want")" = "marks 2001" ]
	ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nlt counts marks v4 v6 none nosuch >"$BATS_TEST_TMPDIR/counts"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/counts"
	ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nlt dumped marks v4 v6 none nosuch >"$BATS_TEST_TMPDIR/dumped"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/dumped"
	# Every mark with its packets and bytes.
	ip netns exec "$ns" nft -j list set inet nlt marks |
		jq -r '.nftables[].set? | select(. != null) | .elem[] | .elem | "\(.val) \(.counter.packets) \(.counter.bytes)"' |
		while read -r v p b; do printf '0x%08x %s %s\n' "$v" "$p" "$b"; done | sort >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" = 2001 ]
	grep -qx '0x00000001 7 123456789012' "$BATS_TEST_TMPDIR/want"
	ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nlt elems marks | sort >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	run -1 ip netns exec "$ns" "$BATS_TEST_TMPDIR/nlsets" nlt elems nosuch
}

@test "apply saves a brief of the policy; the textfile is the same with it, without it, or with a broken one" {
	setup_fleet
	local set
	head -1 "$T/state/good/brief" | grep -qx 'galaf-brief 1'
	grep -qx "policy	$(sha256sum <"$T/p.json" | cut -d' ' -f1)" "$T/state/good/brief"
	# Counters and learned addresses, so every part of the file has rows.
	set=$(ip netns exec "$NS" nft -j list sets table inet galaf |
		jq -r --arg a "$APP" '.nftables[].set? | select(.name? // "" | startswith($a + ".") and endswith("_4")) | .name')
	ip netns exec "$NS" nft add element inet galaf "$set" '{ 192.0.2.1, 192.0.2.2 }'
	ip netns exec "$NS" nft add element inet galaf stats_out \
		"{ $(printf '0x%08x' $((GID * 65536 + 1000))) counter packets 3 bytes 4500, 0x00000005 counter packets 1 bytes 60 }"
	prom >"$T/with"
	grep -q "^galaf_bytes_total{.*app=\"$APP\"" "$T/with"
	[ "$(metric "$(cat "$T/with")" galaf_in_sync)" = 1 ]
	# Stale (another policy's hash), cut short, and gone: the policy is loaded instead.
	cp "$T/state/good/brief" "$T/brief"
	# (another table too: a brief used in spite of its hash would show.)
	sed -i -e "2s/.*/policy	$(printf '0%.0s' {1..64})/" -e 's/^table	.*/table	elsewhere/' \
		"$T/state/good/brief"
	grep -q '^table	elsewhere$' "$T/state/good/brief"
	prom >"$T/stale"
	head -c 200 "$T/brief" >"$T/state/good/brief"
	prom >"$T/cut"
	# Cut at a line's end: only the missing 'end' line tells.
	head -n 5 "$T/brief" >"$T/state/good/brief"
	prom >"$T/cut-line"
	rm "$T/state/good/brief"
	prom >"$T/without"
	cmp "$T/with" "$T/stale"
	cmp "$T/with" "$T/cut"
	cmp "$T/with" "$T/cut-line"
	cmp "$T/with" "$T/without"
}

@test "the brief is found through POLICY.state_dir, and is used only for the bytes it was made from" {
	setup_fleet
	[ "$(cat "$T/p.json.state_dir")" = "$T/state" ]
	prom >"$T/with"
	mv "$T/p.json.state_dir" "$T/note"
	prom >"$T/without"
	cmp "$T/with" "$T/without"
	mv "$T/note" "$T/p.json.state_dir"
	# The brief is what is read: one that names another table is believed.
	cp "$T/state/good/brief" "$T/brief"
	sed -i 's/^table\t.*/table\tnosuch/' "$T/state/good/brief"
	[ "$(metric "$(prom)" galaf_table_loaded)" = 0 ]
	# But not for a policy of other bytes (one more newline: the same rules).
	echo >>"$T/p.json"
	prom >"$T/edited"
	[ "$(metric "$(cat "$T/edited")" galaf_table_loaded)" = 1 ]
	cp "$T/brief" "$T/state/good/brief"
	prom >"$T/edited2"
	cmp "$T/edited" "$T/edited2"
}

@test "marker and DNS name lists: what status says, one state at a time" {
	setup_fleet
	local text m state
	text=$(prom)
	m=$(status_field '.marker_loaded | if . then 1 else 0 end')
	[ "$(metric "$text" galaf_marker_loaded)" = "$m" ]
	state=$(status_field .dns_names.state)
	[ "$(metric "$text" "galaf_dns_names_state{state=\"$state\"}")" = 1 ]
	[ "$(grep -c '^galaf_dns_names_state{.*} 1$' <<<"$text")" = 1 ]
	[ "$(grep -c '^galaf_dns_names_state{' <<<"$text")" = 4 ]
}

# --- README ------------------------------------------------------------------

@test "README's Many machines commands run as written" {
	local block line n=0
	block=$(awk '/^<!-- tests\/bats\/fleet.bats runs these commands -->/ { f = 1; next }
		f && /^```sh/ { g = 1; next } g && /^```/ { exit } g' "$GALAF_TOP/README.md")
	[ -n "$block" ]
	T=$(mktemp -d /tmp/galaf-fleet.XXXXXX)
	galaf_on_cleanup "rm -rf '$T'"
	galaf_netns NS
	mkdir "$T/home" "$T/tmp"
	# The playbook on this host, in the namespace, with its files under $T.
	cat >"$T/vars.json" <<EOV
{ "galaf_install": "none", "galaf_manage_units": false,
  "galaf_config_bin": "$GALAF_CONFIG",
  "galaf_policy_path": "$T/etc/galaf/galaf.json",
  "galaf_gate_index": "$T/etc/galaf/gate.index",
  "galaf_dnsmasq_conf": "$T/etc/dnsmasq.d/galaf.conf",
  "galaf_state_dir": "$T/var/lib/galaf",
  "galaf_policy__zz_test": { "config": { "dns": { "reload": null } } } }
EOV
	export HOME=$T/home ANSIBLE_LOCAL_TEMP=$T/tmp ANSIBLE_REMOTE_TEMP=$T/tmp \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
	cd "$GALAF_TOP"
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		"ansible-playbook -i contrib/ansible/inventory.ini "*)
			# The inventory's hosts are examples: run against this one.
			eval "ip netns exec $NS ${line/-i contrib\/ansible\/inventory.ini/-c local -i localhost,} -e @$T/vars.json"
			;;
		promtool\ *) eval "$line" ;;
		"systemctl enable --now galaf-stats-textfile.timer"*)
			# No systemd here: the unit exists and is installed (systemd.bats verifies it).
			[ -f systemd/galaf-stats-textfile.timer ]
			grep -q galaf-stats-textfile.timer scripts/install.sh
			;;
		*) echo "README line not covered by this test: $line" >&2; return 1 ;;
		esac
	done <<<"$block"
	[ "$n" = 4 ]
	ip netns exec "$NS" "$GALAF_CONFIG" status "$T/etc/galaf/galaf.json"
	jq -e '.users._apt.domains == ["deb.debian.org", "security.debian.org"]' "$T/etc/galaf/galaf.json"
}
