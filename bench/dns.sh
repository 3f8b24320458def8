#!/usr/bin/env bash
# DNS: what domain rules cost. Query latency and rate (dnsperf) through a
# dnsmasq forwarder that reads galaf's file (nftset lines, and the per-app
# name lists, which make dnsmasq look up each query's conntrack mark),
# against one that reads the same file without them, for cache hits and
# cache misses, with N app groups of 5 domains each (bench/genpolicy.py
# N 0 5) loaded in galaf's table.
#
#   bench/dns.sh [OUT.md]   (env: SIZES="100 10000" RUNS=5 SECS=1)
#
# In one throwaway namespace per size: the galaf table, an upstream that
# answers every A query with an address of its own (bench/dnsresp.c, so a
# miss always teaches the forwarder a new address), and the two forwarders.
# Latency is measured with one query in flight (dnsperf -q 1), the rate
# with 32 in flight. Misses use names never asked before (subdomains of the
# policy's domains, spread over all apps); hits repeat 100 cached names.
# Afterwards the learned sets must hold an address for every miss answered
# through the nftset forwarder.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-100 10000}
RUNS=${RUNS:-5}
SECS=${SECS:-1}
OUT=${1:-/dev/stdout}
M_LAT=${M_LAT:-5000}
M_RATE=${M_RATE:-40000}

bl_init
bl_tools_check dnsperf dnsmasq jq nft taskset
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
T=$BL_DIR/bin
bl_build_tools "$T"

declare -A NS MISSES
setup() { # N
	local n=$1 d=$BL_DIR/d$1 ns v addr
	mkdir -p "$d"
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" "$n" 0 5 --dir "$d" >"$d/policy.json"
	"$GALAF_CONFIG" render --nft "$d/policy.json" >"$d/ruleset.nft"
	"$GALAF_CONFIG" render --dnsmasq "$d/policy.json" >"$d/with.conf"
	# Without galaf: no nftset lines and no per-app name lists (conntrack).
	grep -Ev '^(nftset=|conntrack$|connmark-allowlist)' "$d/with.conf" >"$d/without.conf"
	bl_netns ns
	ip netns exec "$ns" nft -f "$d/ruleset.nft"
	ip netns exec "$ns" taskset -c 0 "$T/dnsresp" 127.0.0.2 >/dev/null 2>&1 &
	for v in with without; do
		addr=127.0.0.1
		[ "$v" = without ] && addr=127.0.0.3
		ip netns exec "$ns" taskset -c 1 dnsmasq -k --no-resolv --no-hosts --bind-interfaces \
			--listen-address=$addr -u root --server=127.0.0.2 --cache-size=10000 \
			--pid-file="$d/$v.pid" --log-facility="$d/$v.log" --conf-file="$d/$v.conf" \
			>/dev/null 2>&1 &
	done
	for addr in 127.0.0.1 127.0.0.2 127.0.0.3; do
		for ((i = 0; i < 250; i++)); do
			ip netns exec "$ns" ss -Hlun "src $addr:53" | grep -q . && break
			sleep 0.02
		done
	done
	# The cached names, warmed up on both forwarders.
	awk -v n="$n" 'BEGIN { for (i = 0; i < 100; i++) printf "h%d.d0.app%d.example A\n", i, i % n }' >"$d/hits"
	for addr in 127.0.0.1 127.0.0.3; do
		ip netns exec "$ns" dnsperf -s $addr -d "$d/hits" -n 1 -q 1 -t 60 >/dev/null 2>&1 ||
			bl_die "no answer from the forwarder on $addr"
	done
	NS[$n]=$ns
	MISSES[$n]=100 # the warm-up queries were misses on the nftset forwarder
}

# names N TAG COUNT: COUNT names nobody asked before, spread over N apps' domains.
names() {
	awk -v n="$1" -v t="$2" -v m="$3" 'BEGIN {
		for (i = 0; i < m; i++) printf "%s-%d.d%d.app%d.example A\n", t, i, int(i / n) % 5, i % n }'
}

# one N VARIANT CASE MODE RUN: one dnsperf run; appends "qps latency_ms" to a file.
one() {
	local n=$1 v=$2 c=$3 mode=$4 r=$5 d=$BL_DIR/d$1 addr=127.0.0.1 q=1 data lim=()
	[ "$v" = without ] && addr=127.0.0.3
	[ "$mode" = rate ] && q=32
	if [ "$c" = hit ]; then
		data=$d/hits
	else
		data=$BL_DIR/names
		names "$n" "$v$mode$r" "$([ "$mode" = rate ] && echo "$M_RATE" || echo "$M_LAT")" >"$data"
		lim=(-n 1)
	fi
	ip netns exec "${NS[$n]}" taskset -c 0 dnsperf -s $addr -d "$data" -l "$SECS" -q $q -t 30 "${lim[@]}" \
		>"$BL_DIR/perf.out" 2>&1 || bl_die "dnsperf failed: $(tail -n 3 "$BL_DIR/perf.out")"
	# A query lost at the rate's 32 in flight is a finding (the forwarder
	# stalled while it added addresses), kept and
	# reported; one lost at one query at a time, or none answered, fails.
	awk -v mode="$mode" '/Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 }
		/Queries per second:/ { qps = $4 } /Average Latency/ { lat = $4 * 1000 }
		END { if (!done || (mode != "rate" && lost > done / 100)) exit 1; print qps, lat, done, lost + 0 }' "$BL_DIR/perf.out" \
		>>"$BL_DIR/$c.$mode.$v.$n" || bl_die "queries lost through $v ($c, $mode): $(grep -E 'completed|lost' "$BL_DIR/perf.out")"
	if [ "$c" = miss ] && [ "$v" = with ]; then
		MISSES[$n]=$((MISSES[$n] + $(tail -n1 "$BL_DIR/$c.$mode.$v.$n" | cut -d' ' -f3)))
	fi
}

for n in $SIZES; do
	bl_log "loading $n app groups × 5 domains"
	setup "$n"
done
for ((r = 0; r < RUNS; r++)); do
	for n in $SIZES; do
		for c in hit miss; do
			for mode in lat rate; do
				if ((r % 2)); then
					one "$n" without $c $mode $r
					one "$n" with $c $mode $r
				else
					one "$n" with $c $mode $r
					one "$n" without $c $mode $r
				fi
			done
		done
	done
	bl_log "round $((r + 1))/$RUNS done"
done

# Profile: the system calls of the nftset forwarder per miss (strace -c over
# 20 misses, one at a time), to show where a miss's time goes.
profile() { # N
	local n=$1 d=$BL_DIR/d$1 spid
	names "$n" prof 20 >"$BL_DIR/prof.names"
	strace -c -f -p "$(cat "$d/with.pid")" -o "$BL_DIR/strace.$n" 2>/dev/null &
	spid=$!
	sleep 1
	ip netns exec "${NS[$n]}" dnsperf -s 127.0.0.1 -d "$BL_DIR/prof.names" -n 1 -q 1 -t 60 >/dev/null 2>&1 || true
	kill -INT "$spid"
	wait "$spid" || true
}
if command -v strace >/dev/null; then
	for n in $SIZES; do profile "$n"; done
fi

field() { awk -v k="$2" '{ print $k }' "$1" | bl_summary; }
cell() { # FILE FIELD DECIMALS
	local m lo hi _
	read -r m lo hi _ < <(field "$1" "$2")
	printf '%s (%s–%s)' "$(bl_fmt "$m" "$3")" "$(bl_fmt "$lo" "$3")" "$(bl_fmt "$hi" "$3")"
}
med() { field "$1" "$2" | cut -d' ' -f1; }

{
	echo "## 3. DNS"
	echo
	echo "dnsmasq $(dnsmasq --version | awk 'NR == 1 { print $3 }') as the forwarder, with galaf's dnsmasq file (\`nftset=\` lines, and the"
	echo "per-app name lists: \`conntrack\` and \`connmark-allowlist\`, so a conntrack lookup per query) and"
	echo "with the same file without them. Median of $RUNS interleaved runs of up to ${SECS} s (min–max)."
	echo "Latency: mean of one query at a time, in milliseconds. Rate: queries per second with 32 in flight."
	echo "A miss goes to the upstream and, with galaf's lines, adds the answer to the app's set through"
	echo "libnftables; a hit is answered from dnsmasq's cache and adds nothing."
	echo
	echo "| app groups (domains) | case | latency without | latency with | ratio | rate without | rate with | ratio |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $SIZES; do
		for c in hit miss; do
			lw=$BL_DIR/$c.lat.with.$n lo=$BL_DIR/$c.lat.without.$n
			rw=$BL_DIR/$c.rate.with.$n ro=$BL_DIR/$c.rate.without.$n
			printf '| %s (%s) | cache %s | %s ms | %s ms | %s | %s/s | %s/s | %s |\n' "$(bl_fmt "$n")" "$(bl_fmt $((n * 5)))" "$c" \
				"$(cell "$lo" 2 3)" "$(cell "$lw" 2 3)" "$(bl_ratio "$(med "$lw" 2)" "$(med "$lo" 2)")" \
				"$(cell "$ro" 1 0)" "$(cell "$rw" 1 0)" "$(bl_ratio "$(med "$rw" 1)" "$(med "$ro" 1)")"
		done
	done
	if command -v strace >/dev/null; then
		echo
		echo "Where a miss goes: system calls of the nftset forwarder per miss (\`strace -c\`, 20 misses one at a"
		echo "time; the netlink messages are libnftables reading the table back before each element it adds)."
		echo
		echo "| app groups | system calls per miss | of which recvmsg | sendmsg | kernel time per miss (strace) |"
		echo "| --- | --- | --- | --- | --- |"
		for n in $SIZES; do
			awk -v n="$(bl_fmt "$n")" '$NF == "total" { tot = $(NF - 2); secs = $2 }
				$NF == "recvmsg" { rv = $4 } $NF == "sendmsg" { sd = $4 }
				END { printf "| %s | %.0f | %.0f | %.0f | %.2f ms |\n", n, tot / 20, rv / 20, sd / 20, secs * 1000 / 20 }' \
				"$BL_DIR/strace.$n"
		done
	fi
	for n in $SIZES; do
		for v in with without; do
			for c in hit miss; do
				awk -v what="$(bl_fmt "$n") groups, $v nftset lines, cache $c" '{ d += $3; l += $4 }
					END { if (l) printf "\nAt 32 in flight, %s: %d of %d queries lost (no answer by the end of dnsperf'"'"'s run); the rate counts the answered ones.\n", what, l, d + l }' \
					"$BL_DIR/$c.rate.$v.$n"
			done
		done
	done
	echo
	echo "Check: the learned sets hold an address for every miss answered through the nftset forwarder."
	echo
	echo "| app groups | misses answered with nftset lines | addresses in the learned sets | check |"
	echo "| --- | --- | --- | --- |"
} >"$OUT"
fail=0
for n in $SIZES; do
	got=$(ip netns exec "${NS[$n]}" nft -j list table inet galaf |
		jq '[.nftables[] | select(.set and (.set.name | endswith("_4"))) | .set.elem[]?] | length')
	ok=ok
	[ "$got" -ge "${MISSES[$n]}" ] || { ok="**FAILED**"; fail=1; }
	printf '| %s | %s | %s | %s |\n' "$(bl_fmt "$n")" "$(bl_fmt "${MISSES[$n]}")" "$(bl_fmt "$got")" "$ok" >>"$OUT"
done
for n in $SIZES; do
	for c in hit miss; do
		r=$(bl_ratio "$(med "$BL_DIR/$c.rate.with.$n" 1)" "$(med "$BL_DIR/$c.rate.without.$n" 1)")
		bl_headline "DNS rate with / without nftset lines, cache $c, $(bl_fmt "$n") groups" "$r" "reported" "—"
	done
	r=$(bl_ratio "$(med "$BL_DIR/miss.lat.with.$n" 2)" "$(med "$BL_DIR/miss.lat.without.$n" 2)")
	bl_headline "DNS miss latency with / without nftset lines, $(bl_fmt "$n") groups" "$r ($(bl_fmt "$(med "$BL_DIR/miss.lat.with.$n" 2)" 3) ms)" "reported" "—"
done
[ "$fail" -eq 0 ] || bl_die "learned-set check failed: see $OUT"
