#!/usr/bin/env bats
# galaf-stats: counters from real traffic of two apps and a user in throwaway
# namespaces, golden layouts from a saved listing (tests/fixtures/stats), the
# Prometheus exposition format, --watch, --tried, and its errors.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
# shellcheck disable=SC2153 # E2E_* come from e2e_setup
bats_require_minimum_version 1.5.0
load ../lib/e2e

FIX=$GALAF_TOP/tests/fixtures/stats
SINK_PORT=9000

# galaf-stats in the client namespace, through GALAF_WRAP.
gs() {
	# shellcheck disable=SC2086 # GALAF_WRAP is words
	ip netns exec "$CLI" $GALAF_WRAP "$GALAF_STATS" "$@"
}

# galaf-stats on the saved listing and the fixture policy.
gs_fixture() {
	# shellcheck disable=SC2086
	$GALAF_WRAP "$GALAF_STATS" --input "$FIX/listing.json" --policy "$FIX/policy.json" "$@"
}

# send_as UID GID BYTES: one TCP connection to the sink carrying BYTES of payload.
send_as() {
	ip netns exec "$CLI" setpriv --reuid="$1" --regid="$2" --clear-groups "$PYTHON" -c '
import socket, sys
s = socket.create_connection(("10.200.0.2", int(sys.argv[2])), timeout=5)
s.sendall(b"x" * int(sys.argv[1]))
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
while s.recv(65536):
    pass
s.close()' "$3" "$SINK_PORT"
}

setup_file() {
	[ -x "$GALAF_STATS" ] || {
		echo "$GALAF_STATS is missing; run make" >&2
		return 1
	}
	if ! command -v socat >/dev/null || ! command -v script >/dev/null; then
		echo "socat and script (util-linux) are needed (apt-get install socat util-linux)" >&2
		return 1
	fi
	e2e_setup
	e2e_user2 || return 1
	# A sink that reads everything and closes when the client is done.
	ip netns exec "$SRV" socat -u "TCP-LISTEN:$SINK_PORT,bind=10.200.0.2,fork,reuseaddr" \
		OPEN:/dev/null >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for sh -c "ip netns exec $SRV ss -Hltn 'sport = :$SINK_PORT' | grep -q ."
	e2e_serve tcp 10.200.0.3 9090
	local sink="{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [$SINK_PORT] }"
	e2e_policy "$E2E_DIR/p.json" "
	  \"users\": { \"$E2E_USER2\": { \"uid\": $E2E_UID2, \"allow\": [$sink] } },
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"], \"allow\": [$sink] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"], \"allow\": [$sink] }
	  }"
	e2e_apply "$E2E_DIR/p.json" >&3
}

teardown_file() {
	galaf_cleanup
}


# TCP segments the client namespace retransmitted so far.
retrans() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$CLI" awk '/^Tcp:/ { if (n++) print $13 }' /proc/net/snmp
}

# check_sent BEFORE AFTER RETRANS: the rows of the apps and the user grew by
# what they sent (payload plus at most 80 bytes of headers per packet, and
# RETRANS retransmitted segments of at most 1500 bytes), under the right
# names, in every set that should count them.
check_sent() {
	"$PYTHON" - "$1" "$2" "$3" <<-EOF
	import json, sys
	before, after = (json.load(open(f)) for f in sys.argv[1:3])
	slack = 1500 * int(sys.argv[3])
	def rows(doc, s):
	    return {r["name"]: r for x in doc["stats"] if x["set"] == s for r in x["rows"]}
	sent = {"-/$E2E_APP_A": (300000, "$E2E_APP_A", $E2E_GID_A, None, None),
	        "-/$E2E_APP_B": (120000, "$E2E_APP_B", $E2E_GID_B, None, None),
	        "$E2E_USER2/-": (50000, None, None, "$E2E_USER2", $E2E_UID2)}
	for name, (payload, app, gid, user, uid) in sent.items():
	    for s in ("stats_out_pre", "stats_out", "stats_in"):
	        r = rows(after, s).get(name)
	        assert r, (s, name, "no row", rows(after, s).keys())
	        assert (r["app"], r["gid"], r["user"], r["uid"]) == (app, gid, user, uid), r
	        old = rows(before, s).get(name, {"packets": 0, "bytes": 0})
	        dp, db = r["packets"] - old["packets"], r["bytes"] - old["bytes"]
	        assert dp > 0, (s, name, dp)
	        if s != "stats_in":
	            assert payload <= db <= payload + 80 * dp + slack, (s, name, payload, db, dp, slack)
	        print(s, name, "sent", payload, "counted", db, "in", dp, "packets")
	EOF
}

@test "--json counts two apps and a user under their names, bytes as sent" {
	local r0
	r0=$(retrans)
	run -0 --separate-stderr gs --json
	printf '%s\n' "$output" >"$E2E_DIR/before.json"
	send_as "$E2E_UID" "$E2E_GID_A" 300000
	send_as "$E2E_UID" "$E2E_GID_B" 120000
	send_as "$E2E_UID2" "$E2E_UGID2" 50000
	run -0 --separate-stderr gs --json
	printf '%s\n' "$output" >"$E2E_DIR/after.json"
	run check_sent "$E2E_DIR/before.json" "$E2E_DIR/after.json" "$(($(retrans) - r0))"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "the table names the apps and the user, with units" {
	send_as "$E2E_UID" "$E2E_GID_A" 2000
	run -0 --separate-stderr gs --plain
	[[ $output == *"accepted out (stats_out)"* ]]
	[[ $output == *"-/$E2E_APP_A "* ]]
	[[ $output == *"$E2E_USER2/- "* ]]
	[[ $output == *" KiB"* ]]
	[[ ${lines[1]} == "user/app "*" mark "*" packets "*" bytes" ]]
	[[ $output == *$'\n'"total "* ]]
	[[ $output != *"┌"* ]]
}

@test "box drawing on a terminal, plain columns in a pipe" {
	run -0 ip netns exec "$CLI" script -qec "LC_ALL=C.UTF-8 $GALAF_STATS" /dev/null
	[[ $output == *"┌"*"│ user/app"*"└"* ]]
	run -0 gs
	[[ $output != *"│"* ]]
}

@test "the table layout matches the golden files (box and plain)" {
	# The fixture's unknown ids must be unknown here too.
	run -2 getent group 64999
	run -2 getent passwd 64998
	local style
	for style in box plain; do
		run -0 --separate-stderr gs_fixture "--$style"
		diff -u "$FIX/expected.$style" <(printf '%s\n' "$output")
	done
	run -0 --separate-stderr gs_fixture --exact --plain
	diff -u "$FIX/expected-exact.plain" <(printf '%s\n' "$output")
}

@test "--json of the saved listing matches its golden file and parses" {
	run -0 --separate-stderr gs_fixture --json
	diff -u "$FIX/expected.json" <(printf '%s\n' "$output")
	printf '%s\n' "$output" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"] == 1 and [s["set"] for s in d["stats"]] == ["stats_out_pre", "stats_out", "stats_in"]
for s in d["stats"]:
    assert s["total"]["bytes"] == sum(r["bytes"] for r in s["rows"])
    assert [r["bytes"] for r in s["rows"]] == sorted((r["bytes"] for r in s["rows"]), reverse=True)'
}

# parse_prom FILE: strict parse with the Prometheus client's parser.
parse_prom() {
	"$PYTHON" - "$@" <<-'EOF'
	import sys
	from prometheus_client.parser import text_string_to_metric_families
	text = open(sys.argv[1]).read()
	fams = {f.name: f for f in text_string_to_metric_families(text)}
	# The fleet metrics (galaf-stats(8)) are gauges; fleet.bats checks them.
	fleet = {"galaf_table_loaded", "galaf_in_sync", "galaf_ruleset_in_sync",
	         "galaf_dnsmasq_in_sync", "galaf_gate_in_sync", "galaf_policy_info",
	         "galaf_apply_last_success_timestamp_seconds",
	         "galaf_apply_last_failure_timestamp_seconds", "galaf_learned_addresses",
	         "galaf_learned_set_size_max", "galaf_marker_loaded", "galaf_dns_names_state"}
	for n in set(fams) & fleet:
	    assert fams.pop(n).type == "gauge", n
	assert set(fams) == {"galaf_packets", "galaf_bytes"}, fams.keys()
	for f in fams.values():
	    assert f.type == "counter", f.type
	    for s in f.samples:
	        assert s.name == f.name + "_total", s.name
	        assert set(s.labels) == {"user", "app", "mark", "direction", "stage"}, s.labels
	        assert s.labels["direction"] in ("in", "out") and s.labels["stage"] in ("attempted", "accepted")
	        assert s.value >= 0
	if len(sys.argv) > 2:
	    want = [s for s in fams["galaf_bytes"].samples
	            if s.labels["app"] == sys.argv[2] and s.labels["user"] == ""
	            and s.labels["direction"] == "out" and s.labels["stage"] == "accepted"]
	    assert len(want) == 1 and want[0].value > 0, want
	EOF
}

@test "--prometheus output parses as the exposition format" {
	"$PYTHON" -c 'import prometheus_client' || {
		echo "python3-prometheus-client is missing (apt-get install python3-prometheus-client)" >&2
		return 1
	}
	send_as "$E2E_UID" "$E2E_GID_A" 1000
	run -0 --separate-stderr gs --prometheus
	printf '%s\n' "$output" >"$E2E_DIR/live.prom"
	run -0 parse_prom "$E2E_DIR/live.prom" "$E2E_APP_A"
	run -0 --separate-stderr gs_fixture --prometheus
	diff -u "$FIX/expected.prom" <(printf '%s\n' "$output")
	run -0 parse_prom "$FIX/expected.prom"
}

@test "--tried lists a refused destination, marked refused" {
	run -1 e2e_probe "$E2E_GID_A" tcp 10.200.0.3 9090
	run -0 --separate-stderr gs --tried "$E2E_APP_A" --plain
	[[ $output == *"-/$E2E_APP_A"*"10.200.0.3"*"tcp"*"9090"*"refused"* ]]
	[[ $output != *"$E2E_APP_B"* ]]
	run -0 --separate-stderr gs --tried="$E2E_APP_A" --json
	printf '%s\n' "$output" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
hit = [t for t in d["tried"] if t["address"] == "10.200.0.3" and t["port"] == 9090]
assert hit and hit[0]["refused"] and hit[0]["refused_packets"] > 0 and hit[0]["proto"] == "tcp", d
assert all(t["app"] == sys.argv[1] for t in d["tried"]), d' "$E2E_APP_A"
}

@test "--tried NAME: a user and an app-range group by that name is ambiguous unless the policy names it" {
	local amb
	galaf_user_in_app_range amb
	run -1 --separate-stderr gs --policy "$E2E_DIR/p.json" --tried "$amb"
	[[ $stderr == *"'$amb' is both a user and a group in the app gid range"*"name it in the policy"* ]]
	jq --arg u "$amb" --argjson id "$(id -u "$amb")" '.users[$u] = { uid: $id }' \
		"$E2E_DIR/p.json" >"$E2E_DIR/amb.json"
	run -0 --separate-stderr gs --policy "$E2E_DIR/amb.json" --tried "$amb" --json
}

@test "--tried of the saved listing matches its golden files" {
	run -0 --separate-stderr gs_fixture --tried --plain
	diff -u "$FIX/expected-tried.plain" <(printf '%s\n' "$output")
	run -0 --separate-stderr gs_fixture --tried --json
	diff -u "$FIX/expected-tried.json" <(printf '%s\n' "$output")
}

@test "--watch prints rates per second, one JSON document per update" {
	gs --watch 0.5 --count 2 --json >"$E2E_DIR/watch.json" 2>"$E2E_DIR/watch.err" 3>&- &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		send_as "$E2E_UID" "$E2E_GID_B" 20000
	done
	wait "$pid"
	run -0 "$PYTHON" - "$E2E_DIR/watch.json" "$E2E_APP_B" <<-'EOF'
	import json, sys
	docs = [json.loads(l) for l in open(sys.argv[1])]
	assert len(docs) == 2, len(docs)
	seen = 0
	for d in docs:
	    assert d["interval"] > 0.4, d["interval"]
	    for s in d["stats"]:
	        for r in s["rows"]:
	            assert r["bytes_per_second"] >= 0 and r["packets"] > 0
	            if r["app"] == sys.argv[2] and s["set"] == "stats_out":
	                assert abs(r["bytes_per_second"] * d["interval"] - r["bytes"]) <= 1 + r["bytes"] * 0.01
	                seen += r["bytes"]
	assert seen >= 20000, seen
	EOF
}

@test "not root: a clear error, exit 1" {
	run -1 --separate-stderr ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$E2E_UGID" \
		--clear-groups "$GALAF_STATS"
	[[ $stderr == *"needs root"* ]]
	[ -z "$output" ]
}

@test "galaf not applied: a clear error, exit 1" {
	run -1 --separate-stderr ip netns exec "$SRV" "$GALAF_STATS" --json
	[[ $stderr == *"table inet galaf is not loaded"*"galaf-config apply"* ]]
	run -1 --separate-stderr gs --table nosuch
	[[ $stderr == *"table inet nosuch is not loaded"* ]]
}

@test "usage errors exit 2; --help exits 0" {
	run -2 --separate-stderr "$GALAF_STATS" --json --prometheus
	[[ $stderr == *"Try 'galaf-stats --help'"* ]]
	run -2 --separate-stderr "$GALAF_STATS" --count 2
	run -2 --separate-stderr "$GALAF_STATS" --watch 0
	run -2 --separate-stderr "$GALAF_STATS" --tried --watch 1
	run -2 --separate-stderr "$GALAF_STATS" stray
	run -0 --separate-stderr "$GALAF_STATS" --help
	[[ $output == "Usage: galaf-stats"* ]]
	run -0 "$GALAF_STATS" --version
}

# A namespace made by a test (the file's cleanups do not see the test's).
# Also what a test registered itself (setup_file's cleanups are not in this process).
teardown() {
	if [ -n "${MASK_NS:-}" ]; then
		ip netns del "$MASK_NS"
	fi
	galaf_cleanup
}

@test "with config.mark_mask, masked marks keep their policy names" {
	local masked=$E2E_DIR/masked.json ns
	"$PYTHON" - "$FIX/policy.json" "$masked" <<-'EOF'
	import json, sys
	p = json.load(open(sys.argv[1]))
	p["config"]["mark_mask"] = "0xff00ffff"
	p["groups"]["stats-mail"]["gid"] = 64258  # 0xfb02: distinct from 0xfa01 under the mask
	json.dump(p, open(sys.argv[2], "w"))
	EOF
	MASK_NS="galaf-t-$(galaf_rand)"
	ns=$MASK_NS
	ip netns add "$ns"
	"$GALAF_CONFIG" render --nft "$masked" | ip netns exec "$ns" nft -f -
	ip netns exec "$ns" nft add element inet galaf stats_out \
		'{ 0xfa00fbf4 counter packets 1 bytes 100, 0xfb000001 counter packets 2 bytes 200 }'
	# shellcheck disable=SC2086
	run -0 --separate-stderr ip netns exec "$ns" $GALAF_WRAP "$GALAF_STATS" --policy "$masked" --plain
	[[ $output == *"stats-user/stats-web  0xfa00fbf4"* ]]
	[[ $output == *"root/stats-mail       0xfb000001"* ]]
	# shellcheck disable=SC2086
	run -0 --separate-stderr ip netns exec "$ns" $GALAF_WRAP "$GALAF_STATS" --policy "$masked" \
		--tried stats-web --json
}
