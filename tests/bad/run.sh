#!/usr/bin/env bash
# The bad-input corpus: for every tests/bad/NAME.expect, the policy
# tests/bad/NAME.json (or the one tests/bad/gen.sh writes, for the big,
# binary and special files) must make `galaf-config check` exit 1 with
# nothing on stdout and every line of NAME.expect on stderr (the policy's path
# written as POLICY there), and as many "error:" lines as NAME.expect has
# (warnings may vary with the machine); `galaf-config render --nft` must also exit 1 with
# nothing on stdout. No run may crash, hang (GALAF_TIMEOUT seconds, default
# 30) or report a sanitizer or valgrind finding.
#
# Binary: $GALAF_CONFIG (default build/galaf-config), run through $GALAF_WRAP,
# e.g. GALAF_WRAP="valgrind -q --error-exitcode=99 --leak-check=full
# --errors-for-leak-kinds=definite". Prints TAP; exits non-zero on any failure.
# Cases listed in tests/KNOWN-BUGS.md still fail, and say so.
# shellcheck source-path=SCRIPTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
GALAF_TIMEOUT=${GALAF_TIMEOUT:-30}
# shellcheck source=../lib/common.bash
. "$here/../lib/common.bash"
# shellcheck source=../lib/tap.bash
. "$here/../lib/tap.bash"

tmp=$(mktemp -d /tmp/galaf-bad.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The policy file of case NAME, committed or generated.
policy_of() {
	if [ -f "$here/$1.json" ]; then
		echo "$here/$1.json"
	elif [ -e "$tmp/gen/$1.json" ] || [ -L "$tmp/gen/$1.json" ]; then
		echo "$tmp/gen/$1.json"
	else
		return 1
	fi
}

# describe_run WHAT RC OUT ERR POLICY: why a run that must exit 1 silently
# failed, or nothing when it did what it should.
describe_run() {
	local what=$1 rc=$2 out=$3 err=$4 policy=$5
	case $rc in
	1) ;;
	124 | 137) echo "$what: hung (killed after ${GALAF_TIMEOUT}s)" ;;
	*)
		if [ "$rc" -gt 128 ]; then
			echo "$what: crashed with signal $((rc - 128))"
		else
			echo "$what: exit $rc, expected 1"
		fi
		;;
	esac
	if [ -s "$out" ]; then
		echo "$what: wrote to stdout (partial output):"
		head -c 400 "$out"
		echo
	fi
	if galaf_findings "$err" >/dev/null; then
		echo "$what: memory or undefined-behaviour findings:"
		galaf_as_policy "$err" "$policy"
	fi
}

# all_lines_in EXPECT GOT: every non-empty line of EXPECT is a whole line of GOT.
all_lines_in() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		[ -z "$line" ] && continue
		grep -qxF -- "$line" "$2" || return 1
	done <"$1"
	return 0
}

# run_case NAME: one TAP line for the case.
run_case() {
	local name=$1 policy expect=$here/$1.expect rc why=""
	if ! policy=$(policy_of "$name"); then
		tap_case "bad/$name" 0 "neither tests/bad/$name.json nor a generated one exists"
		return
	fi
	galaf_run "$tmp/out" "$tmp/err" check "$policy"
	rc=$?
	why=$(describe_run check "$rc" "$tmp/out" "$tmp/err" "$policy")
	galaf_as_policy "$tmp/err" "$policy" >"$tmp/got"
	if ! all_lines_in "$expect" "$tmp/got"; then
		why+=${why:+$'\n'}"check: stderr lacks the expected line(s); diff expected actual:"
		why+=$'\n'$(diff -u "$expect" "$tmp/got" | tail -n +3)
	fi
	# As many errors as expected: no duplicates, no follow-on errors.
	local want got
	want=$(grep -c ': error: ' "$expect")
	got=$(grep -c ': error: ' "$tmp/got")
	if [ "$want" -ne "$got" ] && [ -z "$why" ]; then
		why="check: $got error lines on stderr, expected $want:"$'\n'$(<"$tmp/got")
	fi
	# A hung check would hang render too: do not wait twice.
	if [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then
		galaf_run "$tmp/out" "$tmp/err" render --nft "$policy"
		rc=$?
		local r
		r=$(describe_run "render --nft" "$rc" "$tmp/out" "$tmp/err" "$policy")
		[ -n "$r" ] && why+=${why:+$'\n'}$r
	fi
	if [ -z "$why" ]; then
		tap_case "bad/$name" 1
	else
		tap_case "bad/$name" 0 "$why"
	fi
}

main() {
	local e name
	tap_require timeout || { tap_done; return; }
	if [ ! -x "$GALAF_CONFIG" ]; then
		tap_not_ok "bad: $GALAF_CONFIG is missing; run make"
		tap_done
		return
	fi
	if ! "$here/gen.sh" "$tmp/gen"; then
		tap_not_ok "bad: tests/bad/gen.sh could not write the generated cases"
	fi
	for e in "$here"/*.expect; do
		name=${e##*/}
		run_case "${name%.expect}"
	done
	tap_done
}

main
