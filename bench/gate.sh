#!/usr/bin/env bash
# Gatekeeper: launch overhead of `galaf APP` over a direct exec.
#
#   bench/gate.sh [OUT.md]   (env: APPS=10000 RUNS=5 COUNT=500 PAIRED=2000 NICE=0 FIFO=0 CHART_DATA=DIR)
#
# Builds two test copies of the gatekeeper (make B=... GATE_INDEX=...), one
# reading an index of APPS apps and one of a single app, both with the file
# capability cap_setgid+ep. An unprivileged uid (no account is created: a
# private mount namespace shows an /etc/passwd that names it) then times
# COUNT launches of /usr/bin/true directly; through bench/execfloor, a
# static program that only execs (the floor for any launcher: one more
# exec); through bench/execfloor-nolibc (the same without a C library, on
# x86_64: the kernel's cost of an exec, without libc's start-up); through
# /usr/bin/env (one more exec of a small dynamically linked program); and
# through each gatekeeper of an app whose command is
# /usr/bin/true: the last app of the index; and through `sudo -g GROUP` and
# `sg GROUP -c` (what a user would otherwise reach for; GROUP has the gid
# of zzz). Pinning ("sha256"): the same
# gatekeeper starting /usr/bin/true pinned, and a root-owned copy of true
# padded to PAD_MB MiB unpinned and pinned (hashing cost per MiB; COUNT/10
# launches of the pinned copy). Runs go round the variants, RUNS rounds,
# each starting one further on. A check app whose command is `id -g` proves
# the gatekeeper really switched the gid.
#
# Then, launch by launch (bench/launchpair.c, PAIRED cycles): the direct
# exec, the floors and the gatekeepers each launched once per cycle, and
# each launch's time minus the direct exec's of the same cycle. Rounds of
# COUNT launches drift with the machine's other work between one
# launcher's round and the next; launches milliseconds apart do not.
#
# BASE=DIR (optional): another source tree, e.g. a worktree of main; its
# gatekeeper is built and timed the same way, in the same rounds (variants
# base-big and base-one), for a before/after free of the machine's drift.
# (Its index must be of the format this tree's galaf-config renders.)
#
# Data for charts, in CHART_DATA (default: the run's directory), tab-separated
# with a '#' header line: gate-rounds.tsv, one row per launcher and round
# (launcher, round, µs per launch, overhead over the direct exec of that
# round, CPU µs per launch); gate-launch.tsv, one row per launcher (median
# time, median overhead and its min and max).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

APPS=${APPS:-10000}
RUNS=${RUNS:-5}
COUNT=${COUNT:-500}
PAIRED=${PAIRED:-2000}
PAD_MB=${PAD_MB:-4}
# NICE=-15: the launches at a higher priority, so that on a machine shared
# with other work wall time measures the launch more than the wait for a CPU.
NICE=${NICE:-0}
# FIFO=1: the launches under SCHED_FIFO (chrt -f 10) instead: one CPU of the
# machine is theirs while they run (one launch at a time), so wall time is
# close to an idle machine's; the kernel keeps 5 % of it for the rest.
FIFO=${FIFO:-0}
prio=(nice -n "$NICE")
how_run=
[ "$NICE" = 0 ] || how_run=" at nice $NICE"
if [ "$FIFO" = 1 ]; then
	prio=(chrt -f 10)
	how_run=" under SCHED_FIFO"
fi
BASE=${BASE:-}
OUT=${1:-/dev/stdout}

bl_init
bl_tools_check setcap setpriv jq make sudo sg
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
T=$BL_DIR/bin
bl_build_tools "$T"
cc -std=gnu17 -O2 -static -o "$T/execfloor" "$BENCH_TOP/bench/execfloor.c" ||
	bl_die "cannot link bench/execfloor.c statically (libc6-dev has libc.a)"
nolibc=()
if [ "$(uname -m)" = x86_64 ]; then
	cc -std=gnu17 -O2 -static -nostdlib -fno-stack-protector -o "$T/execfloor-nolibc" \
		"$BENCH_TOP/bench/execfloor-nolibc.c" || bl_die "cannot build bench/execfloor-nolibc.c"
	# The same with the gatekeeper's file capability: what the kernel's
	# secure exec of a capability binary costs any launcher of this kind.
	cp "$T/execfloor-nolibc" "$T/execfloor-nolibc-cap"
	setcap cap_setgid+ep "$T/execfloor-nolibc-cap"
	nolibc=(nolibc nolibccap)
fi
# true padded with zeros: the same program, PAD_MB MiB more to hash.
{
	cat /usr/bin/true
	head -c $((PAD_MB << 20)) /dev/zero
} >"$T/true-padded"
chmod 755 "$T"/execfloor* "$T/true-padded"
ID=$(bl_free_id)
install -d -o "$ID" "$BL_DIR/u" # where the unprivileged runs write

# build NAME N [TOP]: a gatekeeper (of the source tree TOP, this one by
# default) whose index holds N apps, the last ones being zzcheck (id -g),
# zzpin (/usr/bin/true pinned), zzpad and zzpadpin (the padded true,
# unpinned and pinned) and zzz (/usr/bin/true).
build() {
	local d=$BL_DIR/$1 n=$2 top=${3:-$BENCH_TOP}
	mkdir -p "$d"
	chmod 755 "$d"
	make -s -C "$top" B="$d" GATE_INDEX="$d/gate.index" "$d/galaf" >/dev/null
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" $((n > 2 ? n - 2 : 0)) 1 0 --dir "$d" |
		jq --argjson g $((30000 + n)) --arg t "$T/true-padded" \
			--arg ht "$(sha256sum /usr/bin/true | cut -d' ' -f1)" \
			--arg hp "$(sha256sum "$T/true-padded" | cut -d' ' -f1)" \
			'.groups.zzcheck = { gid: ($g - 2), execv: ["/usr/bin/id", "-g"] } |
			.groups.zzz = { gid: ($g - 1), execv: ["/usr/bin/true"] } |
			.groups.zzpin = { gid: ($g + 1), execv: ["/usr/bin/true"], sha256: $ht } |
			.groups.zzpad = { gid: ($g + 2), execv: [$t] } |
			.groups.zzpadpin = { gid: ($g + 3), execv: [$t], sha256: $hp } |
			if $g - 30000 < 2 then del(.groups.zzcheck) else . end' >"$d/policy.json"
	"$GALAF_CONFIG" render --gate "$d/policy.json" >"$d/gate.index"
	chmod 644 "$d/gate.index"
	setcap cap_setgid+ep "$d/galaf"
	INDEX_LINES[$1]=$(($(wc -l <"$d/gate.index") - 5)) # without the pinning apps
}
declare -A INDEX_LINES
build big "$APPS"
build one 1
based=()
if [ -n "$BASE" ]; then
	build base-big "$APPS" "$BASE"
	build base-one 1 "$BASE"
	based=(base-big base-one)
fi
{
	cat /etc/passwd
	echo "galafbench:x:$ID:$ID:galaf benchmark:/nonexistent:/usr/sbin/nologin"
} >"$BL_DIR/passwd"

# An /etc overlay for every variant (the host's files are never written):
# the bench user in passwd; GROUP, a group of zzz's gid with the user as a
# member (for sg); a sudoers rule letting the user run true as GROUP.
# Removed with the run's directory; nothing is written to the host's /etc.
GROUP=galafbench-app
GGID=$((30000 + APPS - 1))
ETC=$BL_DIR/etc-up
mkdir -p "$ETC/sudoers.d"
chmod 755 "$ETC" "$ETC/sudoers.d"
cp "$BL_DIR/passwd" "$ETC/passwd"
{
	cat /etc/group
	echo "$GROUP:x:$GGID:galafbench"
} >"$ETC/group"
# PAM's account check (sudo) wants a shadow entry: no password, never expires.
{
	cat /etc/shadow
	echo "galafbench:*:19000:0:99999:7:::"
} >"$ETC/shadow"
chmod 0640 "$ETC/shadow"
chgrp shadow "$ETC/shadow" 2>/dev/null || true
printf 'galafbench ALL=(:%s) NOPASSWD: /usr/bin/true, /usr/bin/id -g\n' "$GROUP" >"$ETC/sudoers.d/galaf-bench"
chmod 0440 "$ETC/sudoers.d/galaf-bench"
with_etc() {
	local w rc
	w=$(mktemp -d "$BL_DIR/work.XXXXXX")
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private sh -c '
		mount -t overlay galaf-bench -o "lowerdir=/etc,upperdir=$0,workdir=$1" /etc || exit 99
		shift
		exec "$@"' "$ETC" "$w" "$@" && rc=0 || rc=$?
	rm -rf "$w"
	return $rc
}
as_user() { with_etc "${prio[@]}" setpriv --reuid="$ID" --regid="$ID" --clear-groups "$@"; }

got=$(as_user "$BL_DIR/big/galaf" zzcheck) || bl_die "the gatekeeper refused zzcheck"
[ "$got" = $((30000 + APPS - 2)) ] || bl_die "zzcheck ran with gid $got, not $((30000 + APPS - 2))"
got_sudo=$(as_user sudo -n -g "$GROUP" /usr/bin/id -g 2>&1) || bl_die "sudo -g $GROUP refused: $got_sudo"
[ "$got_sudo" = "$GGID" ] || bl_die "sudo -g ran with gid $got_sudo, not $GGID"
got_sg=$(as_user sg "$GROUP" -c '/usr/bin/id -g' </dev/null 2>&1) || bl_die "sg $GROUP refused: $got_sg"
[ "$got_sg" = "$GGID" ] || bl_die "sg ran with gid $got_sg, not $GGID"

# set_cmd VARIANT: the launch command of VARIANT in cmd.
set_cmd() {
	case $1 in
	direct) cmd=(/usr/bin/true) ;;
	floor) cmd=("$T/execfloor" /usr/bin/true) ;;
	nolibc) cmd=("$T/execfloor-nolibc" /usr/bin/true) ;;
	nolibccap) cmd=("$T/execfloor-nolibc-cap" /usr/bin/true) ;;
	env) cmd=(/usr/bin/env /usr/bin/true) ;;
	sudo) cmd=(/usr/bin/sudo -n -g "$GROUP" /usr/bin/true) ;;
	sg) cmd=(/usr/bin/sg "$GROUP" -c /usr/bin/true) ;;
	pin) cmd=("$BL_DIR/big/galaf" zzpin) ;;
	pad) cmd=("$BL_DIR/big/galaf" zzpad) ;;
	padpin) cmd=("$BL_DIR/big/galaf" zzpadpin) ;;
	*) cmd=("$BL_DIR/$1/galaf" zzz) ;;
	esac
}

order=(direct floor "${nolibc[@]}" env big one "${based[@]}" sudo sg pin pad padpin)
for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < ${#order[@]}; k++)); do
		v=${order[(k + r) % ${#order[@]}]}
		n=$COUNT
		[ "$v" = padpin ] && n=$(((COUNT + 9) / 10))
		set_cmd "$v"
		as_user "$T/timeit" -o "$BL_DIR/u/cpu" "$T/launch" "$n" "${cmd[@]}" >>"$BL_DIR/t.$v"
		# CPU time (user + kernel) per launch, in µs: steadier than wall time here.
		awk -v n="$n" '{ print ($3 + $4) * 1e6 / n }' "$BL_DIR/u/cpu" >>"$BL_DIR/c.$v"
	done
done
# Launch by launch: the same launchers, one launch each per cycle.
paired=(direct)
[ ${#nolibc[@]} -gt 0 ] && paired+=(nolibccap)
paired+=(floor big one "${based[@]}")
pair_args=()
for v in "${paired[@]}"; do
	set_cmd "$v"
	[ ${#pair_args[@]} -eq 0 ] || pair_args+=(--)
	pair_args+=("${cmd[@]}")
done
as_user "$T/launchpair" "$PAIRED" "${pair_args[@]}" >"$BL_DIR/paired" ||
	bl_die "a paired launch failed"

# The overhead of each run: its gatekeeper time minus the direct time of the same round.
paste "$BL_DIR/t.big" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.big"
paste "$BL_DIR/t.one" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.one"
paste "$BL_DIR/t.env" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.env"
paste "$BL_DIR/t.big" "$BL_DIR/t.env" | awk '{ print $1 - $2 }' >"$BL_DIR/o.bigenv"
paste "$BL_DIR/t.floor" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.floor"
for v in sudo sg; do
	paste "$BL_DIR/t.$v" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.$v"
done
# galaf's overhead as a fraction of sudo -g's, round by round.
paste "$BL_DIR/o.big" "$BL_DIR/o.sudo" | awk '{ print ($2 > 0 ? $1 / $2 : "nan") }' >"$BL_DIR/r.bigsudo"
paste "$BL_DIR/o.big" "$BL_DIR/o.sg" | awk '{ print ($2 > 0 ? $1 / $2 : "nan") }' >"$BL_DIR/r.bigsg"
paste "$BL_DIR/t.big" "$BL_DIR/t.floor" | awk '{ print $1 - $2 }' >"$BL_DIR/o.bigfloor"
paste "$BL_DIR/t.one" "$BL_DIR/t.floor" | awk '{ print $1 - $2 }' >"$BL_DIR/o.onefloor"
if [ ${#nolibc[@]} -gt 0 ]; then
	paste "$BL_DIR/t.big" "$BL_DIR/t.nolibccap" | awk '{ print $1 - $2 }' >"$BL_DIR/o.bigcap"
	paste "$BL_DIR/c.big" "$BL_DIR/c.nolibccap" | awk '{ print $1 - $2 }' >"$BL_DIR/co.bigcap"
fi
for v in "${nolibc[@]}" "${based[@]}"; do
	paste "$BL_DIR/t.$v" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/o.$v"
done
paste "$BL_DIR/t.big" "$BL_DIR/t.one" | awk '{ print $1 - $2 }' >"$BL_DIR/o.bigone"
paste "$BL_DIR/c.big" "$BL_DIR/c.one" | awk '{ print $1 - $2 }' >"$BL_DIR/co.bigone"
if [ -n "$BASE" ]; then
	paste "$BL_DIR/t.base-big" "$BL_DIR/t.base-one" | awk '{ print $1 - $2 }' >"$BL_DIR/o.base-bigone"
	paste "$BL_DIR/c.base-big" "$BL_DIR/c.base-one" | awk '{ print $1 - $2 }' >"$BL_DIR/co.base-bigone"
fi
paste "$BL_DIR/t.pin" "$BL_DIR/t.big" | awk '{ print $1 - $2 }' >"$BL_DIR/o.pin"
paste "$BL_DIR/t.padpin" "$BL_DIR/t.pad" | awk '{ print $1 - $2 }' >"$BL_DIR/o.padpin"
# CPU-time views of the same differences (steadier on a loaded machine).
paste "$BL_DIR/c.big" "$BL_DIR/c.floor" | awk '{ print $1 - $2 }' >"$BL_DIR/co.bigfloor"
paste "$BL_DIR/c.big" "$BL_DIR/c.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/co.big"
paste "$BL_DIR/c.floor" "$BL_DIR/c.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/co.floor"
for v in "${order[@]}"; do
	paste "$BL_DIR/c.$v" "$BL_DIR/c.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/co.$v"
done
# The same fraction in CPU time: on a loaded machine wall time mostly waits for a CPU.
paste "$BL_DIR/co.big" "$BL_DIR/co.sudo" | awk '{ print ($2 > 0 ? $1 / $2 : "nan") }' >"$BL_DIR/cr.bigsudo"

# A count that does not depend on the machine's load: page faults per
# launch (13-17 µs each on these VMs; no PMU here for instructions), from perf, as root (perf cannot
# follow an exec that gains a file capability; the gatekeeper's path is the
# same for root). sudo and sg are left out: root skips their checks.
counts=()
if command -v perf >/dev/null; then
	for v in direct nolibc nolibccap floor env big one; do
		set_cmd "$v"
		[ -x "${cmd[0]}" ] || continue
		with_etc perf stat -x, -e minor-faults -r 50 -- "${cmd[@]}" 2>"$BL_DIR/perf.$v" >/dev/null ||
			continue
		counts+=("$v $(awk -F, '$3 ~ /minor-faults/ { f = $1 } END { print f }' "$BL_DIR/perf.$v")")
	done
fi

# The data files for charts (see the header).
data=${CHART_DATA:-$BL_DIR}
mkdir -p "$data"
{
	printf '# launcher\tround\ttime_us\toverhead_us\tcpu_us\n'
	for v in "${order[@]}"; do
		paste "$BL_DIR/t.$v" "$BL_DIR/t.direct" "$BL_DIR/c.$v" |
			awk -v v="$v" -v OFS='\t' '{ print v, NR, $1, $1 - $2, $3 }'
	done
} >"$data/gate-rounds.tsv"
{
	printf '# launcher\ttime_us\toverhead_us\toverhead_min_us\toverhead_max_us\n'
	for v in "${order[@]}"; do
		[ "$v" = direct ] && continue
		paste "$BL_DIR/t.$v" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' >"$BL_DIR/od.$v"
		read -r om olo ohi _ < <(bl_summary <"$BL_DIR/od.$v")
		printf '%s\t%s\t%s\t%s\t%s\n' "$v" "$(bl_summary <"$BL_DIR/t.$v" | cut -d' ' -f1)" "$om" "$olo" "$ohi"
	done
} >"$data/gate-launch.tsv"
bl_log "launch data: $data/gate-rounds.tsv, $data/gate-launch.tsv"

# pair_index VARIANT: its line's index in launchpair's output.
pair_index() {
	local k
	for ((k = 0; k < ${#paired[@]}; k++)); do
		[ "${paired[k]}" != "$1" ] || { echo "$k"; return; }
	done
	bl_die "no paired launcher $1"
}
# pair_name VARIANT: its row's name in the launch-by-launch table.
pair_name() {
	case $1 in
	direct) echo "/usr/bin/true directly" ;;
	nolibccap) echo "execfloor-nolibc with cap_setgid+ep (the floor for a capability launcher)" ;;
	floor) echo "execfloor (static glibc, only execs)" ;;
	big) echo "galaf zzz, index of $(bl_fmt "${INDEX_LINES[big]}") apps" ;;
	one) echo "galaf zzz, index of 1 app" ;;
	base-big) echo "BASE's galaf zzz, index of $(bl_fmt "${INDEX_LINES[base-big]}") apps" ;;
	base-one) echo "BASE's galaf zzz, index of 1 app" ;;
	esac
}
cell() {
	local m lo hi _
	read -r m lo hi _ < <(bl_summary <"$1")
	printf '%s µs (%s–%s)' "$(bl_fmt "$m" 1)" "$(bl_fmt "$lo" 1)" "$(bl_fmt "$hi" 1)"
}
med() { bl_summary <"$1" | cut -d' ' -f1; }
ratio_cell() {
	local m lo hi _
	read -r m lo hi _ < <(bl_summary <"$1")
	printf '%s (%s–%s)' "$(bl_fmt "$m" 3)" "$(bl_fmt "$lo" 3)" "$(bl_fmt "$hi" 3)"
}
{
	echo "## 4. Gatekeeper"
	echo
	echo "Mean time per launch over $COUNT launches (fork, exec, wait) by an unprivileged user$how_run; median of"
	echo "$RUNS interleaved runs (min–max). Overhead: the gatekeeper's time minus the direct exec's in the"
	echo "same round. CPU time: user and kernel time of the launches, from the kernel's accounting (steadier"
	echo "than wall time on a shared machine). The gatekeeper is static (musl), reads its index with pread(2), checks the"
	echo "header and the trailer and finds the app's line by binary search, a 512-byte window per probe (docs/gate-index.md): the difference"
	echo "between the two index sizes is that search. \`sudo -g\` and \`sg\` switch to a group of the same gid."
	echo
	echo "| how | time per launch | overhead | CPU time per launch | CPU overhead |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| /usr/bin/true directly | $(cell "$BL_DIR/t.direct") | — | $(cell "$BL_DIR/c.direct") | — |"
	echo "| execfloor /usr/bin/true (static, only execs: the floor for any launcher) | $(cell "$BL_DIR/t.floor") | $(cell "$BL_DIR/o.floor") | $(cell "$BL_DIR/c.floor") | $(cell "$BL_DIR/co.floor") |"
	if [ ${#nolibc[@]} -gt 0 ]; then
		echo "| execfloor-nolibc /usr/bin/true (static, no C library: the exec system call alone) | $(cell "$BL_DIR/t.nolibc") | $(cell "$BL_DIR/o.nolibc") | $(cell "$BL_DIR/c.nolibc") | $(cell "$BL_DIR/co.nolibc") |"
		echo "| the same with the file capability cap_setgid+ep (the floor for a capability launcher) | $(cell "$BL_DIR/t.nolibccap") | $(cell "$BL_DIR/o.nolibccap") | $(cell "$BL_DIR/c.nolibccap") | $(cell "$BL_DIR/co.nolibccap") |"
	fi
	echo "| /usr/bin/env /usr/bin/true (one more exec of a small dynamic program) | $(cell "$BL_DIR/t.env") | $(cell "$BL_DIR/o.env") | $(cell "$BL_DIR/c.env") | $(cell "$BL_DIR/co.env") |"
	echo "| galaf zzz, index of $(bl_fmt "${INDEX_LINES[big]}") apps (zzz last) | $(cell "$BL_DIR/t.big") | $(cell "$BL_DIR/o.big") | $(cell "$BL_DIR/c.big") | $(cell "$BL_DIR/co.big") |"
	echo "| galaf zzz, index of 1 app | $(cell "$BL_DIR/t.one") | $(cell "$BL_DIR/o.one") | $(cell "$BL_DIR/c.one") | $(cell "$BL_DIR/co.one") |"
	echo "| sudo -n -g GROUP /usr/bin/true (NOPASSWD rule) | $(cell "$BL_DIR/t.sudo") | $(cell "$BL_DIR/o.sudo") | $(cell "$BL_DIR/c.sudo") | $(cell "$BL_DIR/co.sudo") |"
	echo "| sg GROUP -c /usr/bin/true (a member of GROUP) | $(cell "$BL_DIR/t.sg") | $(cell "$BL_DIR/o.sg") | $(cell "$BL_DIR/c.sg") | $(cell "$BL_DIR/co.sg") |"
	if [ -n "$BASE" ]; then
		echo "| BASE's galaf zzz, index of $(bl_fmt "${INDEX_LINES[base-big]}") apps | $(cell "$BL_DIR/t.base-big") | $(cell "$BL_DIR/o.base-big") | $(cell "$BL_DIR/c.base-big") | $(cell "$BL_DIR/co.base-big") |"
		echo "| BASE's galaf zzz, index of 1 app | $(cell "$BL_DIR/t.base-one") | $(cell "$BL_DIR/o.base-one") | $(cell "$BL_DIR/c.base-one") | $(cell "$BL_DIR/co.base-one") |"
	fi
	echo
	echo "galaf's own cost beyond the floor (galaf minus execfloor, same round): $(cell "$BL_DIR/o.bigfloor") with"
	echo "$(bl_fmt "${INDEX_LINES[big]}") apps, $(cell "$BL_DIR/o.onefloor") with 1; in CPU time, $(cell "$BL_DIR/co.bigfloor") with $(bl_fmt "${INDEX_LINES[big]}")."
	if [ ${#nolibc[@]} -gt 0 ]; then
		echo "Beyond the capability floor (galaf minus execfloor-nolibc with cap_setgid+ep, same round): $(cell "$BL_DIR/o.bigcap");"
		echo "in CPU time, $(cell "$BL_DIR/co.bigcap")."
	fi
	echo "The index size (galaf with $(bl_fmt "${INDEX_LINES[big]}") apps minus galaf with 1, same round): $(cell "$BL_DIR/o.bigone");"
	echo "in CPU time, $(cell "$BL_DIR/co.bigone")."
	if [ -n "$BASE" ]; then
		echo "The same for BASE's galaf: $(cell "$BL_DIR/o.base-bigone"); in CPU time, $(cell "$BL_DIR/co.base-bigone")."
	fi
	echo "Beyond env instead (galaf, $(bl_fmt "${INDEX_LINES[big]}") apps, minus env): $(cell "$BL_DIR/o.bigenv")."
	echo "galaf's overhead ($(bl_fmt "${INDEX_LINES[big]}") apps) as a fraction of sudo -g's, round by round: $(ratio_cell "$BL_DIR/r.bigsudo");"
	echo "of sg's: $(ratio_cell "$BL_DIR/r.bigsg"). In CPU time, of sudo -g's: $(ratio_cell "$BL_DIR/cr.bigsudo")."
	echo
	echo "Launch by launch (\`launchpair\`): $PAIRED cycles, each launching every launcher below once, the order"
	echo "rotating; overhead: each launch's time minus the direct exec's in the same cycle, median and quartiles."
	echo
	echo "| how | time per launch (median) | overhead (median) | overhead (p25–p75) |"
	echo "| --- | --- | --- | --- |"
	for ((k = 0; k < ${#paired[@]}; k++)); do
		read -r _ pm po p25 p75 < <(sed -n "$((k + 1))p" "$BL_DIR/paired")
		echo "| $(pair_name "${paired[k]}") | $(bl_fmt "$pm" 1) µs | $([ "$k" = 0 ] && echo — || echo "$(bl_fmt "$po" 1) µs") | $([ "$k" = 0 ] && echo — || echo "$(bl_fmt "$p25" 1)–$(bl_fmt "$p75" 1) µs") |"
	done
	if [ ${#nolibc[@]} -gt 0 ]; then
		echo
		echo "galaf ($(bl_fmt "${INDEX_LINES[big]}") apps) beyond the capability floor, launch by launch (its median overhead minus"
		echo "the floor's): $(bl_fmt "$(awk -v f="$(pair_index nolibccap)" -v g="$(pair_index big)" \
			'$1 == f { a = $3 } $1 == g { b = $3 } END { print b - a }' "$BL_DIR/paired")" 1) µs."
	fi
	echo
	echo "Pinning (\"sha256\"), with the $(bl_fmt "${INDEX_LINES[big]}")-app gatekeeper:"
	echo
	echo "| how | time per launch | cost of the pin | CPU time per launch |"
	echo "| --- | --- | --- | --- |"
	echo "| galaf zzpin: /usr/bin/true ($(($(stat -c %s /usr/bin/true) / 1024)) KiB) pinned | $(cell "$BL_DIR/t.pin") | $(cell "$BL_DIR/o.pin") (minus zzz) | $(cell "$BL_DIR/c.pin") |"
	echo "| galaf zzpad: true padded to $PAD_MB MiB, not pinned | $(cell "$BL_DIR/t.pad") | — | $(cell "$BL_DIR/c.pad") |"
	echo "| galaf zzpadpin: the same, pinned | $(cell "$BL_DIR/t.padpin") | $(cell "$BL_DIR/o.padpin") (minus zzpad) | $(cell "$BL_DIR/c.padpin") |"
	echo
	if [ ${#counts[@]} -gt 0 ]; then
		echo
		echo "Per launch, from \`perf stat -r 50\` as root (not timed, so not disturbed by other work on the"
		echo "machine): page faults of the whole launch (true itself included)."
		echo
		echo "| how | page faults | more than direct |"
		echo "| --- | --- | --- |"
		read -r _ f0 <<<"${counts[0]}"
		for c in "${counts[@]}"; do
			read -r v f <<<"$c"
			printf '| %s | %s | %s |\n' "$v" "$(bl_fmt "$f")" "$(bl_fmt "$(awk -v a="$f" -v b="$f0" 'BEGIN { print a - b }')")"
		done
		echo
	fi
	echo "Check: \`galaf zzcheck\` (\`id -g\`) printed $got, the app's gid; \`sudo -g\` and \`sg\` ran \`id -g\` as $got_sudo and $got_sg."
} >"$OUT"
o=$(med "$BL_DIR/o.big")
ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
bl_headline "Gatekeeper launch overhead, $(bl_fmt "${INDEX_LINES[big]}")-app index" "$ms ms" "< 0.5 ms" "$(bl_cmp "$ms" '<' 0.5)"
r=$(med "$BL_DIR/r.bigsudo")
bl_headline "(detail) galaf's launch overhead as a fraction of sudo -g's (same rounds)" "$(bl_fmt "$r" 3)" "< 0.05" "$(bl_cmp "$r" '<' 0.05)"
o=$(med "$BL_DIR/co.big")
ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
bl_headline "(detail) the same overhead in CPU time (user + kernel, galaf − direct)" "$ms ms" "—" "—"
r=$(med "$BL_DIR/cr.bigsudo")
bl_headline "(detail) galaf's overhead as a fraction of sudo -g's, in CPU time" "$(bl_fmt "$r" 3)" "—" "—"
for v in sudo sg; do
	o=$(med "$BL_DIR/o.$v")
	ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
	bl_headline "(detail) $([ "$v" = sudo ] && echo "sudo -g GROUP" || echo "sg GROUP -c") over a direct exec" "$ms ms" "—" "—"
done
o=$(med "$BL_DIR/o.floor")
ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
bl_headline "(detail) the floor: one extra exec of a static program (execfloor − direct)" "$ms ms" "—" "—"
if [ ${#nolibc[@]} -gt 0 ]; then
	o=$(med "$BL_DIR/o.nolibc")
	ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
	bl_headline "(detail) the kernel's part of the floor: one extra exec with no C library (execfloor-nolibc − direct)" "$ms ms" "—" "—"
	o=$(med "$BL_DIR/o.nolibccap")
	ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
	bl_headline "(detail) the same exec of a binary with the file capability cap_setgid+ep (− direct)" "$ms ms" "—" "—"
	o=$(med "$BL_DIR/o.bigcap")
	ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
	bl_headline "(detail) galaf's own cost beyond that capability floor (galaf − execfloor-nolibc-cap)" "$ms ms" "—" "—"
fi
o=$(med "$BL_DIR/o.bigfloor")
ms=$(awk -v v="$o" 'BEGIN { printf "%.3f", v / 1000 }')
bl_headline "(detail) galaf's own cost beyond the floor (galaf − execfloor)" "$ms ms" "—" "—"
o=$(med "$BL_DIR/o.padpin")
ms=$(awk -v v="$o" -v m="$PAD_MB" 'BEGIN { printf "%.1f", v / 1000 / m }')
bl_headline "Pinning: hashing cost per MiB of command (sha256)" "$ms ms" "reported" "—"
# For bench/charts.sh: the overhead over a direct exec of every launcher
# timed here (any t.* file, so launchers added to the rounds appear too).
if [ -n "${CHART_DATA:-}" ]; then
	mkdir -p "$CHART_DATA"
	{
		printf '# launcher\toverhead_us\n'
		for f in "$BL_DIR"/t.*; do
			v=${f##*/t.}
			[ "$v" = direct ] && continue
			printf '%s\t%s\n' "$v" "$(paste "$f" "$BL_DIR/t.direct" | awk '{ print $1 - $2 }' | bl_summary | cut -d' ' -f1)"
		done
	} >"$CHART_DATA/launch.tsv"
fi
