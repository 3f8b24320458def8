# Shared helpers for the bench/ scripts (sourced, not run).
# Everything a script creates (network namespaces, processes, temporary
# files) is registered with bl_on_cleanup and removed on exit; nothing
# touches the host's ruleset, network, users or groups: group and user
# databases the benchmarks need are bind-mounted over /etc/group and
# /etc/passwd inside private mount namespaces (bl_with_db).
# shellcheck shell=bash

BENCH_TOP=${BENCH_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GALAF_CONFIG=${GALAF_CONFIG:-$BENCH_TOP/build/galaf-config}
GALAF_STATS=${GALAF_STATS:-$BENCH_TOP/build/galaf-stats}
# shellcheck disable=SC2034 # used by the scripts that source this
PYTHON=/usr/bin/python3

bl_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

bl_log() { echo "[${0##*/}] $*" >&2; }

# Cleanup actions run in reverse order of registration, on any exit.
_bl_cleanups=()
bl_on_cleanup() { _bl_cleanups+=("$*"); }
bl_cleanup() {
	local i
	for ((i = ${#_bl_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_bl_cleanups[i]}" >/dev/null 2>&1 || true
	done
	_bl_cleanups=()
}

# bl_init: root check, a work directory in BL_DIR (readable by the
# unprivileged ids the benchmarks run as), and the exit trap.
bl_init() {
	[ "$(id -u)" -eq 0 ] || bl_die "needs root (network namespaces, nft, file capabilities)"
	BL_DIR=$(mktemp -d /tmp/galaf-bench.XXXXXX)
	chmod 755 "$BL_DIR"
	trap bl_cleanup EXIT
	trap 'exit 130' INT TERM
	bl_on_cleanup "rm -rf '$BL_DIR'"
}

bl_rand() { od -An -N4 -tx4 /dev/urandom | tr -d ' \n'; }

# bl_netns VAR: a fresh network namespace with loopback up; its name in VAR.
bl_netns() {
	local n
	n="galaf-b-$(bl_rand)"
	ip netns add "$n" || return 1
	bl_on_cleanup "ip netns pids $n | xargs -r kill -9; sleep 0.1; ip netns del $n"
	ip -n "$n" link set lo up
	printf -v "$1" '%s' "$n"
}

# bl_netns_del NAME: remove a namespace early (its cleanup entry stays harmless).
# bl_veth_pair CVAR SVAR CLI_ADDR SRV_ADDR: two namespaces joined by a veth
# pair (gbc in the client, gbs in the server), addresses /24, MTU 1500, and
# the client's whole local port range open for connection benchmarks.
bl_veth_pair() {
	local _vc _vs
	bl_netns _vc
	bl_netns _vs
	ip -n "$_vc" link add gbc type veth peer name gbs netns "$_vs"
	ip -n "$_vc" addr add "$3/24" dev gbc
	ip -n "$_vs" addr add "$4/24" dev gbs
	ip -n "$_vc" link set gbc mtu 1500 up
	ip -n "$_vs" link set gbs mtu 1500 up
	ip netns exec "$_vc" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	printf -v "$1" '%s' "$_vc"
	printf -v "$2" '%s' "$_vs"
}

bl_netns_del() {
	ip netns pids "$1" | xargs -r kill -9
	ip netns del "$1"
}

# bl_build_tools DIR: the C load generators, into DIR.
bl_build_tools() {
	local t
	mkdir -p "$1"
	for t in netload timeit launch launchpair sockrate dnsresp; do
		cc -std=gnu17 -O2 -Wall -Wextra -o "$1/$t" "$BENCH_TOP/bench/$t.c" || return 1
	done
	chmod 755 "$1" "$1"/*
}

# bl_tools_check CMD...: fail with the package to install when one is missing.
bl_tools_check() {
	local c missing=()
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] || bl_die "missing ${missing[*]}: apt-get install -y ${missing[*]}"
}

# bl_free_id: a uid/gid number unused by the host's user and group databases,
# for the unprivileged processes of the benchmarks (no account is created).
bl_free_id() {
	local i
	for ((i = 64000; i < 65000; i++)); do
		getent passwd "$i" >/dev/null || getent group "$i" >/dev/null || { echo "$i"; return; }
	done
	return 1
}

# bl_groupfile N FILE: the host's /etc/group plus app groups app00000..
# (gids 30000..) as bench/genpolicy.py names them, N of them.
bl_groupfile() {
	{
		cat /etc/group
		awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "app%05d:x:%d:\n", i, 30000 + i }'
	} >"$2"
}

# bl_with_db GROUPFILE PASSWDFILE CMD...: run CMD in a private mount
# namespace where those files are /etc/group and /etc/passwd ("-" keeps
# the host's). They sit in an overlay over /etc, not in bind mounts over
# the two files: useradd or groupadd on the host (other tests) replace those
# files by rename, which would silently detach a bind mount. The host's own
# files are never written.
bl_with_db() {
	local g=$1 p=$2 o rc
	shift 2
	o=$(mktemp -d "$BL_DIR/etc.XXXXXX")
	mkdir "$o/upper" "$o/work"
	[ "$g" = - ] || cp "$g" "$o/upper/group"
	[ "$p" = - ] || cp "$p" "$o/upper/passwd"
	chmod 755 "$o/upper"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private sh -c '
		mount -t overlay galaf-bench -o "lowerdir=/etc,upperdir=$0/upper,workdir=$0/work" /etc || exit 99
		exec "$@"' "$o" "$@" && rc=0 || rc=$?
	rm -rf "$o"
	return $rc
}

# bl_summary < numbers: "MEDIAN MIN MAX N" (the median of an even count is
# the mean of the middle two).
bl_summary() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (!NR) { print "nan nan nan 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.10g %.10g %.10g %d\n", m, v[1], v[NR], NR
		}'
}

# bl_fmt VALUE [DECIMALS]: a number for the report, with thousands separators.
bl_fmt() {
	awk -v v="$1" -v d="${2:-0}" 'BEGIN {
		if (v == "nan" || v == "") { print "n/a"; exit }
		s = sprintf("%." d "f", v); neg = s ~ /^-/; if (neg) s = substr(s, 2)
		split(s, p, "."); i = p[1]; o = ""
		while (length(i) > 3) { o = "," substr(i, length(i) - 2) o; i = substr(i, 1, length(i) - 3) }
		o = i o; if (d > 0) o = o "." p[2]
		print (neg ? "-" : "") o }'
}

# bl_ratio A B: A/B with three decimals, "n/a" if B is zero or missing.
bl_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan") print "n/a"; else printf "%.3f\n", a / b }'
}

# bl_headline FIGURE VALUE TARGET MET: one row for the report's summary table.
bl_headline() {
	printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" >>"${BENCH_HEADLINES:-/dev/null}"
}

# bl_cmp VALUE OP LIMIT: "yes" or "**no**" (OP is one of < <= > >=).
bl_cmp() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "nan" || v == "n/a" || v == "") { print "**no** (not measured)"; exit }
		ok = op == "<" ? v < l : op == "<=" ? v <= l : op == ">" ? v > l : v >= l
		print ok ? "yes" : "**no**" }'
}

# bl_counter_elements N: nft commands giving N marks (apps 30000.., uid 1000)
# counters in galaf's three counter sets, as traffic would have left them.
bl_counter_elements() {
	awk -v n="$1" 'BEGIN {
		split("stats_out_pre stats_out stats_in", sets, " ")
		for (s = 1; s <= 3; s++) {
			printf "add element inet galaf %s {", sets[s]
			for (i = 0; i < n; i++)
				printf "%s 0x%08x counter packets %d bytes %d", i ? "," : "",
					(30000 + i) * 65536 + 1000, i + 1, (i + 1) * 1400
			print " }"
		}
	}'
}
