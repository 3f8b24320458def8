#!/usr/bin/env bats
# Entries that match by cgroup ("cgroups"): real sockets from an unprivileged
# test user placed in a test-owned cgroup (never the host's root cgroup's
# settings), a real table in throwaway network namespaces.
#
# galaf-config runs through nsenter, not "ip netns exec": the latter mounts a
# fresh /sys in which the cgroup2 hierarchy (and so nft's cgroup path lookup)
# is missing, as it would be on no real host.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets stderr; e2e_setup sets E2E_*
bats_require_minimum_version 1.5.0
load ../lib/e2e

setup_file() {
	e2e_setup || return 1
	CGROOT=$(galaf_cgroup2_root)
	[ -n "$CGROOT" ] || { echo "no cgroup2 hierarchy is mounted" >&2; return 1; }
	CGREL=galaf-test-$(galaf_rand)
	CG=$CGROOT/$CGREL
	mkdir "$CG" || return 1
	galaf_on_cleanup "rmdir $CG"
	mkdir "$CG/svc" || return 1
	galaf_on_cleanup "rmdir $CG/svc"
	mkdir "$CG/svc/worker" || return 1
	galaf_on_cleanup "rmdir $CG/svc/worker"
	mkdir "$CG/other" || return 1
	galaf_on_cleanup "rmdir $CG/other"
	e2e_serve tcp 10.200.0.2 8080
	e2e_serve tcp 10.200.0.3 8080
	e2e_serve tcp 10.200.0.4 8080
	# A (a service, by cgroup) may reach .2; B (an app, by gid) may reach .3.
	e2e_policy "$E2E_DIR/p.json" "
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"cgroups\": [\"$CGREL/svc\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.3\"], \"proto\": \"tcp\", \"ports\": [8080] }] } }"
	in_cli "$GALAF_CONFIG" apply "$E2E_DIR/p.json" >&3 || return 1
	export CGROOT CGREL CG
}

teardown_file() {
	# Cleanups registered inside a @test run in its subshell and are lost here.
	rmdir "$CG/not-yet" "$CG/gone" 2>/dev/null || true
	[ -d "$CG/other" ] || mkdir "$CG/other"
	galaf_cleanup
}

# in_cli CMD...: CMD in CLI's network namespace, with the host's /sys.
in_cli() {
	# shellcheck disable=SC2086 # GALAF_WRAP is a command line
	nsenter --net="/run/netns/$CLI" $GALAF_WRAP "$@"
}

# probe_in DIR GID ARGS...: probe.py as the test user with GID, from cgroup DIR
# (root moves the shell there, then drops to the user).
probe_in() {
	local dir=$1 gid=$2
	shift 2
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" \
		ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$gid" --clear-groups \
		"$PYTHON" "$PROBE" "$@"
}

# has_mark SET MARK: the counter set holds an element for MARK.
has_mark() {
	e2e_nft -j list set inet galaf "$1" | jq -e --argjson m "$2" \
		'[.nftables[].set.elem[]? | .elem.val // .] | index($m) != null' >/dev/null
}

@test "a process in the cgroup reaches what the cgroup's entry allows" {
	run -0 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
	[ "$output" = ok ]
}

@test "a process in the cgroup is refused what the entry does not allow" {
	run -1 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.4 8080
	run -1 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.3 8080
}

@test "a process in a child of the listed cgroup gets the entry's rules too" {
	run -0 probe_in "$CG/svc/worker" "$E2E_UGID" tcp 10.200.0.2 8080
	run -1 probe_in "$CG/svc/worker" "$E2E_UGID" tcp 10.200.0.4 8080
}

@test "a process outside the cgroup does not get the entry's rules" {
	run -1 probe_in "$CG/other" "$E2E_UGID" tcp 10.200.0.2 8080
	run -1 e2e_probe "$E2E_UGID" tcp 10.200.0.2 8080
}

@test "connections from the cgroup carry the entry's mark (gid<<16) in conntrack and stats" {
	local mark=$((E2E_GID_A << 16))
	# The user's own gid has no mark of its own: only the cgroup rule can set it.
	probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
	has_mark stats_out "$mark"
	run -0 e2e_nft -j list set inet galaf tried4
	[[ "$output" == *"$mark"*'"10.200.0.2"'*'"tcp"'*8080* ]]
	run -0 ip netns exec "$CLI" cat /proc/net/nf_conntrack
	grep -E "dst=10\.200\.0\.2 sport=[0-9]+ dport=8080 .*mark=$mark " <<<"$output"
}

@test "the cgroup's entry comes before an app gid: inside the cgroup, app B's rules do not apply" {
	run -0 probe_in "$CG/svc" "$E2E_GID_B" tcp 10.200.0.2 8080
	run -1 probe_in "$CG/svc" "$E2E_GID_B" tcp 10.200.0.3 8080
}

@test "outside the cgroup, app B keeps its own rules" {
	run -0 e2e_probe "$E2E_GID_B" tcp 10.200.0.3 8080
	run -1 e2e_probe "$E2E_GID_B" tcp 10.200.0.2 8080
}

@test "cgroups lists the cgroup as in-set with its id" {
	run -0 --separate-stderr in_cli "$GALAF_CONFIG" cgroups "$E2E_DIR/p.json"
	[[ "$output" == *"$CGREL/svc"*in-set*"$(stat -c %i "$CG/svc")"* ]]
}

@test "a recreated cgroup is stale until cgroups --sync, then matched again" {
	rmdir "$CG/svc/worker" "$CG/svc"
	mkdir "$CG/svc" "$CG/svc/worker"
	# The new cgroup has a new id, which the set does not hold yet.
	run -1 --separate-stderr in_cli "$GALAF_CONFIG" cgroups "$E2E_DIR/p.json"
	[[ "$output" == *"$CGREL/svc"*stale* ]]
	run -1 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
	run -0 in_cli "$GALAF_CONFIG" cgroups --sync "$E2E_DIR/p.json"
	run -0 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
	run -0 --separate-stderr in_cli "$GALAF_CONFIG" cgroups "$E2E_DIR/p.json"
	[[ "$output" == *"$CGREL/svc"*in-set* ]]
}

@test "--sync drops the id of a removed cgroup" {
	rmdir "$CG/other"
	mkdir "$CG/gone"
	e2e_policy "$E2E_DIR/gone.json" "
	  \"groups\": { \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"cgroups\": [\"$CGREL/svc\", \"$CGREL/gone\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] } }"
	run -0 in_cli "$GALAF_CONFIG" apply "$E2E_DIR/gone.json"
	run -0 e2e_nft -j list set inet galaf "cgroup_$E2E_APP_A"
	[ "$(jq '[.nftables[].set.elem[]?] | length' <<<"$output")" -eq 2 ]
	rmdir "$CG/gone"
	run -0 --separate-stderr in_cli "$GALAF_CONFIG" cgroups --sync "$E2E_DIR/gone.json"
	[[ "$stderr" == *"cgroup $CGREL/gone does not exist"* ]]
	run -0 e2e_nft -j list set inet galaf "cgroup_$E2E_APP_A"
	[ "$(jq '[.nftables[].set.elem[]?] | length' <<<"$output")" -eq 1 ]
	mkdir "$CG/other"
	run -0 in_cli "$GALAF_CONFIG" apply "$E2E_DIR/p.json"
}

@test "apply with a cgroup that does not exist succeeds, warns, and matches nothing there" {
	e2e_policy "$E2E_DIR/missing.json" "
	  \"groups\": { \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"cgroups\": [\"$CGREL/not-yet\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] }] } }"
	run -0 --separate-stderr in_cli "$GALAF_CONFIG" apply "$E2E_DIR/missing.json"
	[[ "$stderr" == *"warning: groups.$E2E_APP_A: cgroup $CGREL/not-yet does not exist"* ]]
	run -1 --separate-stderr in_cli "$GALAF_CONFIG" cgroups "$E2E_DIR/missing.json"
	[[ "$output" == *"$CGREL/not-yet"*missing* ]]
	mkdir "$CG/not-yet"
	run -1 probe_in "$CG/not-yet" "$E2E_UGID" tcp 10.200.0.2 8080
	run -0 in_cli "$GALAF_CONFIG" cgroups --sync "$E2E_DIR/missing.json"
	run -0 probe_in "$CG/not-yet" "$E2E_UGID" tcp 10.200.0.2 8080
	run -0 in_cli "$GALAF_CONFIG" apply "$E2E_DIR/p.json"
}

@test "a re-apply keeps the cgroup set's ids" {
	run -0 in_cli "$GALAF_CONFIG" apply "$E2E_DIR/p.json"
	run -0 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
	run -0 --separate-stderr in_cli "$GALAF_CONFIG" apply "$E2E_DIR/p.json"
	[[ "$output" == *"only the changes: 0 chains changed, 0 added, 0 removed; 0 sets added, 0 removed; 0 elements added, 0 removed"* ]]
	run -0 probe_in "$CG/svc" "$E2E_UGID" tcp 10.200.0.2 8080
}

@test "cgroups --help says what stale and --sync mean" {
	run -0 "$GALAF_CONFIG" cgroups --help
	[[ "$output" == *"stale"*"--sync"* ]]
}
