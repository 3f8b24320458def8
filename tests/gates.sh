#!/usr/bin/env bash
# Quality gates, one "ok"/"not ok" line each and a closing summary:
# valgrind on every golden and bad-input case, cppcheck, clang-tidy,
# the shell linter, clang-format, mandoc, and the fuzzer (60 s in CI;
# every saved crash is replayed always).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export GALAF_TOP=$top

n=0
passed=0
failed=0
gate() {
	local name=$1 log
	shift
	n=$((n + 1))
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name"
		sed 's/^/#   /' "$log" | tail -n 40
		failed=$((failed + 1))
	fi
	rm -f "$log"
}

c_files() { find src -name '*.c' | sort; }
c_and_h() { find src tests/fuzz tests/helpers tests/unit bench -name '*.[ch]' 2>/dev/null | sort; }
shell_files() {
	{
		find tests scripts examples bench debian -type f \( -name '*.sh' -o -name '*.bash' \) 2>/dev/null
		echo .ci/run
	} | sort
}

gate "layering: folders, no cycles, one library per folder, file sizes" tests/layering.sh
gate "valgrind: check and render of every golden and bad-input case" tests/valgrind.sh
# cppcheck does not read system headers: tests/cppcheck.h spells out jansson's macros.
gate "cppcheck src/" cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr --std=c11 -D_GNU_SOURCE -Isrc -DGALAF_VERSION='"x"' -DGATE_INDEX='"x"' \
	-DBPF_OBJECT='"x"' -DGALAF_PATH='"x"' --suppress=missingIncludeSystem --include=tests/cppcheck.h src/
gate "clang-tidy src/" sh -c "clang-tidy --quiet $(c_files | tr '\n' ' ') -- -std=gnu17 -D_GNU_SOURCE -Isrc \
	-DGALAF_VERSION='\"x\"' -DGATE_INDEX='\"x\"' -DBPF_OBJECT='\"x\"' -DGALAF_PATH='\"x\"' 2>&1 | tee /dev/stderr | \
	{ ! grep -E 'warning:|error:'; }"
# shellcheck disable=SC2046 # file lists, one word per file
gate "shellcheck" shellcheck -x $(shell_files)
gate "shellcheck (bats)" shellcheck -x -s bash tests/bats/*.bats
# shellcheck disable=SC2046
gate "clang-format --dry-run -Werror" clang-format --dry-run -Werror $(c_and_h)
gate "mandoc -Tlint" sh -c "mandoc -Tlint -Wwarning man/* 2>&1 | grep -v 'mandoc.db' | { ! grep .; }"
gate "fuzz: replay every saved crash" tests/fuzz/run.sh --replay
if [ "${CI:-}" = true ] || [ -n "${GALAF_FUZZ:-}" ]; then
	gate "fuzz: ${FUZZ_SECONDS:-60} s of libFuzzer" env FUZZ_SECONDS="${FUZZ_SECONDS:-60}" tests/fuzz/run.sh
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
