#!/usr/bin/env bats
# Past 64 app groups, the groups' static allow-lists are split into shards
# by gid. End to end: traffic from gids in different shards meets its own
# allow-list only, before and after a re-apply that patches one shard.
# shellcheck disable=SC2154 # run sets output; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

# policy FILE B_PORT: A and B plus 63 filler groups (each with two CIDRs).
policy() {
	local i body
	body="\"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"],
	    \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	  \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	    \"allow\": [{ \"to\": [\"10.200.0.3\"], \"proto\": \"tcp\", \"ports\": [$2] }] }"
	for i in "${!FILLERS[@]}"; do
		body+=", \"${FILLERS[i]}\": { \"allow\": [{ \"to\": [\"10.$((i + 1)).0.0/16\", \"fd00:$((i + 1))::/64\"], \"proto\": \"udp\", \"ports\": [53] }] }"
	done
	e2e_policy "$E2E_DIR/$1.json" "\"groups\": { $body }"
}

setup_file() {
	e2e_setup
	local i grp
	FILLERS=()
	for i in $(seq 63); do
		galaf_group grp "$(galaf_free_gid)" || return 1
		FILLERS+=("$grp")
	done
	export FILLERS_LIST="${FILLERS[*]}"
	local a p
	for a in 10.200.0.2 10.200.0.3; do
		for p in 8080 9090; do e2e_serve tcp "$a" "$p"; done
	done
	policy s0 8080
	e2e_apply "$E2E_DIR/s0.json" >&3
}

setup() {
	read -r -a FILLERS <<<"$FILLERS_LIST"
}

teardown_file() {
	galaf_cleanup
}

@test "65 app groups: the static allow-lists are split into 8 shards by gid, each reached through the gid map" {
	run -0 e2e_nft list map inet galaf gids
	[[ $output == *"$E2E_GID_A : goto gallow.$((E2E_GID_A % 8))"* ]]
	run -0 e2e_nft list chain inet galaf output
	[[ $output != *"gallow"* ]]
	run -0 e2e_nft list chain inet galaf "gallow.$((E2E_GID_A % 8))"
	[[ $output == *"@gallow4.$((E2E_GID_A % 8)) goto ok_out"* ]]
	run -0 e2e_nft list set inet galaf "gallow4.$((E2E_GID_A % 8))"
	[[ $output == *"$E2E_GID_A . 10.200.0.2 . tcp . 8080"* ]]
	[[ $output != *"$E2E_GID_B . "* || $((E2E_GID_A % 8)) -eq $((E2E_GID_B % 8)) ]]
}

@test "each app reaches its own allowed address through its shard, and nothing else" {
	run -0 e2e_as "$E2E_GID_A" "$PYTHON" "$PROBE" tcp 10.200.0.2 8080
	run -1 e2e_as "$E2E_GID_A" "$PYTHON" "$PROBE" tcp 10.200.0.3 8080
	run -0 e2e_as "$E2E_GID_B" "$PYTHON" "$PROBE" tcp 10.200.0.3 8080
	run -1 e2e_as "$E2E_GID_B" "$PYTHON" "$PROBE" tcp 10.200.0.2 8080
	run -1 e2e_as "${E2E_UGID}" "$PYTHON" "$PROBE" tcp 10.200.0.2 8080
}

@test "a re-apply that changes one app patches its shard only, and the change holds" {
	policy s1 9090
	run -0 e2e_apply "$E2E_DIR/s1.json"
	[[ $output == *"only the changes: 0 chains changed, 0 added, 0 removed; 0 sets added, 0 removed; 1 elements added, 1 removed"* ]]
	run -0 e2e_as "$E2E_GID_B" "$PYTHON" "$PROBE" tcp 10.200.0.3 9090
	run -1 e2e_as "$E2E_GID_B" "$PYTHON" "$PROBE" tcp 10.200.0.3 8080
	run -0 e2e_as "$E2E_GID_A" "$PYTHON" "$PROBE" tcp 10.200.0.2 8080
}
