#!/usr/bin/env bats
# The gatekeeper: a test build with its own compiled-in index,
# cap_setgid+ep on it, an unprivileged test user and test app groups. The
# attacks a user tries from inside an app (sg, newgrp, setegid, LD_*,
# ptrace) are in attack.bats. Every refusal is checked with an app that would
# leave a marker file, so "refused" also means "nothing ran".
# shellcheck shell=bash
# Single-quoted scripts are meant for the app's shell, not this one:
# shellcheck disable=SC2016
# bad_index reads the output that run, in the same test, set:
# shellcheck disable=SC2030,SC2031

bats_require_minimum_version 1.5.0
load ../lib/gate

E=$'\xe2\x80\xa6' # "…": where the caller's arguments go

good_rows() {
	row status "$AG" - '*' /bin/cat /proc/self/status
	row dropg "$AG" dropgroups '*' /bin/cat /proc/self/status
	row env "$AG" - '*' /usr/bin/env
	row fds "$AG" - '*' "$DIR/probe" fds
	row probe "$AG" - '*' "$DIR/probe" "$E"
	row sh "$AG" - '*' /bin/sh -c "$E"
	row nonnp "$AG" nonnp '*' /bin/sh -c "$E"
	row mark "$AG" - '*' /usr/bin/touch "$OUT/marker"
	row notme "$AG" - 0,@0 /usr/bin/touch "$OUT/marker"
	row nobody "$AG" - - /usr/bin/touch "$OUT/marker"
	row grp "$AG" - "0,@$XGID" /usr/bin/touch "$OUT/grp-marker"
	row prim "$AG" - "@$TGID" /usr/bin/touch "$OUT/prim-marker"
	row byname "$AG" - "0,$TUID" /usr/bin/touch "$OUT/name-marker"
	row other "$BG" - '*' /usr/bin/touch "$OUT/marker"
	row missing "$AG" - '*' "$DIR/missing"
	row noexec "$AG" - '*' "$DIR/noexec"
}

write_good_index() {
	local rows
	mapfile -t rows < <(good_rows)
	write_index 30000 59999 "${rows[@]}"
}

setup_file() {
	# The tests share one index path, compiled into the binary.
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	[ "$(id -u)" -eq 0 ] || { echo "gate tests need root" >&2; return 1; }
	need make cc setcap getcap setpriv timeout socat sg newgrp ldd readelf \
		unshare ip ss || return 1
	gate_fixture galaf-gate || return 1
	printf '#!/bin/sh\ntouch %s/marker\n' "$OUT" >"$DIR/noexec"
	chmod 0644 "$DIR/noexec"
}

teardown_file() {
	galaf_cleanup
}

setup() {
	# Each test registers its own cleanups; the file's stay with setup_file.
	_galaf_cleanups=()
	cd / || return 1
	rm -f "$OUT"/*
	write_good_index
}

teardown() {
	galaf_cleanup
}

# --- the binary ----------------------------------------------------------

@test "the gatekeeper is static: no dynamic section, no program interpreter" {
	run -0 readelf -d "$GATE"
	[[ "$output" == *"There is no dynamic section in this file."* ]]
	run -0 readelf -lW "$GATE"
	[[ "$output" != *INTERP* ]]
	[[ "$output" != *DYNAMIC* ]]
	run -0 readelf -hW "$GATE"
	[[ "$output" == *"EXEC (Executable file)"* ]]
	run ldd "$GATE"
	[[ "$output" == *"not a dynamic executable"* ]]
}

@test "the gatekeeper is linked with musl, not glibc" {
	run -0 strings -a "$GATE"
	[[ "$output" != *GLIBC_* ]]
	[[ "$output" != *"GNU C Library"* ]]
	run -0 readelf -p .comment "$GATE"
	grep -q GCC <<<"$output"
}

@test "no LD_* variable reaches a loader: even root, outside secure mode, preloads nothing" {
	# The control: a dynamic program run by root does load the library.
	run -0 env LD_PRELOAD="$DIR/preload.so" /usr/bin/true
	[ -e "$OUT/preloaded" ]
	rm -f "$OUT/preloaded"
	run -0 --separate-stderr env LD_PRELOAD="$DIR/preload.so" LD_AUDIT="$DIR/preload.so" \
		LD_LIBRARY_PATH="$DIR" LD_DEBUG=all LD_SHOW_AUXV=1 "$GATE" --version
	[ ! -e "$OUT/preloaded" ]
	[ -z "$stderr" ]
	[[ "$output" == "galaf "* ]]
	[[ "$output" != *AT_* ]]
}

@test "the index parser's unit tests pass, built with glibc and with musl" {
	local cc
	for cc in cc musl-gcc; do
		"$cc" -std=gnu17 -O1 -g -Wall -Wextra -Werror -I"$GALAF_TOP/src" -o "$DIR/index-test" \
			"$GALAF_TOP/tests/unit/gate-index-test.c" "$GALAF_TOP/src/gate/index.c"
		run -0 "$DIR/index-test"
		[[ "${lines[-1]}" == *" cases, 0 failed" ]] || { echo "$cc: $output"; return 1; }
	done
}

@test "without musl-gcc the build of the gatekeeper stops and says why (no glibc fallback)" {
	run --separate-stderr make -s -C "$GALAF_TOP" B="$DIR/nomusl" MUSL_CC=/nonexistent/musl-gcc \
		GATE_INDEX="$IDX" "$DIR/nomusl/galaf"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"/nonexistent/musl-gcc is missing: install musl-tools"* ]]
	[ ! -e "$DIR/nomusl/galaf" ]
}

@test "the test build carries cap_setgid+ep and no setuid or setgid bit" {
	run -0 getcap "$GATE"
	[[ "$output" == *"cap_setgid=ep"* ]]
	[ ! -u "$GATE" ]
	[ ! -g "$GATE" ]
}

@test "--help prints the usage on stdout" {
	run -0 --separate-stderr as_user "$GATE" --help
	[[ "$output" == "usage: galaf APP [ARGS...]"* ]]
	[[ "$output" == *--list* && "$output" == *"$IDX"* ]]
	[ -z "$stderr" ]
}

@test "--version prints the version and the compiled-in index" {
	local version
	version=$(sed -n 's/^VERSION *= *//p' "$GALAF_TOP/config.mk")
	run -0 --separate-stderr as_user "$GATE" --version
	[ "$output" = "galaf $version"$'\n'"index: $IDX" ]
}

@test "no arguments: usage on stderr, exit 1" {
	run -1 --separate-stderr as_user "$GATE"
	[[ "$stderr" == "usage: galaf"* ]]
}

@test "--list shows the apps the caller may start, with their commands" {
	run -0 --separate-stderr as_user "$GATE" --list
	grep -qxF "mark"$'\t'"/usr/bin/touch $OUT/marker" <<<"$output"
	grep -qxF "sh"$'\t'"/bin/sh -c $E" <<<"$output"
	grep -q "^grp"$'\t' <<<"$output"
	grep -q "^prim"$'\t' <<<"$output"
	grep -q "^byname"$'\t' <<<"$output"
	[[ "$output" != *notme* ]]
	[[ "$output" != *nobody* ]]
	[ "$(wc -l <<<"$output")" -eq 14 ]
}

# --- what the launched program gets ----------------------------------------

@test "the app runs with real, effective, saved and fs gid all the app's gid" {
	run -0 --separate-stderr as_user "$GATE" status
	[ "$(status_field Gid)" = "$AG"$'\t'"$AG"$'\t'"$AG"$'\t'"$AG" ]
	[ "$(status_field Uid)" = "$TUID"$'\t'"$TUID"$'\t'"$TUID"$'\t'"$TUID" ]
}

@test "the app keeps the caller's supplementary groups" {
	local mine
	run -0 as_user cat /proc/self/status
	mine=$(status_field Groups)
	[[ " $mine " == *" $XGID "* ]]
	run -0 --separate-stderr as_user "$GATE" status
	[ "$(status_field Groups)" = "$mine" ]
}

@test "dropgroups leaves the app no supplementary groups" {
	run -0 --separate-stderr as_user "$GATE" dropg
	[ "$(status_field Gid)" = "$AG"$'\t'"$AG"$'\t'"$AG"$'\t'"$AG" ]
	[ -z "$(status_field Groups)" ]
}

@test "the app holds no capability: inheritable, permitted, effective, ambient" {
	local c
	run -0 --separate-stderr as_user "$GATE" status
	for c in CapInh CapPrm CapEff CapAmb; do
		[ "$(status_field "$c")" = 0000000000000000 ] || { echo "$c: $(status_field "$c")"; return 1; }
	done
}

@test "the app runs with no_new_privs" {
	run -0 --separate-stderr as_user "$GATE" status
	[ "$(status_field NoNewPrivs)" = 1 ]
}

@test "nonnp leaves no_new_privs off, and still no capability" {
	run -0 --separate-stderr as_user "$GATE" nonnp 'cat /proc/self/status'
	[ "$(status_field NoNewPrivs)" = 0 ]
	[ "$(status_field CapEff)" = 0000000000000000 ]
	[ "$(status_field Gid)" = "$AG"$'\t'"$AG"$'\t'"$AG"$'\t'"$AG" ]
}

@test "with nonnp, a setuid sg does change the gid (why nonnp is weaker)" {
	run -0 --separate-stderr as_user "$GATE" nonnp 'sg "$1" -c "id -g" </dev/null' sh "$TUSER"
	[ "$output" = "$TGID" ]
}

# --- environment and descriptors ----------------------------------------------

@test "descriptors the caller leaves open (file, socket, pipe) are closed in the app" {
	local ns
	galaf_netns ns
	ip netns exec "$ns" socat -u TCP-LISTEN:4242,bind=127.0.0.1,reuseaddr,fork \
		OPEN:/dev/null >/dev/null 2>&1 3>&- &
	wait_for sh -c "ip netns exec $ns ss -Hltn 'sport = :4242' | grep -q ."
	# The control: the probe run directly sees them.
	run -0 ip netns exec "$ns" setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- \
		bash -c 'exec 5</etc/hostname 6<>/dev/tcp/127.0.0.1/4242 7< <(:); "$1" fds' _ "$DIR/probe"
	[[ " $output " == *" 5 6 7 "* ]]
	run -0 --separate-stderr ip netns exec "$ns" setpriv --reuid="$TUSER" --regid="$TUSER" \
		--init-groups -- bash -c \
		'exec 5</etc/hostname 6<>/dev/tcp/127.0.0.1/4242 7< <(:); "$1" fds' _ "$GATE"
	[ "$output" = "0 1 2" ]
}

@test "without close_range(2) (old kernels, seccomp), the caller's descriptors are still closed" {
	need strace || return 1
	# strace makes close_range fail as on a kernel before 5.9; galaf falls
	# back to listing /proc/self/fd. strace as root runs it as the user.
	run -0 --separate-stderr bash -c 'exec 5</etc/hostname 7< <(:)
		strace -o "$1" -u "$2" -e trace=close_range,getdents64 \
			-e inject=close_range:error=ENOSYS "$3" fds' _ "$OUT/trace" "$TUSER" "$GATE"
	[ "$output" = "0 1 2" ]
	grep -q 'close_range(3, .*ENOSYS' "$OUT/trace"
	grep -q '^getdents64(' "$OUT/trace"
}

@test "the caller's arguments replace … exactly, odd bytes included" {
	run -0 --separate-stderr as_user "$GATE" sh 'printf "[%s]\n" "$@"' sh \
		'a b' '' $'\x01\xff' '--list' '-x' '…'
	[ "$output" = "[a b]"$'\n'"[]"$'\n'$'[\x01\xff]'$'\n'"[--list]"$'\n'"[-x]"$'\n'"[…]" ]
}

@test "options after APP belong to the app" {
	run -2 --separate-stderr as_user "$GATE" probe --help
	[ -z "$output" ]
	[[ "$stderr" == "usage: probe"* ]]
}

# --- refusals: exit 1, a reason, nothing run ------------------------------------

@test "an unknown app is refused" {
	run -1 --separate-stderr as_user "$GATE" nosuchapp
	[[ "$stderr" == "galaf: no app 'nosuchapp' in $IDX"* ]]
	no_marker
}

@test "app names with '/', '..', or nothing at all are refused" {
	local bad
	for bad in ../mark mark/.. /usr/bin/touch .. . '' 'mark x' 1mark \
		mark$'\n' "$(printf 'a%.0s' {1..33})"; do
		run -1 --separate-stderr as_user "$GATE" "$bad"
		[[ "$stderr" == "galaf: invalid app name"* ]] || { echo "name: '$bad'"; return 1; }
	done
	no_marker
}

@test "extra arguments to an app without … are refused" {
	run -1 --separate-stderr as_user "$GATE" mark "$OUT/elsewhere"
	[[ "$stderr" == "galaf: mark takes no arguments"* ]]
	no_marker
	[ ! -e "$OUT/elsewhere" ]
}

@test "a caller not among the launchers is refused" {
	run -1 --separate-stderr as_user "$GATE" notme
	[[ "$stderr" == "galaf: uid $TUID may not start notme"* ]]
	no_marker
}

@test "launchers '-' (none of the policy's launchers exists here) lets nobody start the app" {
	run -1 --separate-stderr as_user "$GATE" nobody
	[[ "$stderr" == "galaf: uid $TUID may not start nobody"* ]]
	no_marker
}

@test "a caller in an @group launcher through a supplementary group is accepted" {
	run -0 --separate-stderr as_user "$GATE" grp
	[ -e "$OUT/grp-marker" ]
}

@test "a caller in an @group launcher through its real gid is accepted" {
	run -0 --separate-stderr as_user "$GATE" prim
	[ -e "$OUT/prim-marker" ]
}

@test "a caller named in the launchers is accepted" {
	run -0 --separate-stderr as_user "$GATE" byname
	[ -e "$OUT/name-marker" ]
}

@test "a caller in 10,000 supplementary groups is matched against all of them" {
	# More groups than galaf keeps in its own memory (16 KiB): the rest
	# are read into a mapping. The launcher's group is the very last one.
	local others
	others=$(seq 60001 70000 | paste -sd,) # none of them is XGID (< 59000)
	run -0 --separate-stderr timeout 60 setpriv --reuid="$TUSER" --regid="$TUSER" \
		--groups="$others,$XGID" -- "$GATE" grp
	[ -e "$OUT/grp-marker" ]
	rm -f "$OUT/grp-marker"
	run -1 --separate-stderr timeout 60 setpriv --reuid="$TUSER" --regid="$TUSER" \
		--groups="$others" -- "$GATE" grp
	[[ "$stderr" == *"may not start grp"* ]]
	[ ! -e "$OUT/grp-marker" ]
}

@test "the @group is looked up: leaving the group revokes the launch" {
	run -1 --separate-stderr setpriv --reuid="$TUSER" --regid="$TUSER" --clear-groups -- "$GATE" grp
	[[ "$stderr" == *"may not start grp"* ]]
	[ ! -e "$OUT/grp-marker" ]
}

@test "an app whose gid is outside the index's range is refused" {
	write_index "$((AG + 1))" 59999 "$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"outside the range"* ]]
	no_marker
}

@test "an index writable by group or others is refused" {
	local mode
	for mode in 0666 0646 0664 0674; do
		chmod "$mode" "$IDX"
		run -1 --separate-stderr as_user "$GATE" mark
		[[ "$stderr" == *"writable by group or others"* ]] || { echo "mode $mode"; return 1; }
	done
	no_marker
}

@test "an index not owned by root is refused" {
	chown "$TUSER" "$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"not owned by root"* ]]
	no_marker
}

@test "a missing index is refused" {
	rm -f "$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == "galaf: cannot open $IDX: No such file or directory"* ]]
	no_marker
}

@test "an index that is a symlink is refused, even to a good index" {
	mv "$IDX" "$IDX.real"
	ln -s "$IDX.real" "$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"cannot open $IDX"* ]]
	no_marker
	rm -f "$IDX" "$IDX.real"
}

@test "an index that is a FIFO or a directory is refused without hanging" {
	rm -f "$IDX"
	mkfifo -m 0644 "$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"not a regular file"* ]]
	rm -f "$IDX"
	mkdir -m 0755 "$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	rmdir "$IDX"
	no_marker
}

@test "a malformed line of the app itself refuses it" {
	write_index 30000 59999 "$(row mark "$AG" bogusflag '*' /usr/bin/touch "$OUT/marker")" \
		"$(row zzz "$AG" - '*' /usr/bin/true)"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == "galaf: $IDX: line 2: unknown flag 'bogusflag'"* ]]
	no_marker
}

@test "a malformed line of another app does not stop the launch; --list refuses the index" {
	write_index 30000 59999 "$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")" \
		"$(row zzz "$AG" bogusflag '*' /usr/bin/true)"
	run -0 --separate-stderr as_user "$GATE" mark
	[ -e "$OUT/marker" ]
	run -1 --separate-stderr as_user "$GATE" --list
	[[ "$stderr" == "galaf: $IDX: line 3: unknown flag 'bogusflag'"* ]]
	[ -z "$output" ]
}

@test "an index of format 2 is refused: re-run galaf-config apply" {
	printf 'galaf-gate 2 30000 59999\n%s\n.end\n' "$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")" >"$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[ "$stderr" = "galaf: $IDX: line 1: the index is format '2', and this galaf reads format 3; refusing the index (re-run galaf-config apply)" ]
	no_marker
}

@test "an index without its trailer is refused as truncated" {
	{
		printf 'galaf-gate 3 30000 59999\n'
		row mark "$AG" - '*' /usr/bin/touch "$OUT/marker"
	} >"$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"no '.end COUNT BYTES' line"* ]]
	no_marker
}

@test "an index cut short or grown anywhere is refused by its trailer's byte count" {
	write_good_index
	cp "$IDX" "$DIR/good.index"
	# One line lost from the middle; the trailer is intact.
	sed '5d' "$DIR/good.index" >"$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"the last line: the '.end' line says the entries end at byte"* ]]
	# One line too many.
	{ sed -n '1,4p' "$DIR/good.index"; row aaa "$AG" - '*' /usr/bin/true; sed '1,4d' "$DIR/good.index"; } >"$IDX"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == *"the entries end at byte"* ]] || { echo "stderr: $stderr"; return 1; }
	no_marker
}

# bad_index DESC CONTENT [ARG]: an index holding CONTENT refuses `galaf ARG`
# (default mark). A \001 byte in CONTENT is written as NUL (bash strings
# cannot hold one).
bad_index() {
	echo "case: $1"
	printf '%s' "$2" | tr '\001' '\000' >"$IDX"
	run -1 --separate-stderr as_user "$GATE" "${3:-mark}"
	[[ "$stderr" == "galaf: $IDX: "* ]] || { echo "stderr: $stderr"; return 1; }
	[ -z "$output" ]
	no_marker
}

@test "malformed indexes of every kind are refused" {
	local h='galaf-gate 3 30000 59999' m n=$'\n' t
	m=$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")
	t=".end 1 $(( ${#h} + 1 + $(printf '%s' "$m" | wc -c) + 1 ))"
	bad_index "empty file" ''
	bad_index "format 1" "$(framed "galaf-gate 1 30000 59999$n$m$n")"
	bad_index "format 2" "$(framed "galaf-gate 2 30000 59999$n$m$n")"
	bad_index "no range" "$(framed "galaf-gate 3$n$m$n")"
	bad_index "one bound" "$(framed "galaf-gate 3 30000$n$m$n")"
	bad_index "three bounds" "$(framed "galaf-gate 3 30000 59999 60000$n$m$n")"
	bad_index "leading zero" "$(framed "galaf-gate 3 030000 59999$n$m$n")"
	bad_index "min > max" "$(framed "galaf-gate 3 59999 30000$n$m$n")"
	bad_index "max > 65535" "$(framed "galaf-gate 3 30000 65536$n$m$n")"
	bad_index "min 0" "$(framed "galaf-gate 3 0 59999$n$m$n")"
	bad_index "two spaces" "$(framed "galaf-gate 3 30000  59999$n$m$n")"
	bad_index "trailing space" "$(framed "$h $n$m$n")"
	bad_index "NUL in the header" "$(framed "$h"$'\001'"$n$m$n")"
	bad_index "CRLF" "$h"$'\r'"$n$m"$'\r'"$n$t"$'\r'"$n"
	bad_index "text after .end" "$h$n$m$n$t${n}x$n"
	bad_index "no newline after .end" "$h$n$m$n$t"
	bad_index "no .end" "$h$n$m$n"
	bad_index "format 2's .end" "$h$n$m$n.end$n"
	bad_index "count 0" "$h$n$m$n.end 0 ${t##* }$n"
	# A launch reads one line: the count is checked whole by --list.
	bad_index "count 2" "$h$n$m$n.end 2 ${t##* }$n" --list
	bad_index "bytes +1" "$h$n$m$n.end 1 $((${t##* } + 1))$n"
	bad_index "bytes -1" "$h$n$m$n.end 1 $((${t##* } - 1))$n"
	bad_index "bytes with a sign" "$h$n$m$n.end 1 +${t##* }$n"
	bad_index "NUL in the trailer" "$h$n$m$n.end 1"$'\001'"${t##* }$n"
	# The control: the same pieces, well formed, run the app.
	printf '%s\n' "$h" "$m" "$t" >"$IDX"
	run -0 --separate-stderr as_user "$GATE" mark
	[ -e "$OUT/marker" ]
}

# bad_row KIND NAME: an index line for NAME (command: touch the marker),
# malformed as KIND says. bad_kinds: every KIND.
bad_kinds() {
	printf '%s\n' "bad name" "name too long" "name starts with a digit" "gid below the range" \
		"gid above the range" "gid 0$AG" "gid +$AG" "gid hex" "gid -1" "gid 2^32" "gid empty" \
		"unknown flag" "flag empty" "flag trailing comma" "flag - in a list" "launchers empty" \
		"launchers * in a list" "launchers - in a list" "launchers ,," "launchers @" \
		"launchers space" "launcher by name" "launcher @name" "launcher 2^32" "launcher 01" \
		"sha256 too short" "sha256 too long" "sha256 upper case" \
		"sha256 empty" "relative command" "empty command" "two …" "NUL byte" "5 fields" \
		"4 fields" "3 fields" "1 field"
}
bad_row() {
	local n=$2 t=$'\t' cmd=(/usr/bin/touch "$OUT/marker")
	case $1 in
	"bad name") row "$n.x" "$AG" - '*' "${cmd[@]}" ;;
	"name too long") row "$n$(printf 'x%.0s' {1..32})" "$AG" - '*' "${cmd[@]}" ;;
	"name starts with a digit") row "1$n" "$AG" - '*' "${cmd[@]}" ;;
	"gid below the range") row "$n" 29999 - '*' "${cmd[@]}" ;;
	"gid above the range") row "$n" 60000 - '*' "${cmd[@]}" ;;
	"gid 0$AG") row "$n" "0$AG" - '*' "${cmd[@]}" ;;
	"gid +$AG") row "$n" "+$AG" - '*' "${cmd[@]}" ;;
	"gid hex") row "$n" 0x7531 - '*' "${cmd[@]}" ;;
	"gid -1") row "$n" -1 - '*' "${cmd[@]}" ;;
	"gid 2^32") row "$n" 4294967296 - '*' "${cmd[@]}" ;;
	"gid empty") row "$n" '' - '*' "${cmd[@]}" ;;
	"unknown flag") row "$n" "$AG" bogusflag '*' "${cmd[@]}" ;;
	"flag empty") row "$n" "$AG" '' '*' "${cmd[@]}" ;;
	"flag trailing comma") row "$n" "$AG" dropgroups, '*' "${cmd[@]}" ;;
	"flag - in a list") row "$n" "$AG" nonnp,- '*' "${cmd[@]}" ;;
	"launchers empty") row "$n" "$AG" - '' "${cmd[@]}" ;;
	"launchers * in a list") row "$n" "$AG" - '*,0' "${cmd[@]}" ;;
	"launchers - in a list") row "$n" "$AG" - "-,$TUID" "${cmd[@]}" ;;
	"launchers ,,") row "$n" "$AG" - 0,,1 "${cmd[@]}" ;;
	"launchers @") row "$n" "$AG" - @ "${cmd[@]}" ;;
	"launchers space") row "$n" "$AG" - "0, $TUID" "${cmd[@]}" ;;
	"launcher by name") row "$n" "$AG" - "0,$TUSER" "${cmd[@]}" ;;
	"launcher @name") row "$n" "$AG" - "@$TUSER" "${cmd[@]}" ;;
	"launcher 2^32") row "$n" "$AG" - 4294967296 "${cmd[@]}" ;;
	"launcher 01") row "$n" "$AG" - "0$TUID" "${cmd[@]}" ;;
	"sha256 too short") pinned_row "$n" "$AG" - '*' abc "${cmd[@]}" ;;
	"sha256 too long") pinned_row "$n" "$AG" - '*' "$(printf 'a%.0s' {1..65})" "${cmd[@]}" ;;
	"sha256 upper case") pinned_row "$n" "$AG" - '*' "$(printf 'A%.0s' {1..64})" "${cmd[@]}" ;;
	"sha256 empty") pinned_row "$n" "$AG" - '*' '' "${cmd[@]}" ;;
	"relative command") row "$n" "$AG" - '*' touch "$OUT/marker" ;;
	"empty command") printf '%s\n' "$n$t$AG$t-$t*$t-$t" ;;
	"two …") row "$n" "$AG" - '*' /bin/sh -c "touch $OUT/marker" "$E" "$E" ;;
	"NUL byte") row "$n" "$AG" - '*' "${cmd[@]}" $'x\001' ;;
	"5 fields") printf '%s\n' "$n$t$AG$t-$t*$t${cmd[0]}" ;;
	"4 fields") printf '%s\n' "$n$t$AG$t-$t*" ;;
	"3 fields") printf '%s\n' "$n$t$AG$t-" ;;
	"1 field") printf '%s\n' "$n" ;;
	*) echo "bad_row: unknown kind $1" >&2; return 1 ;;
	esac
}

# put_index CONTENT: CONTENT (header and lines) framed by its trailer; a
# \001 byte is written as NUL (bash strings cannot hold one).
put_index() {
	framed "$1" | tr '\001' '\000' >"$IDX"
}

# refused_at LINE DESC CONTENT [ARG...]: an index holding CONTENT refuses
# each ARG (default: mark and --list), naming line LINE, and runs nothing.
refused_at() {
	local line=$1 desc=$2 content=$3 arg
	shift 3
	(($#)) || set -- mark --list
	for arg in "$@"; do
		echo "case: $desc ($arg)"
		put_index "$content"
		run -1 --separate-stderr as_user "$GATE" "$arg"
		[[ "$stderr" == "galaf: $IDX: line $line: "* ]] || { echo "stderr: $stderr"; return 1; }
		[ -z "$output" ]
		no_marker
	done
}

# launched DESC CONTENT: an index holding CONTENT runs `galaf mark`.
launched() {
	echo "case: $1 (mark runs)"
	put_index "$2"
	run -0 --separate-stderr as_user "$GATE" mark
	[ -e "$OUT/marker" ] || { echo "stderr: $stderr"; return 1; }
	rm -f "$OUT/marker"
}

@test "a malformed line of the app refuses it; one of another app refuses --list, not the launch" {
	local h='galaf-gate 3 30000 59999' m a z kind n=$'\n'
	m=$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")
	a=$(row aaa "$AG" - '*' /usr/bin/true)
	z=$(row zzz "$AG" - '*' /usr/bin/true)
	# The frame alone is good: each refusal below is the malformed line's.
	launched "good" "$h$n$a$n$m$n$z$n"
	while read -r kind; do
		case $kind in
		"bad name" | "name too long" | "name starts with a digit")
			# No line is named mark any more.
			put_index "$h$n$a$n$(bad_row "$kind" mark)$n$z$n"
			run -1 --separate-stderr as_user "$GATE" mark
			[[ "$stderr" == "galaf: no app 'mark'"* ]] || { echo "$kind: $stderr"; return 1; }
			no_marker
			refused_at 3 "$kind, the app's own line" "$h$n$a$n$(bad_row "$kind" mark)$n$z$n" --list
			;;
		*) refused_at 3 "$kind, the app's own line" "$h$n$a$n$(bad_row "$kind" mark)$n$z$n" ;;
		esac
		refused_at 2 "$kind, before the app" "$h$n$(bad_row "$kind" aaa)$n$m$n$z$n" --list
		launched "$kind, before the app" "$h$n$(bad_row "$kind" aaa)$n$m$n$z$n"
		refused_at 4 "$kind, after the app" "$h$n$a$n$m$n$(bad_row "$kind" zzz)$n" --list
		# "1zzz" sorts before "mark": out of order right after the app's line.
		if [ "$kind" = "name starts with a digit" ]; then
			refused_at 4 "$kind, after the app" "$h$n$a$n$m$n$(bad_row "$kind" zzz)$n" mark
		else
			launched "$kind, after the app" "$h$n$a$n$m$n$(bad_row "$kind" zzz)$n"
		fi
	done < <(bad_kinds)
}

@test "a duplicate or a line out of order beside the app's line refuses it; anywhere, --list" {
	local h='galaf-gate 3 30000 59999' m a b y z n=$'\n'
	m=$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")
	a=$(row aaa "$AG" - '*' /usr/bin/true)
	b=$(row bbb "$AG" - '*' /usr/bin/true)
	y=$(row yyy "$AG" - '*' /usr/bin/true)
	z=$(row zzz "$AG" - '*' /usr/bin/true)
	refused_at 2 "empty line, first" "$h$n$n$a$n$m$n$z$n" --list
	refused_at 3 "empty line, before the app" "$h$n$a$n$n$m$n$z$n" --list
	refused_at 4 "empty line, after the app" "$h$n$a$n$m$n$n$z$n" mark --list
	refused_at 5 "empty line, last" "$h$n$a$n$m$n$z$n$n" --list
	refused_at 3 "out of order, before the app" "$h$n$b$n$a$n$m$n$z$n" --list
	refused_at 5 "out of order, after the app" "$h$n$a$n$m$n$z$n$y$n" --list
	refused_at 3 "out of order, next after the app" "$h$n$m$n$a$n$z$n" mark --list
	refused_at 3 "duplicate, before the app" "$h$n$a$n$a$n$m$n$z$n" --list
	refused_at 5 "duplicate, after the app" "$h$n$a$n$m$n$z$n$z$n" --list
	refused_at 3 "duplicate, the app's own line" "$h$n$m$n$m$n" mark --list
	refused_at 3 "duplicate with another command" "$h$n$m$n$(row mark "$AG" - '*' /usr/bin/true)$n" mark --list
	launched "empty line, first" "$h$n$n$a$n$m$n$z$n"
	launched "duplicate, after the app" "$h$n$a$n$m$n$z$n$z$n"
}

@test "an app whose line is out of order is not found, or refused: never another app's command" {
	local h='galaf-gate 3 30000 59999' m z n=$'\n'
	m=$(row mark "$AG" - '*' /usr/bin/touch "$OUT/marker")
	z=$(row zzz "$AG" - '*' /usr/bin/touch "$OUT/zzz-marker")
	put_index "$h$n$z$n$m$n"
	run -1 --separate-stderr as_user "$GATE" mark
	[[ "$stderr" == "galaf: no app 'mark'"* || "$stderr" == "galaf: $IDX: line 3: "* ]]
	no_marker
	[ ! -e "$OUT/zzz-marker" ]
}

@test "the lookup finds every app of a large index, and no missing one" {
	local i app rows=() names=()
	for ((i = 0; i < 2000; i += 7)); do
		rows+=("$(row "a$i" "$AG" - '*' /bin/sh -c "echo a$i")")
		names+=("a$i")
	done
	write_index 30000 59999 "${rows[@]}"
	# (bats' run uses a variable i of its own: loop over app.)
	for app in a0 a7 a693 a1001 a1995 "${names[@]:100:5}"; do
		run -0 --separate-stderr as_user "$GATE" "$app"
		[ "$output" = "$app" ] || { echo "$app: $output $stderr"; return 1; }
	done
	for app in a a1 a2000 a6999 b A0 _; do
		run -1 --separate-stderr as_user "$GATE" "$app"
		[[ "$stderr" == "galaf: no app '$app'"* ]] || { echo "$app: $stderr"; return 1; }
	done
}

@test "a launch reads a 10,000-app index in a few small reads: no mapping, not the whole file" {
	need strace || return 1
	local rows
	rows=$(awk -v g="$AG" 'BEGIN { for (i = 0; i < 10000; i++)
		printf "a%05d\t%d\t-\t*\t-\t/bin/sh\t-c\techo a%05d\n", i, g, i }')
	write_index 30000 59999 "$rows"
	run -0 --separate-stderr strace -u "$TUSER" -e trace=execve,mmap,pread64 -o "$OUT/trace" \
		"$GATE" a07777
	[ "$output" = a07777 ]
	# What galaf read before its exec: its index through pread64 only.
	run -0 awk '/^execve/ && e++ { exit } /^pread64\(3,/ { n++; bytes += $NF } END { print n + 0, bytes + 0 }' \
		"$OUT/trace"
	local n=${output% *} bytes=${output#* } size
	size=$(stat -c %s "$IDX")
	echo "$n reads, $bytes of $size bytes"
	# The header, the trailer, and a window per probe: about log2(10,000).
	((n >= 3 && n <= 2 + 2 * 14 && bytes * 20 < size))
	# Nothing mapped at all: the line and the vectors fit galaf's own memory.
	run -0 awk '/^execve/ && e++ { exit } /^mmap\(/ { print }' "$OUT/trace"
	[ -z "$output" ] || { echo "mapped: $output"; return 1; }
}

@test "a launch by '*' or by uid reads no groups; an @group launch reads them" {
	need strace || return 1
	local app
	for app in mark byname grp; do
		run -0 --separate-stderr strace -u "$TUSER" -e trace=execve,getgroups -o "$OUT/trace" \
			"$GATE" "$app"
		run -0 awk '/^execve/ && e++ { exit } /^getgroups\(/ { n++ } END { print n + 0 }' \
			"$OUT/trace"
		case $app in
		grp) [ "$output" -gt 0 ] ;;
		*) [ "$output" = 0 ] ;;
		esac || { echo "$app: $output getgroups"; return 1; }
	done
	[ -e "$OUT/marker" ] && [ -e "$OUT/name-marker" ] && [ -e "$OUT/grp-marker" ]
}

@test "a 1 MB argument fails with a clear error and runs nothing" {
	local big
	big=$(head -c 1048576 /dev/zero | tr '\0' x)
	run --separate-stderr as_user "$GATE" sh 'touch "$1"' sh "$OUT/marker" "$big"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Argument list too long"* ]]
	no_marker
}

@test "arguments the kernel cannot pass on make the exec fail with 126, nothing run" {
	local lit i
	local -a args=()
	lit=$(head -c 130000 /dev/zero | tr '\0' y)
	write_index 30000 59999 "$(row big "$AG" - '*' /bin/sh -c "touch $OUT/marker" sh "$lit" "$lit" "$E")"
	for ((i = 0; i < 15; i++)); do args+=("$lit"); done
	ulimit -s 8192 # ARG_MAX is a quarter of it: 2 MiB
	run -126 --separate-stderr as_user "$GATE" big "${args[@]}"
	[[ "$stderr" == "galaf: big: cannot execute /bin/sh: Argument list too long"* ]]
	no_marker
}

@test "100,000 arguments: refused without …, passed on intact with it" {
	local -a many
	mapfile -t many < <(seq 100000)
	run -1 --separate-stderr as_user "$GATE" mark "${many[@]}"
	[[ "$stderr" == "galaf: mark takes no arguments"* ]]
	no_marker
	run -0 --separate-stderr as_user "$GATE" sh 'echo "$# $1 ${100000}"' sh "${many[@]}"
	[ "$output" = "100000 1 100000" ]
}

@test "a missing command exits 127" {
	run -127 --separate-stderr as_user "$GATE" missing
	[[ "$stderr" == "galaf: missing: cannot execute $DIR/missing: No such file or directory"* ]]
}

@test "a command that is not executable exits 126" {
	run -126 --separate-stderr as_user "$GATE" noexec
	[[ "$stderr" == "galaf: noexec: cannot execute $DIR/noexec: Permission denied"* ]]
	no_marker
}

@test "no environment variable redirects the index" {
	write_index 30000 59999 "$(row evil "$AG" - '*' /usr/bin/touch "$OUT/marker")"
	mv "$IDX" "$DIR/evil.index"
	write_good_index
	run -1 --separate-stderr as_user env GALAF_INDEX="$DIR/evil.index" \
		GATE_INDEX="$DIR/evil.index" GALAF_CONFIG="$DIR/evil.index" "$GATE" evil
	[[ "$stderr" == "galaf: no app 'evil' in $IDX"* ]]
	no_marker
}

@test "no flag redirects the index" {
	write_index 30000 59999 "$(row evil "$AG" - '*' /usr/bin/touch "$OUT/marker")"
	mv "$IDX" "$DIR/evil.index"
	write_good_index
	run -1 --separate-stderr as_user "$GATE" --index "$DIR/evil.index" evil
	run -1 --separate-stderr as_user "$GATE" --index="$DIR/evil.index"
	[[ "$stderr" == "galaf: unknown option"* ]]
	run -1 --separate-stderr as_user "$GATE" -i "$DIR/evil.index" evil
	run -1 --separate-stderr as_user "$GATE" --list --index="$DIR/evil.index"
	no_marker
}

@test "messages say galaf whatever argv[0] is" {
	run -1 --separate-stderr as_user bash -c 'exec -a /tmp/evil "$1" nosuchapp' _ "$GATE"
	[[ "$stderr" == "galaf: no app 'nosuchapp'"* ]]
}

@test "every launch and every refusal is logged to syslog (authpriv)" {
	local log=$DIR/syslog
	mkdir -p "$DIR/devup" "$DIR/devwork"
	# A private /dev with its own /dev/log: the host's logging is untouched.
	run -0 unshare -m --propagation private bash -c '
		set -e
		mount -t overlay galaf-test -o "lowerdir=/dev,upperdir=$2,workdir=$3" /dev
		socat -u UNIX-RECV:/dev/log,mode=666 "OPEN:$1,creat,append" 3>&- &
		trap "kill $!" EXIT
		for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
		as() { setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- "$@"; }
		as "$GATE" mark
		! as "$GATE" notme
		for _ in $(seq 100); do grep -q refused "$1" && break; sleep 0.05; done
	' _ "$log" "$DIR/devup" "$DIR/devwork"
	# authpriv (10 << 3) + info (6) / warning (4)
	grep -qF "<86>" "$log"
	grep -qE "galaf\[[0-9]+\]: launch: uid=$TUID app=mark gid=$AG command=/usr/bin/touch args=0" "$log"
	grep -qE "<84>[^<]*galaf\[[0-9]+\]: refused: uid=$TUID app=notme: uid $TUID may not start notme" "$log"
}

@test "launchers named in the policy work with /etc/passwd and /etc/group unreadable" {
	local policy=$DIR/names.json cg
	[ -x "$GALAF_CONFIG" ] || { echo "no $GALAF_CONFIG: run make" >&2; return 1; }
	cg=$(galaf_free_gid)
	printf '{ "config": { "gid_range": [30000, 59999] }, "groups": {
	  "%s": { "gid": %s, "execv": ["/usr/bin/touch", "%s/name-marker"], "launchers": ["%s"] },
	  "%s": { "gid": %s, "execv": ["/usr/bin/touch", "%s/grp-marker"], "launchers": ["root", "@%s"] },
	  "notme": { "gid": %s, "execv": ["/usr/bin/touch", "%s/marker"], "launchers": ["root", "@root"] } } }\n' \
		"$AGROUP" "$AG" "$OUT" "$TUSER" "$BGROUP" "$BG" "$OUT" "$XGROUP" "$cg" "$OUT" >"$policy"
	"$GALAF_CONFIG" render --gate "$policy" >"$IDX.tmp"
	chmod 0644 "$IDX.tmp"
	mv "$IDX.tmp" "$IDX"
	grep -qP "^$AGROUP\t$AG\t-\t$TUID\t" "$IDX"
	grep -qP "^$BGROUP\t$BG\t-\t0,@$XGID\t" "$IDX"
	# In a private mount namespace, copies with mode 0 hide both databases
	# from the test user; ids are given as numbers so nothing else reads them.
	cp /etc/passwd "$DIR/passwd.hidden"
	cp /etc/group "$DIR/group.hidden"
	chmod 0 "$DIR/passwd.hidden" "$DIR/group.hidden"
	run -0 --separate-stderr unshare -m --propagation private bash -c '
		set -e
		mount --bind "$1/passwd.hidden" /etc/passwd
		mount --bind "$1/group.hidden" /etc/group
		as() { setpriv --reuid="$TUID" --regid="$TGID" --groups="$XGID" -- "$@"; }
		# The control: the test user cannot read them, nor name itself.
		! as cat /etc/passwd 2>/dev/null
		! as cat /etc/group 2>/dev/null
		! as id -un 2>/dev/null
		as "$2" "$3"
		as "$2" "$4"
		! as "$2" notme
		as "$2" --list
	' _ "$DIR" "$GATE" "$AGROUP" "$BGROUP"
	[ -e "$OUT/name-marker" ]
	[ -e "$OUT/grp-marker" ]
	no_marker
	[[ "$output" == *"$AGROUP"* && "$output" == *"$BGROUP"* && "$output" != *notme* ]]
	[[ "$stderr" == *"galaf: uid $TUID may not start notme"* ]]
}

@test "the gatekeeper opens no file but its index and the command (no user database, no time zone)" {
	need strace || return 1
	# strace as root runs it as the user (-u) with its file capability in force.
	run -0 --separate-stderr strace -f -u "$TUSER" -e trace=open,openat,openat2,execve \
		-o "$OUT/trace" "$GATE" byname
	[ -e "$OUT/name-marker" ]
	# Opened before the exec: the index only (touch's own opens come after).
	run -0 awk '/execve/ && n++ { exit } /open/ { print }' "$OUT/trace"
	[[ "$output" != *passwd* && "$output" != *group* && "$output" != *localtime* ]]
	grep -q "$IDX" <<<"$output"
}

@test "galaf-config status reports the gatekeeper's file capability: right, missing, wrong" {
	local ns policy=$DIR/status.json g=$DIR/status-gate
	[ -x "$GALAF_CONFIG" ] || { echo "no $GALAF_CONFIG: run make" >&2; return 1; }
	galaf_netns ns
	printf '{ "config": { "gid_range": [30000, 59999] }, "groups": { "%s": { "gid": %s } } }\n' \
		"$AGROUP" "$AG" >"$policy"
	cp "$GATE" "$g"
	galaf_on_cleanup "rm -f '$g'"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --gatekeeper "$g" "$policy"
	grep -qxF "gatekeeper $g: has no file capability (setcap cap_setgid+ep $g)" <<<"$output"
	setcap cap_setgid+ep "$g"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --gatekeeper "$g" "$policy"
	grep -qxF "gatekeeper $g: cap_setgid=ep, as it needs" <<<"$output"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --json --gatekeeper "$g" "$policy"
	[ "$(jq -c .gatekeeper <<<"$output")" = "{\"capabilities\":\"cap_setgid=ep\",\"ok\":true,\"path\":\"$g\",\"problem\":null}" ]
	setcap cap_setgid,cap_setuid+ep "$g"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --gatekeeper "$g" "$policy"
	grep -q "^gatekeeper $g: has the capabilities '.*', not cap_setgid=ep" <<<"$output"
	setcap cap_setgid+p "$g"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --json --gatekeeper "$g" "$policy"
	[ "$(jq .gatekeeper.ok <<<"$output")" = false ]
	rm -f "$g"
	run -1 --separate-stderr ip netns exec "$ns" "$GALAF_CONFIG" status --gatekeeper "$g" "$policy"
	grep -qxF "gatekeeper $g: missing (No such file or directory)" <<<"$output"
}

# --- end to end: the gatekeeper and the firewall -----------------------------

@test "a socket opened through galaf passes the app's nft rules; the same program run directly is refused" {
	local cns sns p policy=$DIR/e2e.json
	[ -x "$GALAF_CONFIG" ] || { echo "no $GALAF_CONFIG: run make" >&2; return 1; }
	# Two namespaces joined by a veth: loopback is always accepted, a
	# real interface is not.
	galaf_netns cns
	galaf_netns sns
	ip -n "$cns" link add gt0 type veth peer name gt1 netns "$sns"
	ip -n "$cns" addr add 10.99.0.1/24 dev gt0
	ip -n "$sns" addr add 10.99.0.2/24 dev gt1
	ip -n "$cns" link set gt0 up
	ip -n "$sns" link set gt1 up
	for p in 4243 4244; do
		ip netns exec "$sns" socat -u "TCP-LISTEN:$p,bind=10.99.0.2,reuseaddr,fork" \
			OPEN:/dev/null >/dev/null 2>&1 3>&- &
	done
	wait_for sh -c "ip netns exec $sns ss -Hltn 'sport = :4244' | grep -q ."
	wait_for sh -c "ip netns exec $sns ss -Hltn 'sport = :4243' | grep -q ."
	# The control: without a ruleset the probe connects. With it, a
	# refused SYN is dropped and connect times out (3 s).
	run -0 ip netns exec "$cns" setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- \
		"$DIR/probe" connect 10.99.0.2 4243
	printf '{ "config": { "gid_range": [30000, 59999], "families": [4] },
	  "groups": { "%s": { "gid": %s, "execv": ["%s", "…"], "launchers": ["%s"],
	    "allow": [{ "to": ["10.99.0.2"], "proto": "tcp", "ports": [4243] }] } } }\n' \
		"$AGROUP" "$AG" "$DIR/probe" "$TUSER" >"$policy"
	"$GALAF_CONFIG" render --gate "$policy" >"$IDX.tmp"
	chmod 0644 "$IDX.tmp"
	mv "$IDX.tmp" "$IDX"
	"$GALAF_CONFIG" render --nft "$policy" >"$DIR/e2e.nft"
	ip netns exec "$cns" nft -f "$DIR/e2e.nft"
	run -0 --separate-stderr ip netns exec "$cns" setpriv --reuid="$TUSER" --regid="$TUSER" \
		--init-groups -- "$GATE" "$AGROUP" connect 10.99.0.2 4243
	[ "$output" = "connect: ok" ]
	run -1 --separate-stderr ip netns exec "$cns" setpriv --reuid="$TUSER" --regid="$TUSER" \
		--init-groups -- "$DIR/probe" connect 10.99.0.2 4243
	[ "$output" != "connect: ok" ]
	# Through galaf, but to a port the app is not allowed.
	run -1 --separate-stderr ip netns exec "$cns" setpriv --reuid="$TUSER" --regid="$TUSER" \
		--init-groups -- "$GATE" "$AGROUP" connect 10.99.0.2 4244
	[ "$output" != "connect: ok" ]
	# Both were dropped by the ruleset, which recorded them as refused.
	run -0 ip netns exec "$cns" nft list set inet galaf refused4
	[[ "$output" == *"10.99.0.2 . tcp . 4243"* ]]
	[[ "$output" == *"10.99.0.2 . tcp . 4244"* ]]
}
