#!/usr/bin/env bats
# galaf-config marker: the cgroup/sock_create socket marker, exercised on a
# test cgroup with a private pin dir. Never the host's root cgroup: every
# load names --cgroup, and everything is removed in teardown.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0
load ../lib/common

OBJ=${GALAF_MARK_OBJECT:-$GALAF_BUILD/galaf_mark.bpf.o}

build_tools() {
	local src=$GALAF_TOP/tests/helpers
	cc -std=gnu17 -O2 -Wall -Werror -o "$TOOLS/sockmark" "$src/sockmark.c" || return 1
	# clang -target bpf does not search the multiarch dir for <asm/types.h>.
	clang -target bpf -O2 -Wall -Werror -idirafter "/usr/include/$(clang -print-multiarch)" \
		-c -o "$TOOLS/other_mark.bpf.o" "$src/other_mark.bpf.c"
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "marker tests need root" >&2; return 1; }
	need bpftool jq setpriv cc clang stat || return 1
	[ -x "$GALAF_CONFIG" ] || { echo "no $GALAF_CONFIG: run make" >&2; return 1; }
	[ -r "$OBJ" ] || { echo "no $OBJ: run make" >&2; return 1; }
	CG_ROOT=$(galaf_cgroup2_root)
	[ -n "$CG_ROOT" ] || { echo "no cgroup2 mount" >&2; return 1; }
	# World-readable: the probe runs as the test user.
	TOOLS=$(mktemp -d /tmp/galaf-marker.XXXXXX) || return 1
	galaf_on_cleanup "rm -rf '$TOOLS'"
	chmod 755 "$TOOLS"
	build_tools || return 1
	galaf_bpffs BPF_ROOT "$TOOLS" || return 1
	galaf_user TEST_USER || return 1
	TEST_UID=$(id -u "$TEST_USER")
	TEST_GID=$(galaf_free_gid)
	export CG_ROOT TOOLS BPF_ROOT TEST_UID TEST_GID
}

teardown_file() {
	galaf_cleanup
}

setup() {
	CG=$CG_ROOT/galaf-test-$(galaf_rand)
	PIN=$BPF_ROOT/galaf-test-$(galaf_rand)
	mkdir "$CG"
	galaf_on_cleanup "rmdir '$CG'"
	# Unpinning also detaches whatever a failed test left attached.
	galaf_on_cleanup "rm -rf '$PIN'"
	galaf_on_cleanup "marker unload --all"
}

teardown() {
	galaf_cleanup
}

# The command under test; later options override these defaults.
marker() {
	# shellcheck disable=SC2086 # GALAF_WRAP is a command line
	$GALAF_WRAP "$GALAF_CONFIG" marker --object "$OBJ" --pin-dir "$PIN" "$@"
}

# Our lines of the last run's stderr, without a wrapper's (valgrind's) noise.
our_stderr() {
	# shellcheck disable=SC2154 # bats sets stderr
	grep '^galaf-config: ' <<<"$stderr"
}

# in_cgroup DIR CMD...: run CMD in a subshell moved into cgroup DIR.
in_cgroup() {
	local dir=$1
	shift
	(echo "$BASHPID" >"$dir/cgroup.procs" && "$@")
}

# as_app CMD...: run CMD as the test user with the app gid, no other groups.
as_app() {
	setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups "$@"
}

# mark_of GID UID: the mark the marker must give, as sockmark prints it.
mark_of() {
	local uid=$(($2 & 0xffff))
	printf '0x%08x' $(((($1 & 0xffff) << 16) | (uid ? uid : 1)))
}

# The programs on DIR's sock_create hook, one "ID NAME" per line.
# (bpftool prints nothing at all for a cgroup without programs.)
hook_progs() {
	bpftool -j cgroup show "$1" | jq -r -s 'add // [] | .[] |
		select(.attach_type == "cgroup_inet_sock_create") | "\(.id) \(.name)"'
}

# How many programs of any type DIR has: 0 means nothing of ours is left.
hook_count() {
	bpftool -j cgroup show "$1" | jq -s 'add // [] | length'
}

# other_prog: pin a foreign sock_create program (mark 0x4711) at $OTHER.
other_prog() {
	OTHER=$BPF_ROOT/galaf-test-other-$(galaf_rand)
	bpftool prog load "$TOOLS/other_mark.bpf.o" "$OTHER" || return 1
	galaf_on_cleanup "rm -f '$OTHER'"
}

@test "load marks IPv4 and IPv6 TCP and UDP sockets with gid<<16 | uid" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	[[ $output == "galaf-config: marker: loaded on $CG (prog id "* ]]
	want=$(mark_of "$TEST_GID" "$TEST_UID")
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" tcp udp tcp6 udp6
	[ "${lines[*]}" = "tcp $want udp $want tcp6 $want udp6 $want" ]
}

@test "--mask keeps the marker off the bits other fwmark users reserve" {
	run -0 --separate-stderr marker load --cgroup "$CG" --mask 0xff00ffff
	want=$(printf '0x%08x' $(($(mark_of "$TEST_GID" "$TEST_UID") & 0xff00ffff)))
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" tcp udp6
	[ "${lines[*]}" = "tcp $want udp6 $want" ]
	run -2 marker load --cgroup "$CG" --mask 0x1ffffffff
}

@test "root's sockets carry uid 1, so root differs from unmarked" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 in_cgroup "$CG" setpriv --reuid=0 --regid=0 --clear-groups \
		"$TOOLS/sockmark" tcp udp
	[ "${lines[*]}" = "tcp 0x00000001 udp 0x00000001" ]
}

@test "ids wider than 16 bits keep their low 16 bits" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 in_cgroup "$CG" setpriv --reuid=70000 --regid=70001 --clear-groups \
		"$TOOLS/sockmark" udp
	[ "$output" = "udp $(mark_of 70001 70000)" ]
	[ "$output" = "udp 0x11711170" ]
}

@test "unix sockets are left unmarked" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" unix
	[ "$output" = "unix 0x00000000" ]
}

@test "a process outside the marked cgroup gets no mark" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 as_app "$TOOLS/sockmark" tcp udp
	[ "${lines[*]}" = "tcp 0x00000000 udp 0x00000000" ]
}

@test "a child cgroup is marked through its parent, and status says so" {
	mkdir "$CG/child"
	galaf_on_cleanup "rmdir '$CG/child'"
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 --separate-stderr marker status --cgroup "$CG/child"
	[[ $output == *"marker: $CG/child: marked through $CG"* ]]
	run -0 in_cgroup "$CG/child" as_app "$TOOLS/sockmark" tcp
	[ "$output" = "tcp $(mark_of "$TEST_GID" "$TEST_UID")" ]
}

@test "a second load changes nothing and says so" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	before=$(hook_progs "$CG")
	run -0 --separate-stderr marker load --cgroup "$CG"
	[[ $output == "galaf-config: marker: already loaded on $CG (prog id "*"; nothing changed" ]]
	[ "$(hook_count "$CG")" -eq 1 ]
	[ "$(hook_progs "$CG")" = "$before" ]
	[ "$(find "$PIN" -mindepth 1 | wc -l)" -eq 1 ]
}

@test "a load over an older program swaps it in place" {
	run -0 --separate-stderr marker load --cgroup "$CG" --object "$TOOLS/other_mark.bpf.o"
	link=${output##*link id }
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" udp
	[ "$output" = "udp 0x00004711" ]
	run -0 --separate-stderr marker load --cgroup "$CG"
	[[ $output == "galaf-config: marker: updated the program on $CG "* ]]
	[ "${output##*link id }" = "$link" ]
	[ "$(hook_count "$CG")" -eq 1 ]
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" udp
	[ "$output" = "udp $(mark_of "$TEST_GID" "$TEST_UID")" ]
}

@test "load keeps other programs on the hook running (BPF_F_ALLOW_MULTI)" {
	other_prog
	bpftool cgroup attach "$CG" sock_create pinned "$OTHER" multi
	galaf_on_cleanup "bpftool cgroup detach '$CG' sock_create pinned '$OTHER'"
	other_id=$(hook_progs "$CG")
	run -0 --separate-stderr marker load --cgroup "$CG"
	[ "$(hook_count "$CG")" -eq 2 ]
	# Programs on one cgroup run in attach order: the last mark wins.
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" udp
	[ "$output" = "udp $(mark_of "$TEST_GID" "$TEST_UID")" ]
	run -0 --separate-stderr marker status --cgroup "$CG"
	[[ $output == *"also runs cgroup/sock_create prog id ${other_id% *}"* ]]
	run -0 --separate-stderr marker unload --cgroup "$CG"
	[ "$(hook_progs "$CG")" = "$other_id" ]
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" udp
	[ "$output" = "udp 0x00004711" ]
}

@test "load refuses a cgroup held by an exclusive program" {
	other_prog
	bpftool cgroup attach "$CG" sock_create pinned "$OTHER"
	galaf_on_cleanup "bpftool cgroup detach '$CG' sock_create pinned '$OTHER'"
	run -3 --separate-stderr marker load --cgroup "$CG"
	[[ $(our_stderr) == "galaf-config: marker: cannot attach to $CG: "* ]]
	[ "$(hook_count "$CG")" -eq 1 ]
	[ ! -e "$PIN" ]
}

@test "unload detaches, unpins and removes the empty pin dir" {
	run -0 --separate-stderr marker load --cgroup "$CG"
	[ "$(hook_count "$CG")" -eq 1 ]
	run -0 --separate-stderr marker unload --cgroup "$CG"
	[ "$output" = "galaf-config: marker: unloaded from $CG" ]
	[ "$(hook_count "$CG")" -eq 0 ]
	[ ! -e "$PIN" ]
	run -0 in_cgroup "$CG" as_app "$TOOLS/sockmark" tcp
	[ "$output" = "tcp 0x00000000" ]
}

@test "unload when nothing is loaded succeeds and says so" {
	run -0 --separate-stderr marker unload --cgroup "$CG"
	[ "$output" = "galaf-config: marker: not loaded on $CG; nothing to do" ]
	[ ! -e "$PIN" ]
}

@test "unload of one cgroup leaves the others marked" {
	mkdir "$CG/a" "$CG/b"
	galaf_on_cleanup "rmdir '$CG/a' '$CG/b'"
	run -0 --separate-stderr marker load --cgroup "$CG/a"
	run -0 --separate-stderr marker load --cgroup "$CG/b"
	run -0 --separate-stderr marker unload --cgroup "$CG/a"
	[ "$(hook_count "$CG/a")" -eq 0 ]
	[ "$(hook_count "$CG/b")" -eq 1 ]
	run -0 --separate-stderr marker status --cgroup "$CG/b"
	[ "$(find "$PIN" -mindepth 1 | wc -l)" -eq 1 ]
}

@test "unload --all unloads every cgroup" {
	mkdir "$CG/a" "$CG/b"
	galaf_on_cleanup "rmdir '$CG/a' '$CG/b'"
	run -0 --separate-stderr marker load --cgroup "$CG/a"
	run -0 --separate-stderr marker load --cgroup "$CG/b"
	run -0 --separate-stderr marker unload --all
	[ "${#lines[@]}" -eq 2 ]
	[ "$(hook_count "$CG/a")" -eq 0 ]
	[ "$(hook_count "$CG/b")" -eq 0 ]
	[ ! -e "$PIN" ]
}

@test "unload removes the pin of a cgroup that was removed" {
	mkdir "$CG/gone"
	run -0 --separate-stderr marker load --cgroup "$CG/gone"
	rmdir "$CG/gone"
	# The kernel detaches the link once the cgroup is released.
	stale() { marker status --cgroup "$CG" | grep -q 'stale pin'; }
	wait_for stale
	run -0 --separate-stderr marker unload --cgroup "$CG"
	[[ $output == *"removed $PIN/link-"*": its cgroup is gone"* ]]
	[ ! -e "$PIN" ]
}

@test "status exits 1 when not loaded and 0 when loaded" {
	run -1 --separate-stderr marker status --cgroup "$CG"
	[ "$output" = "galaf-config: marker: not loaded on $CG" ]
	run -0 --separate-stderr marker load --cgroup "$CG"
	run -0 --separate-stderr marker status --cgroup "$CG"
	[[ $output == "galaf-config: marker: loaded on $CG (prog id "*", link id "*", pinned at $PIN/link-"* ]]
	run -0 --separate-stderr marker unload --cgroup "$CG"
	run -1 --separate-stderr marker status --cgroup "$CG"
}

@test "load refuses a directory that is not a cgroup2 directory" {
	run -1 --separate-stderr marker load --cgroup "$BATS_TEST_TMPDIR"
	[[ $(our_stderr) == "galaf-config: marker: $BATS_TEST_TMPDIR is not a cgroup2 directory (the cgroup2 mount is $CG_ROOT)" ]]
	[ ! -e "$PIN" ]
}

@test "load refuses a missing cgroup" {
	run -1 --separate-stderr marker load --cgroup "$CG/missing"
	[ "$(our_stderr)" = "galaf-config: marker: cannot open cgroup $CG/missing: No such file or directory" ]
	[ ! -e "$PIN" ]
}

@test "load fails clearly on a missing object and leaves nothing behind" {
	run -1 --separate-stderr marker load --cgroup "$CG" --object "$BATS_TEST_TMPDIR/none.o"
	[[ $(our_stderr) == "galaf-config: marker: BPF object $BATS_TEST_TMPDIR/none.o: No such file or directory"* ]]
	[ "$(hook_count "$CG")" -eq 0 ]
	[ ! -e "$PIN" ]
}

@test "load refuses an object that is not the marker" {
	run -1 --separate-stderr marker load --cgroup "$CG" --object "$GALAF_CONFIG"
	[[ $(our_stderr) == "galaf-config: marker: cannot open BPF object $GALAF_CONFIG: "* ]]
	[ ! -e "$PIN" ]
}

@test "a pin dir outside bpffs is a clear system error" {
	run -3 --separate-stderr marker load --cgroup "$CG" --pin-dir "$BATS_TEST_TMPDIR/pins"
	[ "$(our_stderr)" = "galaf-config: marker: $BATS_TEST_TMPDIR is not a BPF filesystem (mount one: mount -t bpf bpf $BATS_TEST_TMPDIR)" ]
	[ "$(hook_count "$CG")" -eq 0 ]
}

@test "non-root callers are refused" {
	run -1 --separate-stderr as_app "$GALAF_CONFIG" marker status --cgroup "$CG" --pin-dir "$PIN"
	[[ $(our_stderr) == "galaf-config: marker: must be run as root"* ]]
}

@test "usage errors exit 2" {
	run -2 --separate-stderr marker
	[[ $(our_stderr) == *"missing command"* ]]
	run -2 --separate-stderr marker frob
	[[ $(our_stderr) == *"unknown command"*": frob"* ]]
	# Every load names the test cgroup, so that a regression in argument
	# parsing cannot attach to the host's root cgroup.
	run -2 --separate-stderr marker load --cgroup "$CG" extra
	[[ $(our_stderr) == *"unexpected argument: extra"* ]]
	run -2 --separate-stderr marker load --cgroup "$CG" --frob
	[[ $(our_stderr) == *"unknown option or missing argument: --frob"* ]]
	run -2 --separate-stderr marker status --all
	run -2 --separate-stderr marker unload --all --cgroup "$CG"
	run -2 --separate-stderr marker status --cgroup
	[ "$(hook_count "$CG")" -eq 0 ]
	[ ! -e "$PIN" ]
}

@test "--help describes the commands and exits 0" {
	run -0 --separate-stderr marker --help
	[[ ${lines[0]} == "Usage: galaf-config marker load|unload|status [OPTION]..." ]]
	[[ $output == *"--cgroup DIR"* ]]
	[[ $output == *"--pin-dir DIR"* ]]
}
