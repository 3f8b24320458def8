# Helpers for tests of the gatekeeper (gate.bats, attack.bats): a test
# build with its own compiled-in index (galaf_test_gate in common.bash), the
# index written line by line, and the test user TUSER running things.
# shellcheck shell=bash
# shellcheck source=tests/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# row NAME GID FLAGS LAUNCHERS ARGV...: one index line, TAB-separated, not pinned.
row() {
	local IFS=$'\t'
	printf '%s\n' "${*:1:4}"$'\t-\t'"${*:5}"
}

# pinned_row NAME GID FLAGS LAUNCHERS SHA256 ARGV...: a line pinning ARGV0.
pinned_row() {
	local IFS=$'\t'
	printf '%s\n' "$*"
}

# framed TEXT: TEXT (a header and entry lines, each ending in a newline)
# with the trailer that counts them: ".end COUNT BYTES".
framed() {
	local lines
	lines=$(printf '%s' "$1" | wc -l)
	printf '%s.end %s %s\n' "$1" $((lines - 1)) "$(printf '%s' "$1" | wc -c)"
}

# write_index MIN MAX [ROW...]: a well-formed index, rows sorted bytewise.
write_index() {
	local min=$1 max=$2 text
	shift 2
	text=$(printf 'galaf-gate 3 %s %s\n' "$min" "$max"
		(($#)) && printf '%s\n' "$@" | LC_ALL=C sort)
	framed "$text"$'\n' >"$IDX.tmp" && chmod 0644 "$IDX.tmp" && mv -f "$IDX.tmp" "$IDX"
}

# The test user, its primary group and supplementary groups.
as_user() {
	timeout -k 5 60 setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- "$@"
}

# status_field NAME: the value of NAME in /proc/PID/status text in $output.
# shellcheck disable=SC2154 # output is set by BATS's run
status_field() {
	awk -v k="$1:" 'index($0, k "\t") == 1 { print substr($0, length(k) + 2) }' <<<"$output" |
		sed 's/[[:space:]]*$//'
}

# no_line LINE TEXT: no line of TEXT is exactly LINE. (A bare `! cmd` does
# not fail a BATS test.)
no_line() {
	! grep -qxF -- "$1" <<<"$2"
}

no_marker() {
	[ ! -e "$OUT/marker" ] || { echo "marker exists: a refused launch ran something" >&2; return 1; }
}


# gate_fixture PREFIX: the test gatekeeper (galaf_test_gate PREFIX), a
# library that leaves $OUT/preloaded when the loader runs it, the test
# user's ids (TUID, TGID), a group XGROUP (XGID) the test user is also in,
# and two app groups AGROUP (AG) and BGROUP (BG); all exported.
gate_fixture() {
	galaf_test_gate "$1" || return 1
	TUID=$(id -u "$TUSER")
	TGID=$(id -g "$TUSER")
	cc -shared -fPIC -Wall -Werror -DMARK="\"$OUT/preloaded\"" \
		-o "$DIR/preload.so" "$GALAF_TOP/tests/helpers/preload.c" || return 1
	XGID=$(galaf_free_gid)
	galaf_group XGROUP "$XGID" || return 1
	usermod -a -G "$XGROUP" "$TUSER" || return 1
	AG=$(galaf_free_gid)
	galaf_group AGROUP "$AG" || return 1
	BG=$(galaf_free_gid)
	galaf_group BGROUP "$BG" || return 1
	export DIR IDX GATE OUT TUSER TUID TGID XGROUP XGID AGROUP AG BGROUP BG
}
