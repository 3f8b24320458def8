# Shared helpers for galaf's BATS tests. Source from a .bats file:
#   load ../lib/common
# Every helper that creates something registers its removal; call
# galaf_cleanup from teardown (or teardown_file).
# shellcheck shell=bash

GALAF_TOP=${GALAF_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GALAF_BUILD=${GALAF_BUILD:-$GALAF_TOP/build}
GALAF_CONFIG=${GALAF_CONFIG:-$GALAF_BUILD/galaf-config}
GALAF_STATS=${GALAF_STATS:-$GALAF_BUILD/galaf-stats}
GALAF_TCPDUMP=${GALAF_TCPDUMP:-$GALAF_BUILD/galaf-tcpdump}
# Run the binaries under test through this (e.g. "valgrind -q --error-exitcode=99").
GALAF_WRAP=${GALAF_WRAP:-}

# A short random suffix so parallel or leftover runs never collide.
galaf_rand() { od -An -N4 -tx4 /dev/urandom | tr -d ' \n'; }

# Cleanup actions run in reverse order of registration.
_galaf_cleanups=()
galaf_on_cleanup() { _galaf_cleanups+=("$*"); }
galaf_cleanup() {
	local i
	for ((i = ${#_galaf_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_galaf_cleanups[i]}" >/dev/null 2>&1 || true
	done
	_galaf_cleanups=()
}

# galaf_netns VAR: create a network namespace with loopback up; its name in VAR.
galaf_netns() {
	local n
	n="galaf-t-$(galaf_rand)"
	ip netns add "$n" || return 1
	galaf_on_cleanup "ip netns pids $n | xargs -r kill -9; ip netns del $n"
	ip -n "$n" link set lo up
	printf -v "$1" '%s' "$n"
}

# need TOOL...: every TOOL is on PATH. A check that cannot run here fails
# loudly (with the missing tool named) rather than skipping: a skipped
# test would hide a broken CI.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "this test needs $t, which is missing" >&2; return 1; }
	done
}

# galaf_user VAR: create an unprivileged user with no login; its name in VAR.
# Its uid and private group's gid are chosen below the default app gid range
# (30000-59999): useradd's next free id may lie in it on some machines, and a
# user whose name is also an app group there would test something else.
galaf_user() {
	local id
	id=$(galaf_free_user_id) || return 1
	galaf_add_user "$1" "$id" "$id"
}

# galaf_user_in_app_range VAR: a user whose private group (same name) has a
# gid in the default app range: a name that is both a user and an app group.
galaf_user_in_app_range() {
	local id gid
	id=$(galaf_free_user_id) || return 1
	gid=$(galaf_free_gid) || return 1
	galaf_add_user "$1" "$id" "$gid"
}

# galaf_add_user VAR UID GID: a nologin user and its private group (same
# name) with these ids, removed by galaf_cleanup; its name in VAR.
galaf_add_user() {
	local u
	u="gt$(galaf_rand)"
	groupadd -g "$3" "$u" || return 1
	useradd --no-create-home --shell /usr/sbin/nologin -u "$2" -g "$3" "$u" ||
		{ groupdel "$u"; return 1; }
	galaf_on_cleanup "pkill -9 -u $u; userdel $u; groupdel $u"
	printf -v "$1" '%s' "$u"
}

# An id free as both uid and gid, in 20000-29999 (below the app range).
galaf_free_user_id() {
	local i id
	for ((i = 0; i < 1000; i++)); do
		id=$((20000 + RANDOM % 10000))
		getent passwd "$id" >/dev/null || getent group "$id" >/dev/null || { echo "$id"; return 0; }
	done
	echo "galaf_free_user_id: no free id in 20000-29999" >&2
	return 1
}

# galaf_group VAR GID: create a group with that gid; its name in VAR.
galaf_group() {
	local g
	g="ga$(galaf_rand)"
	groupadd -g "$2" "$g" || return 1
	galaf_on_cleanup "groupdel $g"
	printf -v "$1" '%s' "$g"
}

# A free gid in the default app range, random to avoid collisions.
galaf_free_gid() {
	local g
	while :; do
		g=$((30000 + RANDOM % 29000))
		getent group "$g" >/dev/null || { echo "$g"; return; }
	done
}

# wait_for CMD...: poll up to ~5 s until CMD succeeds.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# The cgroup2 mount point (it may be /sys/fs/cgroup or /sys/fs/cgroup/unified).
galaf_cgroup2_root() { findmnt -n -t cgroup2 -o TARGET | head -n1; }

# galaf_bpffs VAR DIR: where to pin: the host's /sys/fs/bpf when it is a
# bpffs, else a private bpffs mounted under DIR (unmounted at cleanup).
galaf_bpffs() {
	if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
		printf -v "$1" '%s' /sys/fs/bpf
		return
	fi
	mkdir -p "$2/bpffs" && mount -t bpf bpf "$2/bpffs" || return 1
	galaf_on_cleanup "umount '$2/bpffs'"
	printf -v "$1" '%s' "$2/bpffs"
}

# galaf_test_gate PREFIX: a test build of the gatekeeper with cap_setgid+ep,
# compiled to read $DIR/gate.index, in a fresh world-readable DIR, with the
# probe program and an unprivileged user TUSER that owns $DIR/out. Sets DIR,
# IDX, GATE, OUT and TUSER.
galaf_test_gate() {
	DIR=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
	galaf_on_cleanup "rm -rf '$DIR'"
	# The test user must reach the binary, the probe and the index.
	chmod 0755 "$DIR"
	IDX=$DIR/gate.index
	GATE=$DIR/build/galaf
	make -s -C "$GALAF_TOP" B="$DIR/build" GATE_INDEX="$IDX" WERROR=1 "$GATE" >&2 ||
		{ echo "cannot build the test gatekeeper" >&2; return 1; }
	chmod 0755 "$DIR/build"
	setcap cap_setgid+ep "$GATE" || return 1
	cc -std=gnu17 -O2 -Wall -Wextra -Werror -o "$DIR/probe" \
		"$GALAF_TOP/tests/helpers/gate-probe.c" || return 1
	galaf_user TUSER || return 1
	OUT=$DIR/out
	install -d -o "$TUSER" -m 0755 "$OUT"
}
