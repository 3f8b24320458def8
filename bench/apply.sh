#!/usr/bin/env bash
# Apply: galaf-config apply time and peak memory from empty, for N groups of
# 10 CIDRs and 5 domains each (bench/genpolicy.py), beside `nft -f` of the
# same rendered text; and a re-apply after changing one group while 100,000
# learned addresses sit in the domain sets, beside `nft -f` of the same
# transaction (flush the chains, delete the static sets and maps, load the
# rendered text). And groups without domain lists (2 CIDRs and 2 ports
# each: no learned sets, so no named set per group), from empty, beside
# `nft -f` of the same text with the host's /etc/group (nft looks every gid
# literal up as a group name, a scan of the file per number: with the app
# groups in the file it takes minutes at 10,000; galaf-config answers
# numeric names itself, src/nft/numeric_ids.c).
#
#   bench/apply.sh [OUT.md]   (env: SIZES="10 100 1000 10000" RE_SIZES=1000
#                              RUNS=5 CAP=20 LEARNED=100000 DIAG_SIZE=1000
#                              NODOM_SIZES="1000 10000" CHART_DATA=DIR)
#
# Everything runs in throwaway network namespaces, inside a private mount
# namespace whose /etc/group holds the N app groups (apply checks them, and
# nft looks every gid up there too), so the host's groups stay untouched.
# A run that takes longer than CAP seconds is killed and reported as such.
# Each round runs every size and both tools, alternating which goes first.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-10 100 1000 10000}
RE_SIZES=${RE_SIZES:-1000}
RUNS=${RUNS:-5}
CAP=${CAP:-20}
LEARNED=${LEARNED:-100000}
DIAG_SIZE=${DIAG_SIZE:-1000}
NODOM_SIZES=${NODOM_SIZES:-1000 10000}
CHART_DATA=${CHART_DATA:-}
OUT=${1:-/dev/stdout}

bl_init
bl_tools_check jq nft unshare
[ -x "$GALAF_CONFIG" ] || bl_die "no $GALAF_CONFIG: run make"
T=$BL_DIR/bin
bl_build_tools "$T"

prepare() { # N: policy, varied policy, rendered texts, group file
	local n=$1 d=$BL_DIR/a$1
	mkdir -p "$d"
	if [ "${2:-}" = nodom ]; then
		d=$BL_DIR/n$1
		mkdir -p "$d"
		"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" "$n" 2 0 --ports 2 --dir "$d" >"$d/policy.json"
		"$GALAF_CONFIG" render --nft "$d/policy.json" >"$d/policy.nft"
		bl_groupfile "$n" "$d/group"
		return
	fi
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" "$n" 10 5 --dir "$d" >"$d/policy.json"
	"$PYTHON" "$BENCH_TOP/bench/genpolicy.py" "$n" 10 5 --dir "$d" --vary 0 >"$d/vary.json"
	"$GALAF_CONFIG" render --nft "$d/policy.json" >"$d/policy.nft"
	"$GALAF_CONFIG" render --nft "$d/vary.json" >"$d/vary.nft"
	bl_groupfile "$n" "$d/group"
}

# timed FILE N NS CMD...: one timed run of CMD in NS with N's group file
# (GROUPFILE=FILE: that one instead).
timed() {
	local f=$1 n=$2 ns=$3
	shift 3
	bl_with_db "${GROUPFILE:-$BL_DIR/a$n/group}" - ip netns exec "$ns" "$T/timeit" -t "$CAP" -o "$f" "$@" \
		>"$BL_DIR/out" 2>"$BL_DIR/err" || true
	read -r _ _ _ _ st <"$f"
	case $st in
	0 | timeout) ;;
	*) bl_die "$* failed ($st): $(tail -n 3 "$BL_DIR/err")" ;;
	esac
}

# from_empty VARIANT N: one run in a fresh namespace; appends "secs rss user sys status".
from_empty() {
	local v=$1 n=$2 d=$BL_DIR/a$2 ns
	bl_netns ns
	rm -rf "$d/state" "$d/dnsmasq.conf" "$d/gate.index"
	case $v in
	galaf) timed "$BL_DIR/one" "$n" "$ns" "$GALAF_CONFIG" apply "$d/policy.json" ;;
	nft) timed "$BL_DIR/one" "$n" "$ns" nft -f "$d/policy.nft" ;;
	nftcheck) timed "$BL_DIR/one" "$n" "$ns" nft -c -f "$d/policy.nft" ;;
	nfthostdb)
		ip netns exec "$ns" "$T/timeit" -t "$CAP" -o "$BL_DIR/one" nft -f "$d/policy.nft" ;;
	esac
	cat "$BL_DIR/one" >>"$BL_DIR/empty.$v.$n"
	# Delete the table before the namespace, so the kernel frees it now and
	# not in the background of the next run.
	ip netns exec "$ns" nft flush ruleset
	bl_netns_del "$ns"
}

# nodom VARIANT N: from empty without domain lists; appends to nodom.VARIANT.N.
nodom() {
	local v=$1 n=$2 d=$BL_DIR/n$2 ns st
	bl_netns ns
	rm -rf "$d/state" "$d/dnsmasq.conf" "$d/gate.index"
	case $v in
	galaf) GROUPFILE=$d/group timed "$BL_DIR/one" "$n" "$ns" "$GALAF_CONFIG" apply "$d/policy.json" ;;
	nft)
		ip netns exec "$ns" "$T/timeit" -t "$CAP" -o "$BL_DIR/one" nft -f "$d/policy.nft" || true
		read -r _ _ _ _ st <"$BL_DIR/one"
		[ "$st" = 0 ] || [ "$st" = timeout ] || bl_die "nft -f of $n groups without domains failed ($st)"
		;;
	esac
	cat "$BL_DIR/one" >>"$BL_DIR/nodom.$v.$n"
	ip netns exec "$ns" nft flush ruleset
	bl_netns_del "$ns"
}

# The learned sets of N's policy, and a file that fills them with LEARNED
# addresses (198.18.0.0/15, then 100.64.0.0/10), 1,000 per command.
fill_file() {
	local d=$BL_DIR/a$1
	"$GALAF_CONFIG" render --dnsmasq "$d/policy.json" |
		sed -n 's|.*/4#inet#galaf#\([^,]*\),.*|\1|p' >"$d/learned4"
	awk -v total="$LEARNED" 'NR == FNR { set[n++] = $1; next } END {
		for (i = 0; i < total; i++) {
			s = set[i % n]
			a = i < 131072 ? sprintf("198.%d.%d.%d", 18 + int(i / 65536), int(i / 256) % 256, i % 256) \
				: sprintf("100.%d.%d.%d", 64 + int((i - 131072) / 65536), int(i / 256) % 256, i % 256)
			list[s] = list[s] (cnt[s]++ % 1000 ? ", " : "") a
			if (cnt[s] % 1000 == 0) { printf "add element inet galaf %s { %s }\n", s, list[s]; list[s] = "" }
		}
		for (s in list) if (list[s] != "") printf "add element inet galaf %s { %s }\n", s, list[s]
	}' "$d/learned4" /dev/null >"$d/fill.nft"
}

# The transaction galaf sends, by hand: flush every chain, delete the static
# sets and maps (those without "dynamic"), then the rendered text.
equivalent_script() { # RENDERED > SCRIPT
	awk '
		/^\tchain / { chains[nc++] = $2 }
		/^\t(set|map) / { kind = $1; name = $2; dyn = 0 }
		/^\t\tflags .*dynamic/ { dyn = 1 }
		/^\t}/ && kind != "" { if (!dyn) statics[ns++] = kind " inet galaf " name; kind = "" }
		END {
			for (i = 0; i < nc; i++) print "flush chain inet galaf " chains[i]
			for (i = 0; i < ns; i++) print "delete " statics[i]
		}' "$1"
	cat "$1"
}

learned_count() { # NS SET
	ip netns exec "$1" nft -j list set inet galaf "$2" | jq '[.nftables[].set.elem[]?] | length'
}

# The delta galaf-config sends from FROM.json to TO.json, printed by a dry
# run in a scratch namespace (apply --dry-run --print). Uses N's state dir.
delta_script() { # N FROM TO > SCRIPT
	local d=$BL_DIR/a$1 ns
	bl_netns ns
	rm -rf "$d/state"
	bl_with_db "$d/group" - ip netns exec "$ns" "$GALAF_CONFIG" apply "$d/$2.json" >/dev/null ||
		bl_die "scratch apply of $2 failed"
	bl_with_db "$d/group" - ip netns exec "$ns" "$GALAF_CONFIG" apply --dry-run --print "$d/$3.json" 2>/dev/null
	ip netns exec "$ns" nft flush ruleset
	bl_netns_del "$ns"
}

# Re-apply at size N: three namespaces in the same state (the policy applied
# by galaf-config, LEARNED addresses added), then alternately the varied and
# the original policy: by galaf-config in one, by nft -f of the very delta
# galaf-config sends in another, and by nft -f of a full rebuild (flush
# every chain, delete static sets and maps, load the rendered text) in the
# third.
reapply() {
	local n=$1 d=$BL_DIR/a$1 ga nf full r v first before
	fill_file "$n"
	equivalent_script "$d/vary.nft" >"$d/vary.script"
	equivalent_script "$d/policy.nft" >"$d/policy.script"
	delta_script "$n" policy vary >"$d/vary.delta"
	delta_script "$n" vary policy >"$d/policy.delta"
	grep -q '^flush chain' "$d/vary.delta" || bl_die "no delta from policy to vary at $n groups"
	bl_netns ga
	bl_netns nf
	bl_netns full
	for ns in "$ga" "$nf" "$full"; do
		rm -rf "$d/state"
		bl_with_db "$d/group" - ip netns exec "$ns" "$GALAF_CONFIG" apply "$d/policy.json" >/dev/null ||
			bl_die "initial apply of $n groups failed"
		ip netns exec "$ns" nft -f "$d/fill.nft"
	done
	first=$(head -n1 "$d/learned4")
	before=$(learned_count "$ga" "$first")
	for ((r = 0; r < RUNS; r++)); do
		v=vary
		((r % 2)) && v=policy
		# Each round starts with a different one of the three.
		local k order=(galaf delta full)
		for k in 0 1 2; do
			case ${order[(r + k) % 3]} in
			galaf)
				timed "$BL_DIR/one" "$n" "$ga" "$GALAF_CONFIG" apply "$d/$v.json"
				grep -q "only the changes" "$BL_DIR/out" ||
					bl_die "re-apply at $n groups did not take the delta path: $(cat "$BL_DIR/out")"
				cat "$BL_DIR/one" >>"$BL_DIR/re.galaf.$n"
				;;
			delta)
				timed "$BL_DIR/one" "$n" "$nf" nft -f "$d/$v.delta"
				cat "$BL_DIR/one" >>"$BL_DIR/re.nft.$n"
				;;
			full)
				timed "$BL_DIR/one" "$n" "$full" nft -f "$d/$v.script"
				cat "$BL_DIR/one" >>"$BL_DIR/re.full.$n"
				;;
			esac
		done
	done
	# The learned addresses survived every re-apply, in every namespace.
	for ns in "$ga" "$nf" "$full"; do
		[ "$(learned_count "$ns" "$first")" -eq "$before" ] ||
			bl_die "re-apply at $n groups lost learned addresses in $first"
	done
	bl_netns_del "$ga"
	bl_netns_del "$nf"
	bl_netns_del "$full"
}

# shellcheck disable=SC2086 # lists of numbers
all_sizes=$(printf '%s\n' $SIZES $RE_SIZES | sort -nu)
for n in $all_sizes; do
	prepare "$n"
done

bl_log "from empty: ${SIZES// /, } groups, $RUNS rounds (cap ${CAP} s a run)"
for ((r = 0; r < RUNS; r++)); do
	for n in $SIZES; do
		variants=(galaf nft)
		((r % 2)) && variants=(nft galaf)
		[ "$n" = "$DIAG_SIZE" ] && variants+=(nftcheck nfthostdb)
		for v in "${variants[@]}"; do
			from_empty "$v" "$n"
		done
	done
	bl_log "round $((r + 1))/$RUNS done"
done
for n in $RE_SIZES; do
	bl_log "re-apply at $n groups with $LEARNED learned addresses"
	reapply "$n"
done
for n in $NODOM_SIZES; do
	prepare "$n" nodom
done
bl_log "without domain lists: ${NODOM_SIZES// /, } groups, $RUNS rounds"
for ((r = 0; r < RUNS; r++)); do
	for n in $NODOM_SIZES; do
		variants=(galaf nft)
		((r % 2)) && variants=(nft galaf)
		for v in "${variants[@]}"; do
			nodom "$v" "$n"
		done
	done
done

# col FILE FIELD: "median (min–max)" of one field; timeouts shown as "> CAP s".
col() {
	local f=$1 k=$2 m lo hi _
	if [ "$k" = 1 ] && grep -q timeout "$f"; then
		printf '> %s s (%s of %s runs killed)' "$CAP" "$(grep -c timeout "$f")" "$(wc -l <"$f")"
		return
	fi
	read -r m lo hi _ < <(awk -v k="$k" '{ print $k }' "$f" | bl_summary)
	if [ "$k" = 2 ]; then
		printf '%s MB (%s–%s)' "$(bl_fmt "$(awk -v v="$m" 'BEGIN { print v / 1024 }')")" \
			"$(bl_fmt "$(awk -v v="$lo" 'BEGIN { print v / 1024 }')")" "$(bl_fmt "$(awk -v v="$hi" 'BEGIN { print v / 1024 }')")"
	else
		printf '%s s (%s–%s)' "$(bl_fmt "$m" 3)" "$(bl_fmt "$lo" 3)" "$(bl_fmt "$hi" 3)"
	fi
}
med() { # FILE FIELD ("nan" when a run was killed)
	grep -q timeout "$1" && [ "$2" = 1 ] && { echo nan; return; }
	awk -v k="$2" '{ print $k }' "$1" | bl_summary | cut -d' ' -f1
}
cpu_med() { # FILE: median of user + kernel CPU time
	awk '{ print $3 + $4 }' "$1" | bl_summary | cut -d' ' -f1
}
cpu() { # FILE: "user / kernel" medians
	printf '%s / %s s' "$(bl_fmt "$(med "$1" 3)" 2)" "$(bl_fmt "$(med "$1" 4)" 2)"
}

{
	echo "## 2. Apply"
	echo
	echo "Each group allows 10 CIDRs and 5 domains (\`bench/genpolicy.py N 10 5\`), so each has its own"
	echo "domain list: two named learned sets (IPv4, IPv6) and a chain per group. Median of $RUNS"
	echo "interleaved runs (min–max), wall time and peak resident memory of the process; CPU time split"
	echo "into user space and kernel (the kernel's share is the nf_tables transaction). \`nft -f\` loads"
	echo "exactly the text \`galaf-config render --nft\` prints. Runs longer than $CAP s were killed."
	echo
	echo "### From empty"
	echo
	echo "| groups | galaf-config apply | memory | CPU user / kernel | nft -f same text | memory | CPU user / kernel | apply / nft |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $SIZES; do
		g=$BL_DIR/empty.galaf.$n f=$BL_DIR/empty.nft.$n
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(bl_fmt "$n")" "$(col "$g" 1)" "$(col "$g" 2)" "$(cpu "$g")" \
			"$(col "$f" 1)" "$(col "$f" 2)" "$(cpu "$f")" "$(bl_ratio "$(med "$g" 1)" "$(med "$f" 1)")"
	done
	prev='' prev_t=''
	growth=
	for n in $SIZES; do
		t=$(med "$BL_DIR/empty.galaf.$n" 1)
		if [ -n "$prev" ] && [ "$n" -ge 1000 ]; then
			growth+="$(bl_fmt "$prev") → $(bl_fmt "$n") groups: ×$(bl_ratio "$t" "$prev_t") for ×$(bl_ratio "$n" "$prev") groups. "
		fi
		prev=$n prev_t=$t
	done
	echo
	echo "Growth of galaf-config apply: ${growth:-n/a}"
	if [ -f "$BL_DIR/empty.nftcheck.$DIAG_SIZE" ]; then
		echo
		echo "### Where the time goes, at $(bl_fmt "$DIAG_SIZE") groups"
		echo
		echo "| what | wall time | CPU user / kernel |"
		echo "| --- | --- | --- |"
		for v in galaf nft nftcheck nfthostdb; do
			f=$BL_DIR/empty.$v.$DIAG_SIZE
			case $v in
			galaf) l="galaf-config apply (one transaction)" ;;
			nft) l="nft -f, app groups in /etc/group" ;;
			nftcheck) l="nft -c -f (check only: what galaf's dry-run pass costs)" ;;
			nfthostdb) l="nft -f, app groups not in /etc/group (the host's file)" ;;
			esac
			printf '| %s | %s | %s |\n' "$l" "$(col "$f" 1)" "$(cpu "$f")"
		done
	fi
	echo
	echo "### Re-apply after changing one group, with $(bl_fmt "$LEARNED") learned addresses"
	echo
	echo "The one group's port alternates between runs, so every run changes it, and galaf-config"
	echo "sends only the difference (checked on every run). \"nft -f same transaction\" loads the very"
	echo "commands galaf-config sends (\`apply --dry-run --print\`); \"nft -f full rebuild\" what a"
	echo "whole-table re-apply costs: flush every chain, delete the static sets and maps, load the"
	echo "rendered text. The learned addresses were checked to survive every run."
	echo
	echo "| groups | galaf-config apply | memory | CPU user / kernel | nft -f same transaction | memory | apply / nft | nft -f full rebuild |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for n in $RE_SIZES; do
		g=$BL_DIR/re.galaf.$n f=$BL_DIR/re.nft.$n
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(bl_fmt "$n")" "$(col "$g" 1)" "$(col "$g" 2)" "$(cpu "$g")" \
			"$(col "$f" 1)" "$(col "$f" 2)" "$(bl_ratio "$(med "$g" 1)" "$(med "$f" 1)")" "$(col "$BL_DIR/re.full.$n" 1)"
	done
	if [ -n "$NODOM_SIZES" ]; then
		echo
		echo "### From empty, without domain lists"
		echo
		echo "Each group allows 2 CIDRs on 2 ports (\`bench/genpolicy.py N 2 0 --ports 2\`): no learned sets, so"
		echo "the table holds one chain per group and the shared sets and maps. Median of $RUNS interleaved runs"
		echo "(min–max). galaf-config runs with the app groups in /etc/group (it checks them); \`nft -f\` of the"
		echo "same text with the host's /etc/group, where its lookup of every gid literal as a group name"
		echo "is cheap (with the app groups there it took minutes at 10,000 groups; see Where the time goes)."
		echo
		echo "| groups | galaf-config apply | memory | CPU user / kernel | nft -f same text | memory | CPU user / kernel | apply / nft (wall) | apply / nft (CPU) |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
		for n in $NODOM_SIZES; do
			g=$BL_DIR/nodom.galaf.$n f=$BL_DIR/nodom.nft.$n
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(bl_fmt "$n")" "$(col "$g" 1)" "$(col "$g" 2)" "$(cpu "$g")" \
				"$(col "$f" 1)" "$(col "$f" 2)" "$(cpu "$f")" "$(bl_ratio "$(med "$g" 1)" "$(med "$f" 1)")" \
				"$(bl_ratio "$(cpu_med "$g")" "$(cpu_med "$f")")"
		done
	fi
} >"$OUT"

for n in $SIZES; do
	t=$(med "$BL_DIR/empty.galaf.$n" 1)
	case $n in
	1000) bl_headline "Apply from empty, 1,000 groups" "$(bl_fmt "$t" 3) s" "< 0.5 s" "$(bl_cmp "$t" '<' 0.5)" ;;
	10000) bl_headline "Apply from empty, 10,000 groups" "$(col "$BL_DIR/empty.galaf.$n" 1 | sed 's/ (.*//')" "< 3 s" "$(bl_cmp "$t" '<' 3)" ;;
	esac
	if [ "$n" = "${SIZES##* }" ]; then
		r=$(bl_ratio "$t" "$(med "$BL_DIR/empty.nft.$n" 1)")
		bl_headline "Apply from empty / nft -f same text, $(bl_fmt "$n") groups" "$r" "≤ 1.10" "$(bl_cmp "$r" '<=' 1.10)"
	fi
done
big=${SIZES##* }
kbig=$(awk -v n="$big" 'BEGIN { print n / 10 }')
if [ -f "$BL_DIR/empty.galaf.$kbig" ]; then
	g=$(bl_ratio "$(med "$BL_DIR/empty.galaf.$big" 1)" "$(med "$BL_DIR/empty.galaf.$kbig" 1)")
	bl_headline "Apply growth, $(bl_fmt "$kbig") → $(bl_fmt "$big") groups (linear: ×10)" "×$g" "≤ ×10 (linear)" \
		"$(bl_cmp "$g" '<=' 12)"
fi
for n in $RE_SIZES; do
	t=$(med "$BL_DIR/re.galaf.$n" 1)
	bl_headline "Re-apply, one group changed, $(bl_fmt "$LEARNED") learned, $(bl_fmt "$n") groups" "$(bl_fmt "$t" 3) s" "< 0.3 s" "$(bl_cmp "$t" '<' 0.3)"
	r=$(bl_ratio "$t" "$(med "$BL_DIR/re.nft.$n" 1)")
	bl_headline "Re-apply / nft -f same transaction, $(bl_fmt "$n") groups" "$r" "≤ 1.10" "$(bl_cmp "$r" '<=' 1.10)"
done

# shellcheck disable=SC2086 # a list of numbers
set -- $NODOM_SIZES
if [ $# -ge 1 ]; then
	nbig=${*: -1} nsmall=$1
	t=$(med "$BL_DIR/nodom.galaf.$nbig" 1)
	bl_headline "Apply from empty, $(bl_fmt "$nbig") groups without domain lists" "$(bl_fmt "$t" 3) s" "< 3 s" "$(bl_cmp "$t" '<' 3)"
	r=$(bl_ratio "$t" "$(med "$BL_DIR/nodom.nft.$nbig" 1)")
	rc=$(bl_ratio "$(cpu_med "$BL_DIR/nodom.galaf.$nbig")" "$(cpu_med "$BL_DIR/nodom.nft.$nbig")")
	bl_headline "Apply / nft -f same text, $(bl_fmt "$nbig") groups without domain lists (wall; CPU)" "$r; $rc" "≤ 1.0" "$(bl_cmp "$r" '<=' 1.0)"
	if [ "$nsmall" != "$nbig" ]; then
		g=$(bl_ratio "$t" "$(med "$BL_DIR/nodom.galaf.$nsmall" 1)")
		x=$(bl_ratio "$nbig" "$nsmall")
		bl_headline "Apply growth without domain lists, $(bl_fmt "$nsmall") → $(bl_fmt "$nbig") groups (×$x groups)" "×$g" "≤ ×$x (linear)" "$(bl_cmp "$g" '<=' "$x")"
	fi
fi
if [ -n "$CHART_DATA" ]; then
	mkdir -p "$CHART_DATA"
	{
		printf '# groups\tgalaf_s\tnft_s\tkind\n'
		for n in $SIZES; do
			printf '%s\t%s\t%s\tdomains\n' "$n" "$(med "$BL_DIR/empty.galaf.$n" 1)" "$(med "$BL_DIR/empty.nft.$n" 1)"
		done
	} >"$CHART_DATA/apply-domains.tsv"
	{
		printf '# groups\tgalaf_s\tnft_s\tkind\n'
		for n in $NODOM_SIZES; do
			printf '%s\t%s\t%s\tnodomains\n' "$n" "$(med "$BL_DIR/nodom.galaf.$n" 1)" "$(med "$BL_DIR/nodom.nft.$n" 1)"
		done
	} >"$CHART_DATA/apply-nodomains.tsv"
fi
