#!/usr/bin/env bats
# Incremental re-apply: after every change of a policy, the table that
# apply patched in place must be exactly what loading the same ruleset into
# an empty namespace gives (learned addresses aside), and only the delta
# path may have been used where it applies.
# shellcheck disable=SC2154 # run sets output
bats_require_minimum_version 1.5.0
load ../lib/common

setup_file() {
	command -v jq >/dev/null || {
		echo "jq is missing" >&2
		return 1
	}
	DIR=$(mktemp -d /tmp/galaf-delta.XXXXXX)
	galaf_on_cleanup "rm -rf $DIR"
	galaf_netns NS
	local i g
	for i in A B C; do
		g=$(galaf_free_gid)
		galaf_group "APP_$i" "$g"
		printf -v "GID_$i" '%s' "$g"
	done
	galaf_user USR
	export DIR NS APP_A APP_B APP_C GID_A GID_B GID_C USR
}

teardown_file() {
	galaf_cleanup
}

setup() {
	# Each test registers its own cleanups; the file's stay with setup_file.
	_galaf_cleanups=()
}

teardown() {
	galaf_cleanup
}

# policy FILE MODE TIMEOUT ENTRIES: one policy; ENTRIES is the "groups" body.
policy() {
	cat >"$DIR/$1.json" <<-EOF
	{
	  "config": {
	    "dns": { "conf": "$DIR/dnsmasq.conf", "reload": null, "timeout": $3 },
	    "gate_index": "$DIR/gate.index",
	    "state_dir": "$DIR/state",
	    "mode": "$2"
	  },
	  "users": {
	    "$USR": { "allow": [{ "to": [$5], "proto": "tcp", "ports": [22] }],
	              "inbound": [{ "from": ["10.9.0.0/16"], "proto": "tcp", "ports": [2222] }] }
	  },
	  "groups": { $4 }
	}
	EOF
}

app() { # NAME GID TO PORTS
	printf '"%s": { "gid": %s, "execv": ["/bin/true"], "allow": [{ "to": [%s], "proto": "tcp", "ports": [%s] }] }' "$@"
}

# The table as JSON, without handles, the "applied" set or learned
# elements (sets with a timeout or counters), objects sorted by name,
# rules kept in chain order.
normalized() {
	ip netns exec "$1" nft -j list table inet galaf | jq -S '
	  [.nftables[] | select(has("metainfo") | not) | del(.. | .handle?)
	   | select(.set.name != "applied")
	   | if .set.timeout or .set.stmt then del(.set.elem) else . end
	   | if .set.elem then .set.elem |= sort else . end
	   | if .map.elem then .map.elem |= sort else . end]
	  | (map(select(has("rule") | not)) | sort_by(keys[0], (.[] | .name)))
	    + (map(select(has("rule"))) | sort_by(.rule.chain))'
}

# same_as_fresh: loads the last applied ruleset into a namespace of its own
# and compares the two tables.
same_as_fresh() {
	local fresh rc=0
	fresh="galaf-t-$(galaf_rand)"
	ip netns add "$fresh" || return 1
	ip netns exec "$fresh" nft -f "$DIR/state/good/ruleset.nft" &&
		diff <(normalized "$fresh") <(normalized "$NS") || rc=1
	ip netns del "$fresh"
	return "$rc"
}

# apply_step NAME: applies NAME.json in NS and compares with a fresh load.
apply_step() {
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply "$DIR/$1.json"
	STEP_OUT=$output
	echo "$1: $output"
	same_as_fresh
}

@test "every re-apply patches the table into exactly what a fresh load gives" {
	local a b c
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24", "a.test", "b.test"' 443)
	b=$(app "$APP_B" "$GID_B" '"10.2.0.0/24", "10.3.0.1"' '80, 443')
	c=$(app "$APP_C" "$GID_C" '"c.test", "fd00:9::/64"' 8443)
	policy p0 enforce 86400 "$a, $b" '"10.5.0.0/24"'
	apply_step p0
	[[ $STEP_OUT == *"learned sets kept"* ]] # the first load builds the table

	# One port of A: A's chain and its static elements.
	policy p1 enforce 86400 "${a/443/444}, $b" '"10.5.0.0/24"'
	apply_step p1
	[[ $STEP_OUT == *"only the changes: 1 chains changed, 0 added, 0 removed; 0 sets added, 0 removed; 1 elements added, 1 removed"* ]]

	# A new app with domains: its chain, learned sets and map elements.
	policy p2 enforce 86400 "${a/443/444}, $b, $c" '"10.5.0.0/24"'
	apply_step p2
	[[ $STEP_OUT == *"only the changes: 0 chains changed, 1 added, 0 removed; 2 sets added, 0 removed;"* ]]

	# B goes; the user's addresses change.
	policy p3 enforce 86400 "${a/443/444}, $c" '"10.5.0.0/24", "10.6.0.1"'
	apply_step p3
	[[ $STEP_OUT == *"only the changes"* ]]

	# A loses its domains: its chain and learned sets go.
	policy p4 enforce 86400 "$(app "$APP_A" "$GID_A" '"10.1.0.0/24"' 443), $c" '"10.5.0.0/24"'
	apply_step p4
	[[ $STEP_OUT == *"1 removed; 0 sets added, 2 removed;"* ]]

	# Audit mode changes chains all over the table.
	policy p5 audit 86400 "$(app "$APP_A" "$GID_A" '"10.1.0.0/24"' 443), $c" '"10.5.0.0/24"'
	apply_step p5
	[[ $STEP_OUT == *"only the changes"* ]]

	# A learned set's timeout cannot be patched: a rebuild, still equal.
	policy p6 audit 3600 "$(app "$APP_A" "$GID_A" '"10.1.0.0/24"' 443), $c" '"10.5.0.0/24"'
	apply_step p6
	[[ $STEP_OUT == *"learned sets kept"* ]]
}

@test "the delta keeps learned addresses and counters of what it does not change" {
	local a c
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24", "a.test"' 443)
	c=$(app "$APP_C" "$GID_C" '"c.test"' 8443)
	policy k0 enforce 86400 "$a, $c" '"10.5.0.0/24"'
	apply_step k0
	ip netns exec "$NS" nft add element inet galaf "$APP_A.0_4" '{ 192.0.2.7 }'
	ip netns exec "$NS" nft add element inet galaf "$APP_C.0_4" '{ 192.0.2.8 }'
	ip netns exec "$NS" nft add element inet galaf stats_out '{ 0x12345678 }'
	# A's port changes (its chain is patched); C is untouched.
	policy k1 enforce 86400 "${a/443/444}, $c" '"10.5.0.0/24"'
	apply_step k1
	[[ $STEP_OUT == *"only the changes"* ]]
	run -0 ip netns exec "$NS" nft list set inet galaf "$APP_A.0_4"
	[[ $output == *192.0.2.7* ]]
	run -0 ip netns exec "$NS" nft list set inet galaf "$APP_C.0_4"
	[[ $output == *192.0.2.8* ]]
	run -0 ip netns exec "$NS" nft list set inet galaf stats_out
	[[ $output == *0x12345678* ]]
}

@test "a domain that leaves the policy takes the addresses learned for its list with it" {
	local a c
	# C's www.c.test is a subdomain of A's c.test: dnsmasq's line for it feeds both.
	a=$(app "$APP_A" "$GID_A" '"a.test", "b.test", "c.test"' 443)
	c=$(app "$APP_C" "$GID_C" '"www.c.test", "d.test"' 443)
	policy r0 enforce 86400 "$a, $c" '"10.5.0.0/24"'
	apply_step r0
	learn() {
		ip netns exec "$NS" nft add element inet galaf "$APP_A.0_4" '{ 192.0.2.7 }'
		ip netns exec "$NS" nft add element inet galaf "$APP_A.0_6" '{ 2001:db8::7 }'
		ip netns exec "$NS" nft add element inet galaf "$APP_C.0_4" '{ 192.0.2.8 }'
	}
	has() { # SET ADDRESS: whether the set holds the address
		ip netns exec "$NS" nft list set inet galaf "$1" | grep -qF "$2"
	}
	learn
	# C drops www.c.test: C's sets are emptied; A's are not, c.test still covers it.
	policy r1 enforce 86400 "$a, $(app "$APP_C" "$GID_C" '"d.test"' 443)" '"10.5.0.0/24"'
	apply_step r1
	[[ $STEP_OUT == *"only the changes"*"; 2 learned sets emptied (a domain feeding them left the policy)"* ]]
	has "$APP_A.0_4" 192.0.2.7
	has "$APP_A.0_6" 2001:db8::7
	run ! has "$APP_C.0_4" 192.0.2.8
	# A gains a domain: nothing is emptied.
	learn
	a=$(app "$APP_A" "$GID_A" '"a.test", "b.test", "c.test", "e.test"' 443)
	policy r2 enforce 86400 "$a, $(app "$APP_C" "$GID_C" '"d.test"' 443)" '"10.5.0.0/24"'
	apply_step r2
	[[ $STEP_OUT != *emptied* ]]
	has "$APP_A.0_4" 192.0.2.7
	has "$APP_C.0_4" 192.0.2.8
	# A loses b.test: a dry run says so and keeps everything, the apply empties A's sets.
	a=$(app "$APP_A" "$GID_A" '"a.test", "c.test", "e.test"' 443)
	policy r3 enforce 86400 "$a, $(app "$APP_C" "$GID_C" '"d.test"' 443)" '"10.5.0.0/24"'
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply --dry-run "$DIR/r3.json"
	[[ $output == *"2 learned sets would be emptied"*"nothing was changed"* ]]
	has "$APP_A.0_4" 192.0.2.7
	apply_step r3
	[[ $STEP_OUT == *"only the changes"*"2 learned sets emptied"* ]]
	run ! has "$APP_A.0_4" 192.0.2.7
	run ! has "$APP_A.0_6" 2001:db8::7
	has "$APP_C.0_4" 192.0.2.8
	# The same through a whole rebuild (--full), and through one forced by a
	# timeout change (the sets are remade; a revoked one without its addresses).
	learn
	a=$(app "$APP_A" "$GID_A" '"a.test", "e.test"' 443)
	policy r4 enforce 86400 "$a, $(app "$APP_C" "$GID_C" '"d.test"' 443)" '"10.5.0.0/24"'
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply --full "$DIR/r4.json"
	[[ $output == *"learned sets kept"*"2 learned sets emptied"* ]]
	run ! has "$APP_A.0_4" 192.0.2.7
	has "$APP_C.0_4" 192.0.2.8
	learn
	policy r5 enforce 3600 "$(app "$APP_A" "$GID_A" '"a.test"' 443), $(app "$APP_C" "$GID_C" '"d.test"' 443)" '"10.5.0.0/24"'
	apply_step r5
	[[ $STEP_OUT == *"learned sets kept"*"2 learned sets emptied"* ]]
	run ! has "$APP_A.0_4" 192.0.2.7
	has "$APP_C.0_4" 192.0.2.8
}

@test "a table edited by hand so that the delta fails is rebuilt whole" {
	local a c
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24", "a.test"' 443)
	c=$(app "$APP_C" "$GID_C" '"c.test"' 8443)
	policy h0 enforce 86400 "$a, $c" '"10.5.0.0/24"'
	apply_step h0
	# The delta would flush C's chain: delete it by hand first.
	ip netns exec "$NS" nft delete element inet galaf gids "{ $GID_C }"
	ip netns exec "$NS" nft delete chain inet galaf "g_$APP_C"
	policy h1 enforce 86400 "$a, ${c/8443/8444}" '"10.5.0.0/24"'
	apply_step h1
	[[ $STEP_OUT == *"learned sets kept"* ]]
}

@test "apply --full rebuilds even when a delta would do, and --dry-run of a delta changes nothing" {
	local a
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24", "a.test"' 443)
	policy f0 enforce 86400 "$a" '"10.5.0.0/24"'
	apply_step f0
	ip netns exec "$NS" nft add rule inet galaf ok_out counter comment '"by hand"'
	policy f1 enforce 86400 "${a/443/444}" '"10.5.0.0/24"'
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply --dry-run "$DIR/f1.json"
	[[ $output == *"dry run: the changes would load"*"nothing was changed"* ]]
	# --print: the commands alone on stdout, the summary on stderr.
	run -0 --separate-stderr ip netns exec "$NS" "$GALAF_CONFIG" apply --dry-run --print "$DIR/f1.json"
	[[ $output == *"flush chain inet galaf g_$APP_A"*"dport 444"* ]]
	[[ $output != *"dry run"* ]]
	[[ $stderr == *"dry run: the changes would load"* ]]
	run -0 ip netns exec "$NS" nft list chain inet galaf "g_$APP_A"
	[[ $output == *"dport 443"* ]]
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply --full "$DIR/f1.json"
	[[ $output == *"learned sets kept"* ]]
	run -0 ip netns exec "$NS" nft list chain inet galaf ok_out
	[[ $output != *"by hand"* ]]
	same_as_fresh
}

@test "status --verify finds what was changed by hand, and nothing after an apply" {
	local a st
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24", "a.test"' 443)
	policy v0 enforce 86400 "$a" '"10.5.0.0/24"'
	apply_step v0
	st=(ip netns exec "$NS" "$GALAF_CONFIG" status --verify --resolv-conf /dev/null "$DIR/v0.json")
	# What the running system changes by itself is not a difference.
	ip netns exec "$NS" nft add element inet galaf "$APP_A.0_4" '{ 192.0.2.7 }'
	ip netns exec "$NS" nft add element inet galaf stats_out '{ 0x12345678 }'
	run -0 "${st[@]}"
	[[ $output == *"verify: the table is exactly what the policy renders"* ]]
	[[ $output == *"status: in sync"* ]]
	# The hash still matches after these; --verify does not.
	ip netns exec "$NS" nft insert rule inet galaf output accept
	ip netns exec "$NS" nft add chain inet galaf sneaky
	ip netns exec "$NS" nft add element inet galaf gallow4 "{ $GID_A . 10.9.9.9 . tcp . 443 }"
	ip netns exec "$NS" nft delete element inet galaf uallow4 "{ $(id -u "$USR") . 10.5.0.0/24 . tcp . 22 }"
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" status --resolv-conf /dev/null "$DIR/v0.json"
	[[ $output == *"ruleset: matches the policy"* ]] # the hash alone cannot tell
	run -1 "${st[@]}"
	[[ $output == *"verify: 4 objects differ from what the policy renders"* ]]
	[[ $output == *"chain sneaky: added by hand"* ]]
	[[ $output == *"set gallow4: differs"* ]]
	[[ $output == *"set uallow4: differs"* ]]
	[[ $output == *"the rules of chain output: differs"* ]]
	[[ $output == *"status: NOT in sync"* ]]
	run -1 ip netns exec "$NS" "$GALAF_CONFIG" status --json --verify --resolv-conf /dev/null "$DIR/v0.json"
	jq -e '.verify.compared and (.verify.differences | length == 4) and (.in_sync | not)' <<<"$output"
	# apply --full puts the policy back; the learned address stays.
	run -0 ip netns exec "$NS" "$GALAF_CONFIG" apply --full "$DIR/v0.json"
	run -0 "${st[@]}"
	[[ $output == *"verify: the table is exactly what the policy renders"* ]]
	run -0 ip netns exec "$NS" nft list set inet galaf "$APP_A.0_4"
	[[ $output == *192.0.2.7* ]]
}

@test "apply refuses a raw fragment that does more than match, and changes nothing" {
	local a before
	a=$(app "$APP_A" "$GID_A" '"10.1.0.0/24"' 443)
	policy s0 enforce 86400 "$a" '"10.5.0.0/24"'
	apply_step s0
	before=$(ip netns exec "$NS" nft list ruleset)
	policy s1 enforce 86400 "${a%\}}, \"rule\": \"tcp dport 22 meta mark set 0x75300000\" }" '"10.5.0.0/24"'
	run -1 ip netns exec "$NS" "$GALAF_CONFIG" apply "$DIR/s1.json"
	[[ $output == *"groups.$APP_A.rule: error: a raw fragment may only match"*"'mangle' statement"* ]]
	[ "$(ip netns exec "$NS" nft list ruleset)" = "$before" ]
	# Counting, logging and rate limits are fine.
	policy s2 enforce 86400 "${a%\}}, \"rule\": \"tcp dport 22 limit rate 5/second counter log\" }" '"10.5.0.0/24"'
	apply_step s2
}

@test "apply refuses a table of that name that is not galaf's, and changes nothing" {
	local ns
	galaf_netns ns
	ip netns exec "$ns" nft -f - <<-'EOF2'
	table inet filter {
		set blocklist { type ipv4_addr; elements = { 198.51.100.1 } }
		chain input { type filter hook input priority filter; ip saddr @blocklist drop; }
		chain forward { type filter hook forward priority filter; policy drop; }
	}
	EOF2
	ip netns exec "$ns" nft list ruleset >"$DIR/foreign.before"
	cat >"$DIR/foreign.json" <<-EOF2
	{ "config": { "table": "filter", "state_dir": "$DIR/state-foreign", "gate_index": "$DIR/gate-foreign.index",
	              "dns": { "conf": "$DIR/dnsmasq-foreign.conf", "reload": null } },
	  "groups": { $(app "$APP_A" "$GID_A" '"10.1.0.0/24"' 443) } }
	EOF2
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" apply "$DIR/foreign.json"
	[[ $stderr == *"table inet filter"*"not galaf's"*"config.table"* ]]
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" apply --dry-run "$DIR/foreign.json"
	ip netns exec "$ns" nft list ruleset | diff -u "$DIR/foreign.before" -
	[ ! -e "$DIR/gate-foreign.index" ]
	# A table loaded by hand from render --nft is galaf's: apply takes it over.
	ip netns exec "$ns" nft delete table inet filter
	"$GALAF_CONFIG" render --nft "$DIR/foreign.json" | ip netns exec "$ns" nft -f -
	run -0 ip netns exec "$ns" "$GALAF_CONFIG" apply "$DIR/foreign.json"
}
