#!/usr/bin/env bats
# Binary pinning: "sha256" in a group entry, `galaf-config pin`, and the
# gatekeeper refusing a command whose bytes changed. A test build of the
# gatekeeper with cap_setgid+ep and its own index, an unprivileged test user,
# commands copied into a root-owned test directory and modified there.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output and stderr

bats_require_minimum_version 1.5.0
load ../lib/common

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	[ "$(id -u)" -eq 0 ] || { echo "pin tests need root" >&2; return 1; }
	[ -x "$GALAF_CONFIG" ] || { echo "no $GALAF_CONFIG: run make" >&2; return 1; }
	galaf_test_gate galaf-pin || return 1
	AG=$(galaf_free_gid)
	galaf_group AGROUP "$AG" || return 1
	export DIR IDX GATE TUSER AG AGROUP OUT
}

teardown_file() {
	galaf_cleanup
}

setup() {
	_galaf_cleanups=()
	cd / || return 1
	rm -rf "${OUT:?}"/* "${DIR:?}/bin"
	install -d -m 0755 "$DIR/bin"
	P=$DIR/policy.json
}

teardown() {
	galaf_cleanup
}

as_user() {
	timeout -k 5 60 setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- "$@"
}

# policy NAME EXECV_JSON [SHA256]: a one-group policy in $P.
policy() {
	printf '{\n  "config": { "gid_range": [1000, 65000] },\n  "groups": {\n    "%s": {\n      "gid": %s,\n      "execv": %s%s\n    }\n  }\n}\n' \
		"$1" "$AG" "$2" "${3:+,$'\n'      \"sha256\": \"$3\"}" >"$P"
}

# install_index: the gate index of $P, as apply would write it.
install_index() {
	"$GALAF_CONFIG" render --gate "$P" >"$IDX.tmp" && chmod 0644 "$IDX.tmp" && mv -f "$IDX.tmp" "$IDX"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

@test "SHA-256 matches the FIPS 180-4 test vectors" {
	cc -std=gnu17 -O2 -Wall -Wextra -Werror -I"$GALAF_TOP/src" -o "$DIR/vectors" \
		"$GALAF_TOP/tests/helpers/sha256-vectors.c" "$GALAF_TOP/src/lib/sha256.c"
	run -0 "$DIR/vectors"
	[ "$output" = "sha256: all FIPS 180-4 vectors match" ]
}

@test "pin prints what sha256sum prints, at every block boundary" {
	local n f
	for n in 0 1 55 56 57 63 64 65 119 120 65535 65536 65537 1000003; do
		f=$DIR/bin/f$n
		head -c "$n" /dev/urandom >"$f"
		policy app "[\"$f\"]"
		run -0 --separate-stderr "$GALAF_CONFIG" pin app "$P"
		[ "$output" = "$(sha256sum "$f")" ] || { echo "size $n: $output"; return 1; }
	done
}

@test "pin refuses an unknown app and an unreadable command, with a reason" {
	policy app '["/nonexistent/cmd"]'
	run -1 --separate-stderr "$GALAF_CONFIG" pin other "$P"
	[[ "$stderr" == *"has no group 'other' with an \"execv\""* ]]
	run -1 --separate-stderr "$GALAF_CONFIG" pin app "$P"
	[[ "$stderr" == *"cannot hash /nonexistent/cmd: No such file or directory"* ]]
	[ -z "$output" ]
}

@test "pin --write inserts sha256 after execv and keeps every other byte" {
	local h
	cp /usr/bin/id "$DIR/bin/id"
	h=$(sha "$DIR/bin/id")
	cat >"$P" <<-JSON
	{
	  "#": "a comment the edit must keep",
	  "config": {"gid_range": [1000, 65000]},
	  "groups": {
	    "a": { "gid": 64001, "execv": ["/bin/true"] },
	    "app": {
	        "gid":   $AG,
	        "execv": [ "$DIR/bin/id",
	                   "-g" ],
	        "launchers": ["root"]
	    },
	    "z": { "gid": 64002, "execv": ["$DIR/bin/id"], "mode": "audit" }
	  }
	}
	JSON
	cp "$P" "$DIR/before.json"
	chmod 0640 "$P"
	run -0 "$GALAF_CONFIG" pin --write app "$P"
	diff "$DIR/before.json" "$P" >"$DIR/diff" || true
	# Exactly one line added, right after the execv array, indented like execv.
	diff <(grep '^[<>]' "$DIR/diff") <(printf '> %s\n' "        \"sha256\": \"$h\",")
	[ "$(stat -c %a "$P")" = 640 ]
	# An inline entry gets it inline; the policy still loads and pins both.
	run -0 "$GALAF_CONFIG" pin --write z "$P"
	grep -qF "\"execv\": [\"$DIR/bin/id\"], \"sha256\": \"$h\", \"mode\": \"audit\" }" "$P"
	run -0 "$GALAF_CONFIG" render --gate "$P"
	[ "$(grep -c "	$h	$DIR/bin/id" <<<"$output")" -eq 2 ]
}

@test "pin --write replaces a stale sha256 in place, and leaves a current one alone" {
	local h old
	cp /usr/bin/id "$DIR/bin/id"
	policy app "[\"$DIR/bin/id\"]" "$(sha /usr/bin/true)"
	old=$(cat "$P")
	h=$(sha "$DIR/bin/id")
	run -0 --separate-stderr "$GALAF_CONFIG" pin app "$P"
	[ "$output" = "$h  $DIR/bin/id" ]
	[[ "$stderr" == *"pins another digest for app ($(sha /usr/bin/true)): galaf will refuse"* ]]
	[ "$(cat "$P")" = "$old" ]
	run -0 "$GALAF_CONFIG" pin --write app "$P"
	[ "$(cat "$P")" = "${old/$(sha /usr/bin/true)/$h}" ]
	cp "$P" "$DIR/after.json"
	run -0 --separate-stderr "$GALAF_CONFIG" pin --write app "$P"
	[[ "$stderr" == *"already this"* ]]
	cmp "$P" "$DIR/after.json"
}

@test "check warns, without failing, when a pinned command changed on this machine" {
	cp /usr/bin/id "$DIR/bin/id"
	policy app "[\"$DIR/bin/id\"]" "$(sha "$DIR/bin/id")"
	run -0 --separate-stderr "$GALAF_CONFIG" check "$P"
	[[ "$stderr" != *sha256* ]]
	printf 'x' >>"$DIR/bin/id"
	run -0 --separate-stderr "$GALAF_CONFIG" check "$P"
	[[ "$stderr" == *"groups.app.sha256: warning: does not match $DIR/bin/id on this machine (it hashes to $(sha "$DIR/bin/id"))"* ]]
	rm "$DIR/bin/id"
	run -0 --separate-stderr "$GALAF_CONFIG" check "$P"
	[[ "$stderr" == *"groups.app.sha256: warning: cannot hash $DIR/bin/id on this machine: No such file or directory"* ]]
}

@test "an unmodified pinned command runs, with the app's gid and no extra descriptor" {
	cp "$DIR/probe" "$DIR/bin/probe"
	policy app "[\"$DIR/bin/probe\", \"fds\"]" "$(sha "$DIR/bin/probe")"
	install_index
	run -0 --separate-stderr as_user "$GATE" app
	[ "$output" = "0 1 2" ]
	cp /usr/bin/id "$DIR/bin/id"
	policy app "[\"$DIR/bin/id\", \"-g\"]" "$(sha "$DIR/bin/id")"
	install_index
	run -0 --separate-stderr as_user "$GATE" app
	[ "$output" = "$AG" ]
}

@test "a pinned command modified after pinning is refused: exit 1, nothing run" {
	cp /usr/bin/touch "$DIR/bin/touch"
	policy app "[\"$DIR/bin/touch\", \"$OUT/marker\"]" "$(sha "$DIR/bin/touch")"
	install_index
	# The control: as pinned, it runs.
	run -0 --separate-stderr as_user "$GATE" app
	[ -e "$OUT/marker" ]
	rm -f "$OUT/marker"
	printf '\0' >>"$DIR/bin/touch" # still a working program, different bytes
	run -1 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == "galaf: app: $DIR/bin/touch does not match its pinned SHA-256"* ]]
	[[ "$stderr" == *"galaf-config pin --write app"* ]]
	[ ! -e "$OUT/marker" ]
	# Replaced by another file under the same name: refused too.
	cp /usr/bin/true "$DIR/bin/touch.new"
	mv "$DIR/bin/touch.new" "$DIR/bin/touch"
	run -1 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == *"does not match its pinned SHA-256"* ]]
}

@test "a pinned command that others could rewrite is refused, matching or not" {
	cp /usr/bin/touch "$DIR/bin/touch"
	policy app "[\"$DIR/bin/touch\", \"$OUT/marker\"]" "$(sha "$DIR/bin/touch")"
	install_index
	chmod 0775 "$DIR/bin/touch"
	run -1 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == *"is pinned, but not owned by root or writable by group or others"* ]]
	chmod 0755 "$DIR/bin/touch"
	chown "$TUSER" "$DIR/bin/touch"
	run -1 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == *"is pinned, but not owned by root"* ]]
	[ ! -e "$OUT/marker" ]
}

@test "a missing pinned command exits 127, an unreadable one 126" {
	policy app "[\"$DIR/bin/missing\"]" "$(sha /usr/bin/true)"
	install_index
	run -127 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == "galaf: app: cannot execute $DIR/bin/missing: No such file or directory"* ]]
	cp /usr/bin/true "$DIR/bin/true"
	chmod 0711 "$DIR/bin/true"
	policy app "[\"$DIR/bin/true\"]" "$(sha /usr/bin/true)"
	install_index
	run -126 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == *"cannot execute $DIR/bin/true: Permission denied"* ]]
}

@test "a pinned script runs through its descriptor; modified, it is refused" {
	# shellcheck disable=SC2016 # for the script's shell
	printf '#!/bin/sh\necho "script ran: $(id -g)"\n' >"$DIR/bin/s.sh"
	chmod 0755 "$DIR/bin/s.sh"
	policy app "[\"$DIR/bin/s.sh\"]" "$(sha "$DIR/bin/s.sh")"
	install_index
	run -0 --separate-stderr as_user "$GATE" app
	[ "$output" = "script ran: $AG" ]
	printf 'touch %s/marker\n' "$OUT" >>"$DIR/bin/s.sh"
	run -1 --separate-stderr as_user "$GATE" app
	[[ "$stderr" == *"does not match its pinned SHA-256"* ]]
	[ ! -e "$OUT/marker" ]
}

@test "pinning /bin/sh pins the interpreter, not the script it runs (as documented)" {
	printf 'echo original\n' >"$DIR/bin/s.sh"
	policy app "[\"/bin/sh\", \"$DIR/bin/s.sh\"]" "$(sha /bin/sh)"
	install_index
	run -0 --separate-stderr as_user "$GATE" app
	[ "$output" = original ]
	printf 'echo changed\n' >"$DIR/bin/s.sh"
	run -0 --separate-stderr as_user "$GATE" app
	[ "$output" = changed ]
}
