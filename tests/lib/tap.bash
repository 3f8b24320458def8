# TAP output and shared plumbing for the data-driven suites (tests/golden,
# tests/bad). Source after common.bash:
#   . "$GALAF_TOP/tests/lib/tap.bash"
# shellcheck shell=bash

tap_n=0
tap_failed=0
# GALAF_WRAP split into words once (e.g. "valgrind -q --error-exitcode=99").
read -ra galaf_wrap <<<"${GALAF_WRAP:-}"
# Under valgrind, tests/valgrind.supp silences what libnftnl does with its
# own memory (see there), unless the wrapper names suppressions itself.
if [ "${galaf_wrap[0]:-}" = valgrind ] && [[ " ${galaf_wrap[*]} " != *" --suppressions="* ]]; then
	galaf_wrap+=("--suppressions=$GALAF_TOP/tests/valgrind.supp")
fi
# Seconds one run of the binary may take before it counts as a hang.
GALAF_TIMEOUT=${GALAF_TIMEOUT:-120}
# Sanitizers must not use exit code 1: that is "invalid policy".
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=99:halt_on_error=1:print_stacktrace=1}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

# tap_not_ok NAME [DETAIL...]: each DETAIL (may hold newlines) as "# " comments.
tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}

# tap_done: the plan line; returns non-zero when anything failed.
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# galaf_run OUT ERR ARGS...: runs the binary under test (through GALAF_WRAP,
# under a time limit); stdout to OUT, stderr to ERR; returns its exit code.
galaf_run() {
	local out=$1 err=$2
	shift 2
	# The braces keep bash's own "Segmentation fault" notices out of the TAP
	# stream: the callers report crashes from the exit code.
	{ timeout --kill-after=5 "$GALAF_TIMEOUT" "${galaf_wrap[@]}" "$GALAF_CONFIG" "$@" \
		>"$out" 2>"$err" </dev/null; } 2>/dev/null
}

# Reports from ASan, UBSan, LeakSanitizer or valgrind in FILE, if any.
galaf_findings() {
	grep -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|^==[0-9]+== ' "$1"
}

# FILE with every occurrence of PATH written as POLICY.
galaf_as_policy() {
	local text
	text=$(<"$1")
	[ -n "$text" ] && printf '%s\n' "${text//"$2"/POLICY}"
	return 0
}

# Whether tests/KNOWN-BUGS.md lists the case ID (e.g. "bad/port-out-of-range").
galaf_known_bug() {
	grep -qF -- "\`$1\`" "$GALAF_TOP/tests/KNOWN-BUGS.md" 2>/dev/null
}

# tap_case ID OK DETAIL...: ok or not ok for a case, noting known bugs either way.
tap_case() {
	local id=$1 ok=$2
	shift 2
	if [ "$ok" = 1 ]; then
		if galaf_known_bug "$id"; then
			tap_ok "$id (listed in tests/KNOWN-BUGS.md but passes: remove it there)"
		else
			tap_ok "$id"
		fi
	elif galaf_known_bug "$id"; then
		tap_not_ok "$id (known compiler bug, see tests/KNOWN-BUGS.md)" "$@"
	else
		tap_not_ok "$id" "$@"
	fi
}

# The tools a suite needs; a missing one is a failure that says why.
tap_require() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			tap_not_ok "requirement: $t is not installed; this suite cannot run here"
			return 1
		fi
	done
	return 0
}
