#!/usr/bin/env bats
# galaf-config desktop: menu entries, D-Bus services and wrappers that start
# apps through the gatekeeper. Everything is written into test directories
# (--applications, --services, --bin, --search); the host's /usr/local is
# never touched. A recording stand-in for the gatekeeper (--galaf) shows
# what a launcher, a real session bus and the wrapper would run.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

setup() {
	read -ra WRAP <<<"$GALAF_WRAP"
	T=$BATS_TEST_TMPDIR
	SHARE=$T/share # the originals, as /usr/share holds them
	OUT=$T/local   # stands for /usr/local
	mkdir -p "$SHARE/applications" "$SHARE/dbus-1/services" "$OUT/share/applications" "$T/state"
	# Something that is not galaf's: it must survive install and remove.
	printf '[Desktop Entry]\nName=Other\nExec=other\nType=Application\n' \
		>"$OUT/share/applications/other.desktop"
	cat >"$SHARE/applications/firefox-esr.desktop" <<-'EOF'
	[Desktop Entry]
	Name=Firefox ESR
	Name[de]=Firefox ESR auf Deutsch
	Comment=Browse the World Wide Web
	GenericName=Web Browser
	Exec=/usr/lib/firefox-esr/firefox-esr %u
	TryExec=firefox-esr
	Icon=firefox-esr
	Terminal=false
	Type=Application
	MimeType=text/html;x-scheme-handler/http;x-scheme-handler/https;
	Categories=Network;WebBrowser;
	Actions=new-window;private-window;

	[Desktop Action new-window]
	Name=New Window
	Exec=/usr/lib/firefox-esr/firefox-esr --new-window %u

	[Desktop Action private-window]
	Name=New Private Window
	Name[de]=Neues privates Fenster
	Exec=/usr/lib/firefox-esr/firefox-esr --private-window "two words" %u
	EOF
	cat >"$SHARE/applications/org.gnome.Weather.desktop" <<-'EOF'
	[Desktop Entry]
	Name=Weather
	Exec=gapplication launch org.gnome.Weather %U
	Type=Application
	Icon=org.gnome.Weather
	MimeType=x-scheme-handler/weather;
	DBusActivatable=true
	Categories=GNOME;GTK;Utility;
	EOF
	cat >"$SHARE/dbus-1/services/org.gnome.Weather.service" <<-'EOF'
	[D-BUS Service]
	Name=org.gnome.Weather
	Exec=/usr/bin/gnome-weather --gapplication-service
	SystemdService=app-org.gnome.Weather.service
	EOF
	# The stand-in gatekeeper: one line per run, its arguments separated by '|'.
	GATE=$T/galaf-stand-in
	printf '#!/bin/sh\n(IFS="|"; echo "$*") >>"%s/runs"\n' "$T" >"$GATE"
	chmod 755 "$GATE"
	P=$T/policy.json
	cat >"$P" <<-EOF
	{ "config": { "state_dir": "$T/state" },
	  "groups": {
	    "firefox": { "gid": 30001, "execv": ["/usr/bin/firefox-esr", "--no-remote", "…"],
	                 "desktop": ["firefox-esr.desktop"], "wrapper": true },
	    "weather": { "gid": 30004, "execv": ["/usr/bin/gnome-weather"],
	                 "desktop": ["org.gnome.Weather.desktop"], "dbus": ["org.gnome.Weather"] } } }
	EOF
	DIRS=(--applications "$OUT/share/applications" --services "$OUT/share/dbus-1/services"
		--bin "$OUT/bin" --search "$OUT/share:$SHARE" --galaf "$GATE")
}

teardown() {
	galaf_cleanup
}

desk() {
	"${WRAP[@]}" "$GALAF_CONFIG" desktop "$@"
}

# Every file and directory under a tree with its mode and content hash.
snapshot() {
	(cd "$1" && find . -printf '%y %m %p\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

@test "--help names the options, the manifest and the session bus line" {
	run -0 desk --help
	for w in --install --remove --applications --services --bin --search --galaf desktop.manifest servicedir; do
		[[ $output == *"$w"* ]] || { echo "missing $w"; return 1; }
	done
}

@test "without --install or --remove it is a usage error" {
	run -2 --separate-stderr desk "$P"
	[[ $stderr == *"give --install or --remove"* ]]
	run -2 --separate-stderr desk --install --remove "$P"
}

@test "the overrides pass desktop-file-validate" {
	run -0 desk --install "${DIRS[@]}" "$P"
	for f in firefox-esr.desktop org.gnome.Weather.desktop; do
		run -0 desktop-file-validate "$OUT/share/applications/$f"
		[ -z "$output" ] || { echo "$output"; return 1; }
	done
}

@test "Exec= goes through galaf, field codes where the policy's … is" {
	run -0 desk --install "${DIRS[@]}" "$P"
	run -0 grep '^Exec=' "$OUT/share/applications/firefox-esr.desktop"
	[ "${lines[0]}" = "Exec=$GATE firefox %u" ]
	[ "${lines[1]}" = "Exec=$GATE firefox --new-window %u" ]
	[ "${lines[2]}" = "Exec=$GATE firefox --private-window \"two words\" %u" ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "without … in execv, Exec= passes no arguments (the gatekeeper would refuse them)" {
	run -0 --separate-stderr desk --install "${DIRS[@]}" "$P"
	run -0 grep '^Exec=' "$OUT/share/applications/org.gnome.Weather.desktop"
	[ "$output" = "Exec=$GATE weather" ]
	run -0 grep '^Exec=' "$OUT/share/dbus-1/services/org.gnome.Weather.service"
	[ "$output" = "Exec=$GATE weather" ]
}

@test "the override keeps every other line of the original" {
	run -0 desk --install "${DIRS[@]}" "$P"
	diff <(grep -v -e '^Exec=' -e '^TryExec=' "$SHARE/applications/firefox-esr.desktop") \
		<(grep -v -e '^Exec=' -e '^TryExec=' -e '^#' -e '^X-Galaf-App=' "$OUT/share/applications/firefox-esr.desktop")
	grep -qx 'TryExec=/usr/bin/firefox-esr' "$OUT/share/applications/firefox-esr.desktop"
	grep -qx 'X-Galaf-App=firefox' "$OUT/share/applications/firefox-esr.desktop"
	# An original without TryExec= gets one too: the entry hides when the command is gone.
	run -0 grep -c '^TryExec=/usr/bin/gnome-weather$' "$OUT/share/applications/org.gnome.Weather.desktop"
	[ "$output" = 1 ]
}

@test "DBusActivatable and SystemdService are left out, so Exec= is what runs" {
	run -0 desk --install "${DIRS[@]}" "$P"
	run -1 grep '^DBusActivatable' "$OUT/share/applications/org.gnome.Weather.desktop"
	run -1 grep '^SystemdService' "$OUT/share/dbus-1/services/org.gnome.Weather.service"
	grep -qx 'Name=org.gnome.Weather' "$OUT/share/dbus-1/services/org.gnome.Weather.service"
}

@test "a real session bus reads the D-Bus override and activates it through galaf" {
	run -0 desk --install "${DIRS[@]}" "$P"
	cat >"$T/bus.conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>session</type>
	  <listen>unix:path=$T/bus</listen>
	  <servicedir>$OUT/share/dbus-1/services</servicedir>
	  <policy context="default">
	    <allow send_destination="*" eavesdrop="true"/>
	    <allow eavesdrop="true"/>
	    <allow own="*"/>
	  </policy>
	</busconfig>
	EOF
	dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile 3>&- &
	galaf_on_cleanup "kill $!"
	wait_for test -S "$T/bus"
	export DBUS_SESSION_BUS_ADDRESS=unix:path=$T/bus
	run -0 dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.ListActivatableNames
	[[ $output == *'"org.gnome.Weather"'* ]]
	# The stand-in does not take the name, so the activation itself fails; it ran, though.
	run dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
		org.freedesktop.DBus.StartServiceByName string:org.gnome.Weather uint32:0
	wait_for test -s "$T/runs"
	[ "$(cat "$T/runs")" = "weather" ]
}

@test "the wrapper runs galaf APP with the caller's arguments" {
	run -0 desk --install "${DIRS[@]}" "$P"
	[ "$(stat -c %a "$OUT/bin/firefox")" = 755 ]
	# shellcheck disable=SC2016 # a literal $HOME must arrive unexpanded
	run -0 "$OUT/bin/firefox" "a b" --x '$HOME'
	# shellcheck disable=SC2016
	[ "$(cat "$T/runs")" = 'firefox|a b|--x|$HOME' ]
	[ ! -e "$OUT/bin/weather" ]
}

@test "install again is idempotent: same bytes, same manifest" {
	run -0 desk --install "${DIRS[@]}" "$P"
	before=$(snapshot "$T")
	run -0 desk --install "${DIRS[@]}" "$P"
	[ "$(snapshot "$T")" = "$before" ]
}

@test "remove leaves the directories as they were before install" {
	before=$(snapshot "$OUT")
	run -0 desk --install "${DIRS[@]}" "$P"
	[ "$(snapshot "$OUT")" != "$before" ]
	run -0 desk --remove "${DIRS[@]}" "$P"
	[ "$(snapshot "$OUT")" = "$before" ]
	[ ! -e "$T/state/desktop.manifest" ]
}

@test "install refuses to overwrite a file it did not write, and writes nothing" {
	mkdir -p "$OUT/bin"
	echo mine >"$OUT/bin/firefox"
	before=$(snapshot "$OUT")
	run -1 --separate-stderr desk --install "${DIRS[@]}" "$P"
	[[ $stderr == *"$OUT/bin/firefox exists and galaf-config did not write it"* ]]
	[ "$(snapshot "$OUT")" = "$before" ]
}

@test "remove leaves a file changed since install, and says so" {
	run -0 desk --install "${DIRS[@]}" "$P"
	echo "# local change" >>"$OUT/share/applications/firefox-esr.desktop"
	run -1 --separate-stderr desk --remove "${DIRS[@]}" "$P"
	[[ $stderr == *"firefox-esr.desktop changed since galaf-config wrote it; left in place"* ]]
	[ -e "$OUT/share/applications/firefox-esr.desktop" ]
	[ ! -e "$OUT/share/applications/org.gnome.Weather.desktop" ]
	# Undo the change, and the next remove finishes the job.
	sed -i '$d' "$OUT/share/applications/firefox-esr.desktop"
	run -0 desk --remove "${DIRS[@]}" "$P"
	[ ! -e "$OUT/share/applications/firefox-esr.desktop" ]
}

@test "an entry that leaves the policy loses its overrides on the next install" {
	run -0 desk --install "${DIRS[@]}" "$P"
	sed -i 's/"desktop": \["org.gnome.Weather.desktop"\], //' "$P"
	run -0 desk --install "${DIRS[@]}" "$P"
	[[ $output == *"removed $OUT/share/applications/org.gnome.Weather.desktop"* ]]
	[ -e "$OUT/share/dbus-1/services/org.gnome.Weather.service" ]
}

@test "the search never takes galaf's own override for the original" {
	run -0 desk --install "${DIRS[@]}" "$P"
	rm "$SHARE/applications/firefox-esr.desktop"
	run -1 --separate-stderr desk --install "${DIRS[@]}" "$P"
	[[ $stderr == *"groups.firefox.desktop: error: no firefox-esr.desktop in menus"* ]]
	[[ $stderr == *"nothing was written"* ]]
}

@test "a wrapper that would replace the app's own command is refused" {
	mkdir -p "$OUT/bin"
	printf '#!/bin/sh\n' >"$OUT/bin/tool"
	cat >"$P" <<-EOF
	{ "config": { "state_dir": "$T/state" },
	  "groups": { "tool": { "gid": 30001, "execv": ["$OUT/bin/tool", "…"], "wrapper": true } } }
	EOF
	run -1 --separate-stderr desk --install "${DIRS[@]}" "$P"
	[[ $stderr == *"groups.tool.wrapper: error: $OUT/bin/tool is the app's own command"* ]]
}

@test "an install that fails half way keeps what the earlier one wrote removable" {
	before=$(snapshot "$OUT")
	run -0 desk --install "${DIRS[@]}" "$P"
	[ -f "$OUT/bin/firefox" ]
	# The wrapper's directory now cannot exist: the second install fails
	# after it rewrote the menu entries.
	run -1 desk --install "${DIRS[@]/#"$OUT/bin"/\/dev\/null\/bin}" "$P"
	[[ $output == *"cannot write /dev/null/bin/firefox"* ]]
	run -0 desk --remove "${DIRS[@]}" "$P"
	[ "$(snapshot "$OUT")" = "$before" ]
}
