#!/usr/bin/env bats
# The socket marker with the firewall: conntrack marks gid<<16 | uid land in
# the stats counter sets, both directions. The marker is attached to a test
# cgroup only, never the host's root cgroup; everything runs in throwaway
# network namespaces.
# shellcheck shell=bash
bats_require_minimum_version 1.5.0
load ../lib/e2e

OBJ=${GALAF_MARK_OBJECT:-$GALAF_BUILD/galaf_mark.bpf.o}

setup_file() {
	[ -r "$OBJ" ] || { echo "no $OBJ: run make" >&2; return 1; }
	e2e_setup || return 1
	e2e_user2 || return 1
	galaf_bpffs BPF_ROOT "$E2E_DIR" || return 1
	PIN=$BPF_ROOT/galaf-test-$(galaf_rand)
	CG=$(galaf_cgroup2_root)/galaf-test-$(galaf_rand)
	mkdir "$CG" || return 1
	galaf_on_cleanup "rmdir $CG"
	galaf_on_cleanup "rm -rf $PIN"
	galaf_on_cleanup "$GALAF_CONFIG marker unload --cgroup $CG --pin-dir $PIN"
	"$GALAF_CONFIG" marker load --cgroup "$CG" --pin-dir "$PIN" --object "$OBJ" >&3 || return 1
	e2e_serve tcp 10.200.0.2 8080
	e2e_serve udp 10.200.0.2 8080
	e2e_serve tcp 10.200.0.4 8080
	e2e_policy "$E2E_DIR/p.json" "
	  \"users\": { \"root\": { \"allow\": [{ \"to\": [\"10.200.0.4\"], \"proto\": \"tcp\", \"ports\": [8080] }] } },
	  \"groups\": { \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"/bin/true\"],
	      \"allow\": [{ \"to\": [\"10.200.0.2\"], \"proto\": \"tcp\", \"ports\": [8080] },
	                  { \"to\": [\"10.200.0.2\"], \"proto\": \"udp\", \"ports\": [8080] }] } }"
	e2e_apply "$E2E_DIR/p.json" >&3 || return 1
	export PIN CG BPF_ROOT
}

teardown_file() {
	galaf_cleanup
}

# in_cgroup CMD...: run CMD in CLI from inside the marked test cgroup.
in_cgroup() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" ip netns exec "$CLI" "$@"
}

# has_mark SET MARK: the counter set holds an element for MARK.
has_mark() {
	e2e_nft -j list set inet galaf "$1" | jq -e --argjson m "$2" \
		'[.nftables[].set.elem[]? | .elem.val // .] | index($m) != null' >/dev/null
}

@test "TCP and UDP sockets of uid U with gid G are counted under G<<16 | U" {
	local mark=$(((E2E_GID_A << 16) | (E2E_UID & 0xffff)))
	run -0 in_cgroup setpriv --reuid="$E2E_UID" --regid="$E2E_GID_A" --clear-groups \
		"$PYTHON" "$PROBE" tcp 10.200.0.2 8080
	run -0 in_cgroup setpriv --reuid="$E2E_UID" --regid="$E2E_GID_A" --clear-groups \
		"$PYTHON" "$PROBE" udp 10.200.0.2 8080
	has_mark stats_out_pre "$mark"
	has_mark stats_out "$mark"
	run -0 e2e_nft -j list set inet galaf tried4
	[[ "$output" == *"$mark"*'"10.200.0.2"'*'"tcp"'*8080* ]]
	[[ "$output" == *"$mark"*'"10.200.0.2"'*'"udp"'*8080* ]]
}

@test "reply packets of that connection are counted under the same mark" {
	local mark=$(((E2E_GID_A << 16) | (E2E_UID & 0xffff)))
	in_cgroup setpriv --reuid="$E2E_UID" --regid="$E2E_GID_A" --clear-groups \
		"$PYTHON" "$PROBE" tcp 10.200.0.2 8080
	has_mark stats_in "$mark"
}

@test "root's traffic is counted with uid 1" {
	run -0 in_cgroup "$PYTHON" "$PROBE" tcp 10.200.0.4 8080
	has_mark stats_out 1
}

@test "a process outside the marked cgroup gets the entry's own mark, no uid" {
	local mark=$((E2E_GID_A << 16))
	run -0 e2e_probe "$E2E_GID_A" tcp 10.200.0.2 8080
	has_mark stats_out "$mark"
}

# --- a known flow belongs to the socket marker's mark that opened it --------

# as_in_cgroup UID GID ARGS...: probe.py in the marked cgroup as UID with GID.
as_in_cgroup() {
	local uid=$1 gid=$2
	shift 2
	in_cgroup setpriv --reuid="$uid" --regid="$gid" --clear-groups "$PYTHON" "$PROBE" "$@"
}

@test "with the marker, the owner's flow is matched by its mark: the owners set holds the pair" {
	local mark=$(((E2E_GID_A << 16) | (E2E_UID & 0xffff)))
	run -0 as_in_cgroup "$E2E_UID" "$E2E_GID_A" udp 10.200.0.2 8080
	run -0 e2e_nft -j list set inet galaf owners
	[[ "$output" == *"[$mark, $mark]"* || "$output" == *"$mark, $mark"* ]]
}

@test "with the marker, a process in no entry reusing an app's UDP port is refused" {
	local p=$((40000 + RANDOM % 20000))
	PROBE_SPORT=$p run -0 as_in_cgroup "$E2E_UID" "$E2E_GID_A" udp 10.200.0.2 8080
	PROBE_SPORT=$p run -1 as_in_cgroup "$E2E_UID" "$E2E_UGID" udp 10.200.0.2 8080
}

@test "with the marker, another user of the same app on a borrowed port passes its own rules, counted under its own mark" {
	local p=$((40000 + RANDOM % 20000)) mark2=$(((E2E_GID_A << 16) | (E2E_UID2 & 0xffff)))
	PROBE_SPORT=$p run -0 as_in_cgroup "$E2E_UID" "$E2E_GID_A" udp 10.200.0.2 8080
	PROBE_SPORT=$p run -0 as_in_cgroup "$E2E_UID2" "$E2E_GID_A" udp 10.200.0.2 8080
	has_mark stats_out "$mark2"
	has_mark stats_in "$mark2"
}
