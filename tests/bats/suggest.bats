#!/usr/bin/env bats
# galaf-config suggest end to end: an app is refused, suggest prints allow
# entries, and applying them lets the connection through. Names come from
# dnsmasq's query log and from the learned sets.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
# shellcheck disable=SC2153 # E2E_* come from e2e_setup
bats_require_minimum_version 1.5.0
load ../lib/e2e

suggest() {
	# shellcheck disable=SC2086 # GALAF_WRAP is words
	ip netns exec "$CLI" $GALAF_WRAP "$GALAF_CONFIG" suggest "$@"
}

setup_file() {
	e2e_setup
	e2e_serve tcp 10.200.0.2 8080
	e2e_serve tcp 10.200.0.2 9090
	e2e_serve tcp 10.200.0.3 9090
	# Without per-app name lists: the query-log case needs an app that
	# resolves a name outside its list, which the resolver refuses otherwise.
	# shellcheck disable=SC2034 # read by e2e_policy
	E2E_DNS_EXTRA='"names": false'
	e2e_policy "$E2E_DIR/p.json" "
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"app.test\"], \"proto\": \"tcp\", \"ports\": [8080] }] }
	  }"
	e2e_apply "$E2E_DIR/p.json" >&3
	# The forwarder reads galaf's file and logs every answer.
	cat >"$E2E_DIR/logging.conf" <<-EOF
	conf-file=$E2E_DIR/dnsmasq.conf
	log-queries
	log-facility=$E2E_DIR/dns.log
	EOF
	e2e_dns_start "$E2E_DIR/logging.conf"
}

teardown_file() {
	galaf_cleanup
}

# has_entry JSON ADDR PROTO PORT [NAME]: the suggestion allows ADDR (and NAME) on PROTO/PORT.
has_entry() {
	"$PYTHON" - "$@" <<-'EOF'
	import json, sys
	doc, addr, proto, port = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
	names = sys.argv[5:]
	hits = [e for e in doc["allow"] if addr in e["to"] and e["proto"] == proto
	        and port in e.get("ports", []) and all(n in e["to"] for n in names)]
	assert hits, doc
	EOF
}

# merge POLICY APP SUGGESTION OUT: APP's allow list with the suggestion added.
merge() {
	"$PYTHON" - "$@" <<-'EOF'
	import json, sys
	policy = json.load(open(sys.argv[1]))
	policy["groups"][sys.argv[2]]["allow"] += json.loads(sys.argv[3])["allow"]
	json.dump(policy, open(sys.argv[4], "w"), indent=2, ensure_ascii=False)
	EOF
}

@test "suggest prints an entry that, applied, lets the refused connection through" {
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 9090
	run -0 --separate-stderr suggest "$E2E_DIR/p.json" "$E2E_APP_A"
	echo "$output"
	has_entry "$output" 10.200.0.3 tcp 9090
	merge "$E2E_DIR/p.json" "$E2E_APP_A" "$output" "$E2E_DIR/p1.json"
	run -0 e2e_apply "$E2E_DIR/p1.json"
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 9090
	# Now allowed: no longer suggested.
	run -0 --separate-stderr suggest "$E2E_DIR/p1.json" "$E2E_APP_A"
	run -1 has_entry "$output" 10.200.0.3 tcp 9090
}

@test "a refused address is named from dnsmasq's query log" {
	run -0 e2e_probe "$E2E_GID_B" resolve 127.0.0.1 other.test
	[ "$output" = 10.200.0.3 ]
	run -1 e2e_probe "$E2E_GID_B" tcp 10.200.0.3 9090
	wait_for grep -q "other.test is 10.200.0.3" "$E2E_DIR/dns.log"
	run -0 --separate-stderr suggest --log "$E2E_DIR/dns.log" "$E2E_DIR/p.json" "$E2E_APP_B"
	echo "$output"
	has_entry "$output" 10.200.0.3 tcp 9090 other.test
	merge "$E2E_DIR/p.json" "$E2E_APP_B" "$output" "$E2E_DIR/p2.json"
	run -0 e2e_apply "$E2E_DIR/p2.json"
	run -0 e2e_probe "$E2E_GID_B" tcp 10.200.0.3 9090
}

@test "a refused address is named from another entry's learned set" {
	run -0 e2e_probe "$E2E_GID_B" resolve 127.0.0.1 app.test
	run -0 e2e_nft list set inet galaf "$E2E_APP_B.0_4"
	[[ $output == *10.200.0.2* ]]
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 9090
	run -0 --separate-stderr suggest "$E2E_DIR/p.json" "$E2E_APP_A"
	echo "$output"
	has_entry "$output" 10.200.0.2 tcp 9090 app.test
}

@test "the suggestion is a valid policy fragment with a comment" {
	run -0 --separate-stderr suggest "$E2E_DIR/p.json" "$E2E_APP_A"
	[[ $output == *'"#": "galaf refused '* ]]
	merge "$E2E_DIR/p.json" "$E2E_APP_A" "$output" "$E2E_DIR/p3.json"
	run -0 "$GALAF_CONFIG" check "$E2E_DIR/p3.json"
}

@test "errors: unknown app, usage, not root" {
	run -1 --separate-stderr suggest "$E2E_DIR/p.json" galaf-no-such-app
	[[ $stderr == *"no app or user named 'galaf-no-such-app'"* ]]
	run -2 --separate-stderr suggest
	run -0 --separate-stderr "$GALAF_CONFIG" suggest --help
	[[ $output == "Usage: galaf-config suggest"* ]]
	run -1 --separate-stderr ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$E2E_UGID" \
		--clear-groups "$GALAF_CONFIG" suggest "$E2E_APP_A"
	[[ $stderr == *"needs root"* ]]
	run -1 --separate-stderr ip netns exec "$SRV" "$GALAF_CONFIG" suggest "$E2E_DIR/p.json" "$E2E_APP_A"
	[[ $stderr == *"not loaded"* ]]
}
