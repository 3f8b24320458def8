#!/usr/bin/env bash
# make fuzz: libFuzzer over load -> check -> render, seeded with every test
# policy. FUZZ_SECONDS (default 60) bounds the run. A crash is saved under
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
		"$out/libgalaf.a" $(pkg-config --libs libnftables jansson libbpf) || exit 2
done

seeds=("$out/corpus")
for d in tests/golden tests/bad examples tests/fuzz/regressions; do
	[ -d "$d" ] && seeds+=("$d")
done
cp -f galaf.json.example "$out/corpus/" 2>/dev/null
find tests/golden -name policy.json -exec sh -c 'cp "$1" "'"$out"'/corpus/$(echo "$1" | tr / _)"' _ {} \;

if [ "${1:-}" = --replay ]; then
	# Replay every saved regression once; no new inputs.
	"$out/fuzz_policy" -runs=0 tests/fuzz/regressions >/dev/null 2>&1 && exit 0
	"$out/fuzz_policy" -runs=0 tests/fuzz/regressions
	exit 1
fi
"$out/fuzz_policy" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix=tests/fuzz/crashes/ -print_final_stats=1 "${seeds[@]}"
