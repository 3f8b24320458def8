#!/usr/bin/env bash
# make fuzz: libFuzzer over load -> check -> render, seeded with every test
# policy, then over the gate index parser, seeded with every golden .gate.
# FUZZ_SECONDS (default 60) bounds the first run, FUZZ_GATE_SECONDS (default
# 20) the second. A crash is saved under
# tests/fuzz/crashes/ and fails the run; copy it into tests/fuzz/regressions/
# so that every crash ever found is replayed by `make check` from then on.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
out=build-fuzz
seconds=${FUZZ_SECONDS:-60}
mkdir -p "$out" tests/fuzz/crashes "$out/corpus"

# The fuzz targets link the same library archive as the tools, built here
# with the fuzzer's instrumentation (B=build-fuzz keeps it apart).
fsan="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
make -s -j"$(nproc)" B="$out" CC=clang OPT="-g -O1" WARN="-Wall" SAN="$fsan" "$out/libgalaf.a" >/dev/null || exit 2
for t in fuzz_policy fuzz_gate_index; do
	[ -e "tests/fuzz/$t.c" ] || continue
	# shellcheck disable=SC2046 # word lists on purpose
	clang -std=gnu17 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(pkg-config --cflags jansson) -o "$out/$t" "tests/fuzz/$t.c" \
		src/gate/index.c "$out/libgalaf.a" $(pkg-config --libs libnftables jansson libbpf) || exit 2
done
mkdir -p "$out/corpus-gate" tests/fuzz/regressions-gate
for f in tests/golden/*/expected.gate; do
	cp -f "$f" "$out/corpus-gate/$(echo "$f" | tr / _)"
done

seeds=("$out/corpus")
for d in tests/golden tests/bad examples tests/fuzz/regressions; do
	[ -d "$d" ] && seeds+=("$d")
done
cp -f galaf.json.example "$out/corpus/" 2>/dev/null
find tests/golden -name policy.json -exec sh -c 'cp "$1" "'"$out"'/corpus/$(echo "$1" | tr / _)"' _ {} \;

if [ "${1:-}" = --replay ]; then
	# Replay every saved regression once; no new inputs.
	rc=0
	"$out/fuzz_policy" -runs=0 tests/fuzz/regressions >/dev/null 2>&1 ||
		"$out/fuzz_policy" -runs=0 tests/fuzz/regressions || rc=1
	"$out/fuzz_gate_index" -runs=0 tests/fuzz/regressions-gate >/dev/null 2>&1 ||
		"$out/fuzz_gate_index" -runs=0 tests/fuzz/regressions-gate || rc=1
	exit "$rc"
fi
"$out/fuzz_policy" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix=tests/fuzz/crashes/ -print_final_stats=1 "${seeds[@]}" || exit 1
"$out/fuzz_gate_index" -max_total_time="${FUZZ_GATE_SECONDS:-20}" -max_len=16384 -timeout=10 \
	-artifact_prefix=tests/fuzz/crashes/gate- -print_final_stats=1 "$out/corpus-gate" \
	tests/fuzz/regressions-gate
