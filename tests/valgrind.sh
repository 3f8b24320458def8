#!/usr/bin/env bash
# valgrind memcheck on galaf-config check and render --nft for every golden
# and bad-input case, in parallel. Only memcheck's verdict counts here (exit
# 99 on an error or a definite leak): the normal suites check the outputs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
bin=${GALAF_CONFIG:-$top/build/galaf-config}
work=$(mktemp -d /tmp/galaf-vg.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT

tests/bad/gen.sh "$work/gen" >/dev/null 2>&1 || { echo "tests/bad/gen.sh failed"; exit 2; }
# The 100 MB case is refused before it is read; valgrind adds nothing there.
rm -f "$work/gen/big-100mb.json"
{
	ls tests/golden/*/policy.json tests/bad/*.json "$work"/gen/*.json examples/*.json
	echo galaf.json.example
} >"$work/files"

# Bad input stops in load or check, so check alone covers it; valid
# policies also go through every renderer.
one() {
	local f=$1 what whats=(check)
	case $f in tests/bad/* | */gen/*) ;; *) whats+=("render --nft" "render --dnsmasq" "render --gate") ;; esac
	for what in "${whats[@]}"; do
		# shellcheck disable=SC2086 # $what is two words on purpose
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp --log-file="$2/vg.%p" \
			"$3" $what "$f" >/dev/null 2>&1
		if [ $? -eq 99 ]; then
			echo "not ok - valgrind: $what $f"
			cat "$2"/vg.* 2>/dev/null | sed 's/^/#   /'
			return 1
		fi
	done
	echo "ok - valgrind: $f"
}
export -f one
# shellcheck disable=SC2016 # expanded by the inner bash
xargs -P "$(nproc)" -I{} bash -c 'd=$(mktemp -d '"$work"'/r.XXXXXX); one "$1" "$d" "$2"' _ {} "$bin" \
	<"$work/files" >"$work/out"
grep -c '^ok' "$work/out" | xargs printf '%s cases clean under valgrind\n'
if grep -q '^not ok' "$work/out"; then
	grep -A40 '^not ok' "$work/out" | head -80
	exit 1
fi
