#!/usr/bin/env bash
# Runs every test suite: data-driven golden and bad-input cases, then the
# BATS files (command lines, namespaces end to end). Prints one summary
# line, "N passed, N failed", and exits non-zero when anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export GALAF_TOP=$top

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run-all.sh: the tests load rulesets in network namespaces and need root" >&2
	exit 2
fi

passed=0
failed=0
failures=()

# A suite prints "ok"/"not ok" lines in TAP style; count them.
run_suite() {
	local name=$1 out rc
	shift
	echo "== $name"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	local p f
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		failures+=("$name: exited $rc")
	fi
	[ "$f" -gt 0 ] && failures+=("$name: $f failed")
	passed=$((passed + p))
	failed=$((failed + f))
}

suites=${GALAF_SUITES:-"golden bad bats"}
for s in $suites; do
	case $s in
	golden) run_suite golden tests/golden/run.sh ;;
	bad) run_suite bad-input tests/bad/run.sh ;;
	bats) run_suite bats bats --tap tests/bats ;;
	*) run_suite "$s" bats --tap "tests/bats/$s.bats" ;;
	esac
done

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
