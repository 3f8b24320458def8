#!/usr/bin/env bash
# make check: every suite with the normal build, again with an
# AddressSanitizer + UndefinedBehaviorSanitizer build, then the quality
# gates (valgrind, static analysis, format, man pages, fuzzing), a tiny
# benchmark run and the demo. Ends with
# one line "N passed, N failed"; exits non-zero when anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

passed=0
failed=0
parts=()

# run_part NAME CMD...: CMD ends with a "N passed, N failed" line.
run_part() {
	local name=$1 log rc p f line start=$SECONDS
	shift
	echo
	echo "######## $name"
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	rm -f "$log"
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	[ -n "$line" ] || { p=0; f=1; }
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
	parts+=("$name: $p passed, $f failed ($((SECONDS - start)) s)")
}

run_part "tests (normal build)" tests/run-all.sh

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
echo
echo "######## building with $san into build-asan"
if make -s -j"$(nproc)" B=build-asan SAN="$san" OPT="-O1 -g" all; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=97
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
	export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
	GALAF_BUILD=$top/build-asan run_part "tests (ASan+UBSan build)" tests/run-all.sh
	unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
else
	failed=$((failed + 1))
	parts+=("ASan build: failed")
fi

run_part "quality gates" tests/gates.sh

# make bench at a tiny size, only to prove every part still works.
bench_tiny() {
	if bench/run.sh --tiny; then
		echo "1 passed, 0 failed"
	else
		echo "0 passed, 1 failed"
		return 1
	fi
}
run_part "benchmarks (--tiny)" bench_tiny

# The README's first command: the demo must keep working end to end.
demo() {
	if examples/demo.sh; then
		echo "1 passed, 0 failed"
	else
		echo "0 passed, 1 failed"
		return 1
	fi
}
run_part "make demo" demo

echo
echo "######## summary"
for x in "${parts[@]}"; do echo "  $x"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
