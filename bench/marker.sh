#!/bin/bash
# Cost of the socket marker: sockets created per second by a process in a
# marked cgroup vs. one in an unmarked sibling, interleaved runs, medians.
#
#   bench/marker.sh [RUNS [SECONDS [udp|tcp|udp6|tcp6]]]   (default: 5 1 udp)
#
# Needs root. Uses a throwaway cgroup pair and pin dir (a private bpffs when
# /sys/fs/bpf is not one) and removes them on exit; never touches the
# host's root cgroup. GALAF_CONFIG and GALAF_MARK_OBJECT pick the binaries.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
secs=${2:-1}
kind=${3:-udp}
config=${GALAF_CONFIG:-$top/build/galaf-config}
object=${GALAF_MARK_OBJECT:-$top/build/galaf_mark.bpf.o}

die() { echo "marker.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$config" ] || die "no $config (run make, or set GALAF_CONFIG)"
[ -r "$object" ] || die "no $object (run make, or set GALAF_MARK_OBJECT)"
cgroot=$(findmnt -n -t cgroup2 -o TARGET | head -n1)
[ -n "$cgroot" ] || die "no cgroup2 mount"

tmp=$(mktemp -d /tmp/galaf-bench.XXXXXX)
cg=$cgroot/galaf-bench-${tmp##*.}
bpffs=
stats_old=
cleanup() {
	set +e
	[ -n "$stats_old" ] && echo "$stats_old" >/proc/sys/kernel/bpf_stats_enabled
	[ -d "$pin" ] && "$config" marker unload --all --pin-dir "$pin" >/dev/null
	rmdir "$cg/on" "$cg/off" "$cg" 2>/dev/null
	[ -n "$bpffs" ] && umount "$bpffs"
	rm -rf "$tmp"
}
pin=$tmp/none
trap cleanup EXIT

if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ]; then
	pin=/sys/fs/bpf/galaf-bench-${tmp##*.}
else
	bpffs=$tmp/bpffs
	mkdir "$bpffs"
	mount -t bpf bpf "$bpffs"
	pin=$bpffs/galaf
fi

cc -std=gnu17 -O2 -o "$tmp/sockrate" "$top/bench/sockrate.c"
mkdir -p "$cg/on" "$cg/off"
"$config" marker load --cgroup "$cg/on" --object "$object" --pin-dir "$pin" >/dev/null

# Pin both sides to one CPU so they compete for the same cache and clock.
pin_cpu=()
command -v taskset >/dev/null && pin_cpu=(taskset -c 0)

# rate DIR: one measurement by a process in cgroup DIR.
rate() {
	(echo "$BASHPID" >"$1/cgroup.procs" && exec "${pin_cpu[@]}" "$tmp/sockrate" "$secs" "$kind")
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# Time nothing unless the marker really is in the path.
status=$("$config" marker status --cgroup "$cg/on" --pin-dir "$pin") ||
	die "marker not loaded on $cg/on"
prog_id=$(sed -n 's/.*(prog id \([0-9]*\),.*/\1/p' <<<"$status" | head -n1)

on=() off=()
for ((i = 0; i < runs; i++)); do
	# Alternate which side goes first, so drift does not favour one.
	if ((i % 2)); then
		on+=("$(rate "$cg/on")") off+=("$(rate "$cg/off")")
	else
		off+=("$(rate "$cg/off")") on+=("$(rate "$cg/on")")
	fi
done

m_off=$(printf '%s\n' "${off[@]}" | median)
m_on=$(printf '%s\n' "${on[@]}" | median)
echo "marker bench: $kind socket()+close() per second, $runs interleaved runs of ${secs}s, kernel $(uname -r)"
echo "without marker: median $m_off/s  (runs: ${off[*]})"
echo "with marker:    median $m_on/s  (runs: ${on[*]})"
awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "ratio with/without: %.3f (%+.1f%%)\n", a / b, (a / b - 1) * 100 }'

# The kernel's own run time of the program, from one more run with BPF
# stats on (they add two clock reads per run, so only after the timing,
# and restored on exit): a direct figure where the rate is too noisy.
if [ -w /proc/sys/kernel/bpf_stats_enabled ] && command -v jq >/dev/null; then
	stats_old=$(cat /proc/sys/kernel/bpf_stats_enabled)
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	rate "$cg/on" >/dev/null
	bpftool -j prog show id "$prog_id" | jq -r '"marker program: \(.run_cnt) runs, " +
		(if .run_cnt > 0 then "\(.run_time_ns / .run_cnt | floor) ns per run (with stats overhead)" else "no runs counted" end)'
fi
