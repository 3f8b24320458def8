#!/usr/bin/env bats
# apply never hangs and never lies about what changed (issue 16 §3): the
# reload command is bounded in time, "applied, but a follow-up step failed"
# has an exit status of its own and status reports it, a null reload is
# warned about and a dnsmasq older than its file is reported, and a rollback
# finds the saved state of a policy that no longer parses.
# shellcheck disable=SC2154,SC2153 # run sets stderr; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

# policy NAME DNS_EXTRA DOMAIN [STATE]: one app allowed DOMAIN; DNS_EXTRA goes into config.dns.
policy() {
	cat >"$E2E_DIR/$1.json" <<-EOF
	{
	  "config": {
	    "dns": { "conf": "$E2E_DIR/dnsmasq.conf", $2 },
	    "gate_index": "$E2E_DIR/gate.index",
	    "state_dir": "${4:-$E2E_DIR/state}"
	  },
	  "groups": {
	    "$E2E_APP_A": { "gid": $E2E_GID_A, "execv": ["/bin/true"],
	      "allow": [{ "to": ["$3"], "proto": "tcp", "ports": [8080] }] }
	  }
	}
	EOF
}

# status_fails POLICY JSON TEXT...: status exits 1 and says every TEXT, and
# status --json exits 1 and holds JSON.
status_fails() {
	local p=$1 json=$2 t
	shift 2
	run -1 ip netns exec "$CLI" "$GALAF_CONFIG" status "$p"
	echo "$output"
	for t in "$@"; do
		[[ $output == *"$t"* ]] || return 1
	done
	run -1 ip netns exec "$CLI" "$GALAF_CONFIG" status --json "$p"
	[[ $output == *"$json"* ]] || return 1
}

setup_file() {
	e2e_setup
}

teardown_file() {
	galaf_cleanup
}

setup() {
	rm -rf "$E2E_DIR/state" "$E2E_DIR/dnsmasq.conf" "$E2E_DIR"/*.state_dir
}

@test "a reload command that never exits is killed after config.dns.reload_timeout; apply exits 4" {
	# A duration no other process has, so that pgrep sees this one only.
	local secs=$((100000 + RANDOM))
	policy p1 "\"reload\": [\"/bin/sleep\", \"$secs\"], \"reload_timeout\": 1" a.test
	SECONDS=0
	run -4 --separate-stderr timeout 20 ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	echo "$stderr"
	[ "$SECONDS" -lt 10 ]
	[[ $stderr == *"did not finish within 1 s (config.dns.reload_timeout) and was killed"* ]]
	[[ $stderr == *"applied, but a follow-up step failed (exit 4)"* ]]
	if pgrep -fx "/bin/sleep $secs"; then
		pkill -fx "/bin/sleep $secs"
		echo "the reload command outlived its timeout" >&2
		return 1
	fi
	# The lock is free: the next apply does not wait.
	policy p2 '"reload": ["/bin/true"]' b.test
	run -0 timeout 20 ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p2.json"
}

@test "the summary is on stdout before the reload command writes there, even through a pipe" {
	policy p1 '"reload": ["/bin/echo", "reload-ran"]' a.test
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "$E2E_DIR/p1.json: applied to table inet galaf"* ]]
	[ "${lines[1]}" = reload-ran ]
}

@test "a failed reload after the commit exits 4, status says so until an apply completes" {
	policy p1 '"reload": ["/bin/false"]' a.test
	run -4 --separate-stderr ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	[[ $stderr == *"the dnsmasq reload command failed"* ]]
	run -0 e2e_nft list table inet galaf # the ruleset is in force
	status_fails "$E2E_DIR/p1.json" '"followup_failed": "the dnsmasq reload command failed\n"' \
		"last apply: applied, but these follow-up steps failed" "the dnsmasq reload command failed"
	policy p1 '"reload": ["/bin/true"]' a.test
	rm -f "$E2E_DIR/dnsmasq.conf" # so that the reload runs again
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p1.json"
	echo "$output"
	[[ $output != *"follow-up steps failed"* ]]
}

@test "with a null reload, apply warns and status reports the dnsmasq that started before its file changed" {
	policy p1 '"reload": null' a.test
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	e2e_dns_start
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p1.json"
	echo "$output"
	[[ $output != *"STARTED BEFORE"* ]]
	sleep 0.2
	policy p2 '"reload": null' b.test
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p2.json"
	[[ $stderr == *"warning: config.dns.reload is null: a running dnsmasq keeps the old domain lists"* ]]
	status_fails "$E2E_DIR/p2.json" '"dnsmasq_started_before_conf": true' \
		"STARTED BEFORE $E2E_DIR/dnsmasq.conf last changed" "status: NOT in sync"
	e2e_forwarder_restart
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" status "$E2E_DIR/p2.json"
	[[ $output != *"STARTED BEFORE"* ]]
}

@test "rollback --last-good finds a state_dir that is not the default when the policy does not parse" {
	policy p1 '"reload": null' a.test "$E2E_DIR/elsewhere"
	run -0 ip netns exec "$CLI" "$GALAF_CONFIG" apply "$E2E_DIR/p1.json"
	[ "$(cat "$E2E_DIR/p1.json.state_dir")" = "$E2E_DIR/elsewhere" ]
	e2e_nft delete table inet galaf
	echo '{ "config": ' >"$E2E_DIR/p1.json"
	run -0 --separate-stderr ip netns exec "$CLI" "$GALAF_CONFIG" rollback --last-good "$E2E_DIR/p1.json"
	echo "$stderr"
	[[ $stderr == *"using the state in $E2E_DIR/elsewhere"* ]]
	run -0 e2e_nft list set inet galaf applied
}
