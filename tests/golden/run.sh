#!/usr/bin/env bash
# Golden cases: every tests/golden/CASE/policy.json is rendered as nft,
# dnsmasq and gate index and compared byte for byte with expected.nft,
# expected.dnsmasq and expected.gate; each expected.nft is loaded with nft -f
# into a fresh network namespace, then loaded again on top, and dnsmasq
# --test must accept each expected.dnsmasq. A case with expected.err instead
# must fail every render with that stderr (the policy's path written as
# POLICY) and the exit code in expected.exit (default 1), printing nothing.
# Then galaf.json.example and examples/*.json are checked, rendered and
# loaded (they depend on this machine's users: success only, not bytes).
#
# Binary: $GALAF_CONFIG (default build/galaf-config), run through $GALAF_WRAP.
# Prints TAP; exits non-zero when anything failed. Needs root (namespaces).
# Regenerate the expected files with tests/golden/update.sh (make golden-update).
# shellcheck source-path=SCRIPTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/common.bash
. "$here/../lib/common.bash"
# shellcheck source=../lib/tap.bash
. "$here/../lib/tap.bash"

tmp=$(mktemp -d /tmp/galaf-golden.XXXXXX) || exit 2
ns=""
cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nft_load_twice FILE: loads FILE into a new namespace, then again on top.
nft_load_twice() {
	local rc=0
	ns=galaf-g-$(galaf_rand)
	ip netns add "$ns" || { ns=""; return 1; }
	if ! ip netns exec "$ns" nft -f "$1"; then
		rc=1
	elif ! ip netns exec "$ns" nft -f "$1"; then
		echo "(the second load, on top of the first, failed)"
		rc=1
	fi
	ip netns del "$ns"
	ns=""
	return "$rc"
}

# check_load ID NFTFILE DNSMASQFILE: the outputs work with the real tools.
check_load() {
	local id=$1 out
	if nft_load_twice "$2" >"$tmp/load" 2>&1; then
		tap_case "$id: nft -f loads, twice, in a fresh namespace" 1
	else
		tap_case "$id: nft -f loads, twice, in a fresh namespace" 0 "$(<"$tmp/load")"
	fi
	if out=$(dnsmasq --test -C "$3" 2>&1); then
		tap_case "$id: dnsmasq --test accepts the dnsmasq file" 1
	else
		tap_case "$id: dnsmasq --test accepts the dnsmasq file" 0 "$out"
	fi
}

# golden_ok DIR: a case whose renders must succeed and match.
golden_ok() {
	local dir=$1 id=golden/${1##*/} kind rc out err
	for kind in nft dnsmasq gate; do
		out=$tmp/out.$kind err=$tmp/err.$kind
		galaf_run "$out" "$err" render "--$kind" "$dir/policy.json"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			tap_case "$id: render --$kind" 0 "exit $rc, expected 0; stderr:" "$(<"$err")"
		elif [ ! -f "$dir/expected.$kind" ]; then
			tap_case "$id: render --$kind" 0 "no expected.$kind; run tests/golden/update.sh"
		elif ! diff -u "$dir/expected.$kind" "$out" >"$tmp/diff"; then
			tap_case "$id: render --$kind" 0 "$(<"$tmp/diff")"
		elif galaf_findings "$err" >"$tmp/find"; then
			tap_case "$id: render --$kind" 0 "memory or UB findings:" "$(<"$err")"
		else
			tap_case "$id: render --$kind" 1
		fi
	done
	if [ -f "$dir/expected.nft" ] && [ -f "$dir/expected.dnsmasq" ]; then
		check_load "$id" "$dir/expected.nft" "$dir/expected.dnsmasq"
	fi
}

# golden_err DIR: a case whose renders must all fail the same way.
golden_err() {
	local dir=$1 id=golden/${1##*/} kind rc want=1 out err
	[ -f "$dir/expected.exit" ] && want=$(<"$dir/expected.exit")
	for kind in nft dnsmasq gate; do
		out=$tmp/out.$kind err=$tmp/err.$kind
		galaf_run "$out" "$err" render "--$kind" "$dir/policy.json"
		rc=$?
		if [ "$rc" -ne "$want" ]; then
			tap_case "$id: render --$kind fails" 0 "exit $rc, expected $want; stderr:" "$(<"$err")"
		elif [ -s "$out" ]; then
			tap_case "$id: render --$kind fails" 0 "partial output on stdout:" "$(head -c 2000 "$out")"
		elif ! diff -u "$dir/expected.err" <(galaf_as_policy "$err" "$dir/policy.json") >"$tmp/diff"; then
			tap_case "$id: render --$kind fails" 0 "$(<"$tmp/diff")"
		else
			tap_case "$id: render --$kind fails" 1
		fi
	done
}

# machine_policy FILE: checks, renders and loads a policy that names this machine's users.
machine_policy() {
	local f=$1 id=${1#"$GALAF_TOP"/} kind rc ok=1 msg=()
	galaf_run "$tmp/check.out" "$tmp/check.err" check "$f"
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q ': valid$' "$tmp/check.out" || galaf_findings "$tmp/check.err" >/dev/null; then
		tap_case "$id: check" 0 "exit $rc; stdout:" "$(<"$tmp/check.out")" "stderr:" "$(<"$tmp/check.err")"
	else
		tap_case "$id: check" 1
	fi
	for kind in nft dnsmasq gate; do
		galaf_run "$tmp/ex.$kind" "$tmp/err.$kind" render "--$kind" "$f"
		rc=$?
		if [ "$rc" -ne 0 ] || [ ! -s "$tmp/ex.$kind" ] || galaf_findings "$tmp/err.$kind" >/dev/null; then
			ok=0
			msg+=("render --$kind: exit $rc; stderr:" "$(<"$tmp/err.$kind")")
		fi
	done
	tap_case "$id: render --nft, --dnsmasq, --gate" "$ok" "${msg[@]}"
	[ "$ok" = 1 ] && check_load "$id" "$tmp/ex.nft" "$tmp/ex.dnsmasq"
}

main() {
	local dir f
	if [ "$(id -u)" -ne 0 ]; then
		tap_not_ok "golden: loading rulesets needs network namespaces, so root; run as root"
		tap_done
		return
	fi
	tap_require nft dnsmasq ip timeout || { tap_done; return; }
	if [ ! -x "$GALAF_CONFIG" ]; then
		tap_not_ok "golden: $GALAF_CONFIG is missing; run make"
		tap_done
		return
	fi
	for dir in "$here"/*/; do
		dir=${dir%/}
		[ -f "$dir/policy.json" ] || continue
		if [ -f "$dir/expected.err" ]; then
			golden_err "$dir"
		else
			golden_ok "$dir"
		fi
	done
	for f in "$GALAF_TOP/galaf.json.example" "$GALAF_TOP"/examples/*.json; do
		[ -f "$f" ] && machine_policy "$f"
	done
	tap_done
}

main
