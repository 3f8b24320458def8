#!/usr/bin/env bats
# Real browsers through the gatekeeper (no-new-privs on), headless, in the
# e2e namespaces: Chromium and Firefox ESR load an allowed page by name
# with their own sandboxes working (seccomp in the content processes), a
# name the app does not list fails, and Firefox's DNS over HTTPS: TRR mode 2
# falls back to the local resolver, mode 3 loads nothing when the DoH server
# is not allowed. docs/browsers.md is what these tests stand behind.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output and status
# shellcheck disable=SC2153 # E2E_* come from e2e_setup
bats_require_minimum_version 1.5.0
load ../lib/e2e

CHROMIUM=/usr/bin/chromium-headless-shell
FIREFOX=/usr/bin/firefox-esr

setup_file() {
	local b
	for b in "$CHROMIUM" "$FIREFOX"; do
		[ -x "$b" ] || {
			echo "$b is missing (apt-get install chromium-headless-shell firefox-esr)" >&2
			return 1
		}
	done
	e2e_setup
	make -s -C "$GALAF_TOP" B="$E2E_DIR/build" GATE_INDEX="$E2E_DIR/gate.index" WERROR=1 \
		"$E2E_DIR/build/galaf" >&2 || return 1
	chmod 755 "$E2E_DIR/build"
	setcap cap_setgid+ep "$E2E_DIR/build/galaf" || return 1
	mkdir -p "$E2E_DIR/www" "$E2E_DIR/home"
	chown "$E2E_USER" "$E2E_DIR/home"
	echo '<html><body><p>galaf-browser-ok</p></body></html>' >"$E2E_DIR/www/index.html"
	ip netns exec "$SRV" "$PYTHON" -m http.server --bind 10.200.0.2 8080 \
		--directory "$E2E_DIR/www" >/dev/null 2>"$E2E_DIR/http.log" 3>&- &
	galaf_on_cleanup "kill $!"
	# A server that accepts and never answers: a page that keeps the browser up.
	ip netns exec "$SRV" socat TCP-LISTEN:8081,bind=10.200.0.2,fork,reuseaddr \
		SYSTEM:'sleep 60' >/dev/null 2>&1 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for sh -c "ip netns exec $SRV ss -Hltn 'sport = :8080' | grep -q ."
	wait_for sh -c "ip netns exec $SRV ss -Hltn 'sport = :8081' | grep -q ."
	# ip netns exec bind-mounts this over /etc/resolv.conf for the browsers.
	mkdir -p "/etc/netns/$CLI"
	galaf_on_cleanup "rm -rf /etc/netns/$CLI"
	echo "nameserver 127.0.0.1" >"/etc/netns/$CLI/resolv.conf"
	local web="{ \"to\": [\"app.test\"], \"proto\": \"tcp\", \"ports\": [8080, 8081] }"
	e2e_policy "$E2E_DIR/p.json" "
	  \"groups\": {
	    \"$E2E_APP_A\": { \"gid\": $E2E_GID_A, \"execv\": [\"$CHROMIUM\", \"…\"], \"allow\": [$web] },
	    \"$E2E_APP_B\": { \"gid\": $E2E_GID_B, \"execv\": [\"$FIREFOX\", \"…\"], \"allow\": [$web] }
	  }"
	e2e_apply "$E2E_DIR/p.json" >&3
	e2e_dns_start
}

teardown_file() {
	galaf_cleanup
}

teardown() {
	pkill -KILL -u "$E2E_USER" 2>/dev/null || true
}

# launch SECS APP ARGS...: the app through the test gatekeeper, as the test user.
launch() {
	local secs=$1
	shift
	ip netns exec "$CLI" setpriv --reuid="$E2E_UID" --regid="$E2E_UGID" --init-groups \
		env HOME="$E2E_DIR/home" timeout "$secs" "$E2E_DIR/build/galaf" "$@"
}

# sandboxed PATTERN: a process of the test user whose command line has
# PATTERN runs with no-new-privs and a seccomp filter (waits up to ~20 s).
sandboxed() {
	local i pid
	for ((i = 0; i < 200; i++)); do
		for pid in $(pgrep -u "$E2E_USER" -f -- "$1"); do
			if grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" 2>/dev/null &&
				grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" 2>/dev/null; then
				return 0
			fi
		done
		sleep 0.1
	done
	echo "no sandboxed process matching '$1'" >&2
	return 1
}

# firefox_profile MODE: a profile with DNS over HTTPS in TRR mode MODE.
firefox_profile() {
	local d=$E2E_DIR/ff$1
	mkdir -p "$d"
	cat >"$d/user.js" <<-EOF
	user_pref("network.trr.mode", $1);
	user_pref("network.trr.uri", "https://doh.example.net/dns-query");
	user_pref("browser.shell.checkDefaultBrowser", false);
	EOF
	chown -R "$E2E_USER" "$d"
	echo "$d"
}

@test "chromium loads an allowed page by name, with its sandbox" {
	run -0 --separate-stderr launch 60 "$E2E_APP_A" --headless --dump-dom http://app.test:8080/
	[[ $output == *galaf-browser-ok* ]]
	# Chromium refuses to start without a sandbox it can use; its renderers run under seccomp.
	launch 60 "$E2E_APP_A" --headless --dump-dom http://app.test:8081/ >/dev/null 2>&1 3>&- &
	local pid=$!
	sandboxed "--type=renderer"
	kill "$pid" 2>/dev/null || true
}

@test "chromium: a name the app does not list is not resolved" {
	run --separate-stderr launch 60 "$E2E_APP_A" --headless --dump-dom http://other.test:8080/
	[[ $output != *galaf-browser-ok* ]]
	[[ $stderr == *ERR_NAME_NOT_RESOLVED* ]]
}

@test "firefox, DNS over HTTPS in TRR mode 2: falls back to the local resolver and loads" {
	local prof
	prof=$(firefox_profile 2)
	: >"$E2E_DIR/http.log"
	run -0 --separate-stderr launch 60 "$E2E_APP_B" --headless --profile "$prof" \
		--screenshot "$prof/shot.png" "http://app.test:8080/?trr=2"
	grep -q 'GET /?trr=2 ' "$E2E_DIR/http.log"
}

@test "firefox, TRR mode 3 with a DoH server the app may not reach: nothing loads; content sandboxed" {
	local prof pid
	prof=$(firefox_profile 3)
	: >"$E2E_DIR/http.log"
	launch 20 "$E2E_APP_B" --headless --profile "$prof" --screenshot "$prof/shot.png" \
		"http://app.test:8080/?trr=3" >/dev/null 2>&1 3>&- &
	pid=$!
	sandboxed "-contentproc"
	wait "$pid" || true
	run -1 grep -q 'trr=3' "$E2E_DIR/http.log"
}
