#!/usr/bin/env bash
# Regenerates the expected files of every golden case (or of the cases named
# on the command line) from the current binary: expected.nft, .dnsmasq and
# .gate when the renders succeed, else expected.err and expected.exit.
# Review the result with git diff before committing it.
# Binary: $GALAF_CONFIG (default build/galaf-config).
# shellcheck source-path=SCRIPTDIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/common.bash
. "$here/../lib/common.bash"

if [ ! -x "$GALAF_CONFIG" ]; then
	echo "tests/golden/update.sh: $GALAF_CONFIG is missing; run make" >&2
	exit 2
fi
tmp=$(mktemp -d /tmp/galaf-golden-update.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

# update DIR: writes DIR's expected files; says what changed.
update() {
	local dir=$1 name=${1##*/} kind rc=0 fails=0 err_rc=0 was
	was=new
	[ -f "$dir/expected.nft" ] && was=output
	[ -f "$dir/expected.err" ] && was=error
	for kind in nft dnsmasq gate; do
		"$GALAF_CONFIG" render "--$kind" "$dir/policy.json" >"$tmp/$kind" 2>"$tmp/$kind.err"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			fails=$((fails + 1))
			err_rc=$rc
		fi
	done
	if [ "$fails" -eq 0 ]; then
		for kind in nft dnsmasq gate; do
			cp "$tmp/$kind" "$dir/expected.$kind"
		done
		rm -f "$dir/expected.err" "$dir/expected.exit"
		[ "$was" = error ] && echo "$name: now renders (was an error case)"
	elif [ "$fails" -eq 3 ]; then
		local text
		text=$(<"$tmp/nft.err")
		printf '%s\n' "${text//"$dir/policy.json"/POLICY}" >"$dir/expected.err"
		echo "$err_rc" >"$dir/expected.exit"
		rm -f "$dir/expected.nft" "$dir/expected.dnsmasq" "$dir/expected.gate"
		[ "$was" = output ] && echo "$name: now fails to render (was an output case)"
	else
		echo "$name: some renders fail and some do not; left unchanged:" >&2
		cat "$tmp"/*.err >&2
		return 1
	fi
	echo "$name: updated"
}

status=0
if [ $# -gt 0 ]; then
	dirs=()
	for c in "$@"; do dirs+=("$here/${c%/}"); done
else
	dirs=("$here"/*/)
fi
for dir in "${dirs[@]}"; do
	dir=${dir%/}
	[ -f "$dir/policy.json" ] || continue
	update "$dir" || status=1
done
exit "$status"
