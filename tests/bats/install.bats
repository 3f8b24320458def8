#!/usr/bin/env bats
# make install / make uninstall into throwaway DESTDIRs (never the real /),
# the gatekeeper's capability, a non-root install, and the bash completion
# driven through COMP_WORDS/COMP_CWORD with a real test gatekeeper.
# shellcheck shell=bash

bats_require_minimum_version 1.5.0
load ../lib/common

# make_install DESTDIR [VAR=VALUE...]: make install with PREFIX=/usr.
make_install() {
	local d=$1
	shift
	make -s -C "$GALAF_TOP" install DESTDIR="$d" PREFIX=/usr "$@"
}

make_uninstall() {
	local d=$1
	shift
	make -s -C "$GALAF_TOP" uninstall DESTDIR="$d" PREFIX=/usr "$@"
}

# The files and symbolic links under a tree, relative to it, sorted.
tree_files() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort)
}

# What make install PREFIX=/usr must write, derived from the source tree
# where the set of files is open-ended (man pages, docs, examples).
expected_files() {
	local f
	{
		printf '%s\n' usr/bin/galaf usr/sbin/galaf-config usr/sbin/galaf-stats \
			usr/sbin/galaf-tcpdump usr/lib/galaf/galaf_mark.bpf.o usr/lib/galaf/galaf-boot \
			usr/lib/galaf/installed-dirs \
			etc/systemd/system/galaf.service etc/systemd/system/galaf-marker.service \
			etc/systemd/system/galaf-stats-textfile.service \
			etc/systemd/system/galaf-stats-textfile.timer \
			etc/systemd/system/dnsmasq.service.d/galaf.conf \
			etc/systemd/system/NetworkManager.service.d/galaf.conf \
			etc/galaf/galaf.json.example etc/galaf/README \
			usr/share/bash-completion/completions/galaf \
			usr/share/bash-completion/completions/galaf-config \
			usr/share/bash-completion/completions/galaf-stats \
			usr/share/bash-completion/completions/galaf-tcpdump
		for f in "$GALAF_TOP"/man/*.[158]; do
			echo "usr/share/man/man${f##*.}/${f##*/}"
		done
		for f in "$GALAF_TOP"/docs/*.md "$GALAF_TOP"/README.md; do
			[ -e "$f" ] && echo "usr/share/doc/galaf/${f##*/}"
		done
		for f in "$GALAF_TOP"/examples/*.json; do
			[ -e "$f" ] && echo "usr/share/doc/galaf/examples/${f##*/}"
		done
	} | LC_ALL=C sort
}

# A copy of what install.sh reads, where an unprivileged user can read it.
copy_sources() {
	local dst=$1 p
	mkdir -p "$dst/build"
	for p in scripts systemd man completion etc docs examples galaf.json.example README.md; do
		[ -e "$GALAF_TOP/$p" ] && cp -a "$GALAF_TOP/$p" "$dst/"
	done
	for p in galaf galaf-config galaf-stats galaf-tcpdump galaf_mark.bpf.o; do
		cp "$GALAF_BUILD/$p" "$dst/build/" || return 1
	done
	chmod -R a+rX "$dst"
}

# A test gatekeeper reading its own index, with three apps: alpha for the
# test user only, beta for anyone, gamma for root only.
setup_gate() {
	make -s -C "$GALAF_TOP" B="$DIR/gate" GATE_INDEX="$DIR/gate.index" WERROR=1 \
		"$DIR/gate/galaf" >&2 || { echo "cannot build the test gatekeeper" >&2; return 1; }
	chmod 0755 "$DIR/gate"
	cat >"$DIR/policy.json" <<-EOF
	{ "config": { "gate_index": "$DIR/gate.index" },
	  "groups": {
	    "alpha": { "gid": 30501, "execv": ["/bin/true"], "launchers": ["$TUSER"] },
	    "beta": { "gid": 30502, "execv": ["/bin/echo", "…"] },
	    "gamma": { "gid": 30503, "execv": ["/bin/true"], "launchers": ["root"] }
	  } }
	EOF
	"$GALAF_CONFIG" render --gate "$DIR/policy.json" >"$DIR/gate.index" || return 1
	chmod 0644 "$DIR/gate.index"
	cp "$GALAF_TOP/completion/galaf.bash" "$DIR/galaf.bash"
	chmod 0644 "$DIR/galaf.bash"
}

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	[ "$(id -u)" -eq 0 ] || { echo "install tests need root" >&2; return 1; }
	need make getcap setcap setpriv install find shellcheck || return 1
	DIR=$(mktemp -d /tmp/galaf-install.XXXXXX) || return 1
	galaf_on_cleanup "rm -rf '$DIR'"
	chmod 0755 "$DIR"
	galaf_user TUSER || return 1
	DEST=$DIR/dest
	make_install "$DEST" >"$DIR/install.out" 2>"$DIR/install.err" ||
		{ cat "$DIR/install.err" >&2; return 1; }
	setup_gate || return 1
	export DIR DEST TUSER
}

teardown_file() {
	galaf_cleanup
}

setup() {
	_galaf_cleanups=()
}

teardown() {
	galaf_cleanup
}

# complete_as USER|- WORDS...: runs the completion function for WORDS (the
# last word is the one being completed) with the test gatekeeper first in
# PATH; prints COMPREPLY, one word a line.
complete_as() {
	local user=$1 script
	shift
	# shellcheck disable=SC2016 # expanded by the inner bash
	script='source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=$(complete -p "$1" | sed "s/.* -F \([^ ]*\) .*/\1/")
		"$f"; printf "%s\n" "${COMPREPLY[@]}"'
	if [ "$user" = - ]; then
		(cd "$DIR" && PATH=$DIR/gate:$PATH bash -c "$script" complete "$DIR/galaf.bash" "$@")
	else
		(cd "$DIR" && setpriv --reuid="$user" --regid="$user" --init-groups -- \
			env PATH="$DIR/gate:$PATH" bash -c "$script" complete "$DIR/galaf.bash" "$@")
	fi
}

# --- install -------------------------------------------------------------

@test "make install puts every file where it belongs, and nothing else" {
	run -0 diff <(expected_files) <(tree_files "$DEST")
}

@test "the gatekeeper has cap_setgid=ep and no setuid or setgid bit" {
	run -0 getcap "$DEST/usr/bin/galaf"
	[[ "$output" == *"cap_setgid=ep"* ]]
	[ ! -u "$DEST/usr/bin/galaf" ]
	[ ! -g "$DEST/usr/bin/galaf" ]
	[ "$(stat -c %a "$DEST/usr/bin/galaf")" = 755 ]
}

@test "the root tools go to sbin, the gatekeeper to bin, data files are not executable" {
	local f
	for f in usr/sbin/galaf-config usr/sbin/galaf-stats usr/sbin/galaf-tcpdump \
		usr/lib/galaf/galaf-boot; do
		[ "$(stat -c %a "$DEST/$f")" = 755 ]
	done
	for f in usr/lib/galaf/galaf_mark.bpf.o etc/systemd/system/galaf.service \
		etc/galaf/galaf.json.example usr/share/bash-completion/completions/galaf; do
		[ "$(stat -c %a "$DEST/$f")" = 644 ]
	done
	[ "$(readlink "$DEST/usr/share/bash-completion/completions/galaf-config")" = galaf ]
}

@test "the installed files are the built ones" {
	# make install installs build/, whichever build the other suites test.
	cmp "$GALAF_TOP/build/galaf-config" "$DEST/usr/sbin/galaf-config"
	cmp "$GALAF_TOP/build/galaf_mark.bpf.o" "$DEST/usr/lib/galaf/galaf_mark.bpf.o"
	cmp "$GALAF_TOP/galaf.json.example" "$DEST/etc/galaf/galaf.json.example"
}

@test "the units name the installed paths for PREFIX=/usr" {
	run -0 grep -h '^Exec' "$DEST/etc/systemd/system/galaf.service" \
		"$DEST/etc/systemd/system/galaf-marker.service"
	[[ "$output" == *"ExecStart=/usr/lib/galaf/galaf-boot /etc/galaf/galaf.json"* ]]
	[[ "$output" == *"ExecStart=/usr/sbin/galaf-config marker load --object /usr/lib/galaf/galaf_mark.bpf.o"* ]]
	run -0 grep -x 'config=/usr/sbin/galaf-config' "$DEST/usr/lib/galaf/galaf-boot"
	run -0 grep '^ExecStart' "$DEST/etc/systemd/system/galaf-stats-textfile.service"
	[ "$output" = "ExecStart=/usr/sbin/galaf-stats --policy /etc/galaf/galaf.json --prometheus --output /var/lib/prometheus/node-exporter/galaf.prom" ]
}

@test "other locations are written into the units and the boot script" {
	local d=$DIR/opt
	run -0 --separate-stderr make_install "$d" PREFIX=/opt/galaf SYSCONFDIR=/opt/etc \
		UNITDIR=/opt/units BPF_OBJECT=/opt/bpf/mark.o
	[ -f "$d/opt/bpf/mark.o" ]
	[ -f "$d/opt/etc/galaf/galaf.json.example" ]
	run -0 grep -h -e '^Exec' -e '^Condition' -e '^ReadWritePaths' -e '^RequiresMountsFor' \
		"$d/opt/units/galaf.service" "$d/opt/units/galaf-marker.service"
	[[ "$output" == *"ExecStart=/opt/galaf/lib/galaf/galaf-boot /opt/etc/galaf/galaf.json"* ]]
	[[ "$output" == *"ExecReload=/opt/galaf/sbin/galaf-config apply /opt/etc/galaf/galaf.json"* ]]
	[[ "$output" == *"ConditionPathExists=/opt/etc/galaf/galaf.json"* ]]
	[[ "$output" == *"ReadWritePaths=/opt/etc/galaf /etc/galaf -/etc/dnsmasq.d"* ]]
	[[ "$output" == *"marker load --object /opt/bpf/mark.o"* ]]
	[[ "$output" == *"RequiresMountsFor=/sys/fs/bpf /opt/bpf"* ]]
	[[ "$output" != *"/usr/sbin"* && "$output" != *"/usr/lib/galaf"* ]]
	run -0 grep -x 'config=/opt/galaf/sbin/galaf-config' "$d/opt/galaf/lib/galaf/galaf-boot"
	run -0 grep '^ExecStart' "$d/opt/units/galaf-stats-textfile.service"
	[ "$output" = "ExecStart=/opt/galaf/sbin/galaf-stats --policy /opt/etc/galaf/galaf.json --prometheus --output /var/lib/prometheus/node-exporter/galaf.prom" ]
}

@test "install never writes galaf.json, and keeps one that is there" {
	local d=$DIR/keep
	mkdir -p "$d/etc/galaf"
	echo '{"mine": true}' >"$d/etc/galaf/galaf.json"
	run -0 --separate-stderr make_install "$d"
	[ "$(cat "$d/etc/galaf/galaf.json")" = '{"mine": true}' ]
	[ ! -e "$DEST/etc/galaf/galaf.json" ]
}

@test "make uninstall removes exactly what make install wrote" {
	local d=$DIR/un
	# Files that were there before the install must stay.
	mkdir -p "$d/etc/galaf" "$d/usr/bin" "$d/etc/systemd/system/dnsmasq.service.d"
	echo '{}' >"$d/etc/galaf/galaf.json"
	echo other >"$d/usr/bin/other"
	echo '[Unit]' >"$d/etc/systemd/system/dnsmasq.service.d/local.conf"
	tree_files "$d" >"$DIR/before"
	run -0 --separate-stderr make_install "$d"
	run -0 --separate-stderr make_uninstall "$d"
	run -0 diff "$DIR/before" <(tree_files "$d")
	# galaf's own directories go once empty; the policy keeps /etc/galaf.
	[ ! -e "$d/usr/lib/galaf" ]
	[ ! -e "$d/usr/share/doc/galaf" ]
	[ ! -e "$d/etc/systemd/system/NetworkManager.service.d" ]
	[ -d "$d/etc/galaf" ]
}

@test "make uninstall removes the directories make install created, and only those" {
	local d=$DIR/dirs
	# An empty directory that was there before stays.
	mkdir -p "$d/usr/share/man/man5" "$d/usr/local"
	run -0 --separate-stderr make_install "$d"
	run -0 --separate-stderr make_install "$d"
	run -0 --separate-stderr make_uninstall "$d"
	run -0 find "$d" -mindepth 1 -printf '%P\n'
	[ "$(LC_ALL=C sort <<<"$output")" = "$(printf '%s\n' usr usr/local usr/share usr/share/man usr/share/man/man5)" ]
}

@test "uninstall after uninstall changes nothing and succeeds" {
	local d=$DIR/twice
	run -0 --separate-stderr make_install "$d"
	run -0 --separate-stderr make_uninstall "$d"
	run -0 --separate-stderr make_uninstall "$d"
	run -0 tree_files "$d"
	[ -z "$output" ]
}

@test "install fails before writing anything when a built file is missing" {
	local src=$DIR/src-missing d=$DIR/missing
	copy_sources "$src"
	rm "$src/build/galaf-stats"
	run -1 --separate-stderr env DESTDIR="$d" PREFIX=/usr "$src/scripts/install.sh" install
	[[ "$stderr" == *"build/galaf-stats is missing: run make first"* ]]
	[ ! -e "$d" ] || [ -z "$(tree_files "$d")" ]
}

@test "a non-root install prints the setcap command and sets no capability" {
	local src=$DIR/src-user d=$DIR/user
	copy_sources "$src"
	install -d -o "$TUSER" -m 0755 "$d"
	run -0 --separate-stderr setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups -- \
		env DESTDIR="$d" PREFIX=/usr "$src/scripts/install.sh" install
	[[ "$stderr" == *"not root"* ]]
	[[ "$stderr" == *"setcap cap_setgid+ep $d/usr/bin/galaf"* ]]
	[ "$(stat -c %U "$d/usr/bin/galaf")" = "$TUSER" ]
	run -0 getcap "$d/usr/bin/galaf"
	[ -z "$output" ]
}

@test "SETCAP=no installs without the capability and prints the command" {
	local d=$DIR/nocap
	run -0 --separate-stderr make_install "$d" SETCAP=no
	[[ "$stderr" == *"setcap cap_setgid+ep $d/usr/bin/galaf"* ]]
	run -0 getcap "$d/usr/bin/galaf"
	[ -z "$output" ]
}

@test "install.sh refuses a relative install path" {
	run -1 --separate-stderr env DESTDIR="$DIR/rel" PREFIX=usr "$GALAF_TOP/scripts/install.sh" install
	[[ "$stderr" == *"PREFIX must be an absolute path"* ]]
	[ ! -e "$DIR/rel" ]
}

@test "the install script, boot script and completion are shellcheck clean" {
	run -0 shellcheck "$GALAF_TOP/scripts/install.sh" "$GALAF_TOP/systemd/galaf-boot" \
		"$GALAF_TOP/completion/galaf.bash" "$GALAF_TOP/debian/postinst" \
		"$GALAF_TOP/debian/prerm" "$GALAF_TOP/debian/postrm"
}

# --- bash completion -----------------------------------------------------

@test "completion: galaf TAB offers the apps this user may start" {
	run -0 --separate-stderr complete_as "$TUSER" galaf ''
	[ "$output" = $'alpha\nbeta' ]
	[ -z "$stderr" ]
}

@test "completion: galaf TAB leaves out apps for other launchers" {
	run -0 --separate-stderr complete_as - galaf ''
	[ "$output" = $'beta\ngamma' ]
}

@test "completion: galaf completes a prefix of an app name" {
	run -0 --separate-stderr complete_as "$TUSER" galaf al
	[ "$output" = alpha ]
}

@test "completion: galaf APP TAB completes file names" {
	run -0 --separate-stderr complete_as - galaf beta gate.in
	[ "$output" = gate.index ]
}

@test "completion: galaf -- offers its options" {
	run -0 --separate-stderr complete_as - galaf --
	[ "$output" = $'--list\n--help\n--version' ]
}

@test "completion: galaf-config TAB offers the subcommands" {
	run -0 --separate-stderr complete_as - galaf-config ''
	[ "$output" = $'check\nrender\napply\nrollback\nstatus\ngroups\ncgroups\nsuggest\npin\nmarker\ndesktop\n--help\n--version' ]
}

@test "completion: galaf-config options follow the subcommand" {
	run -0 complete_as - galaf-config render --
	[ "$output" = $'--nft\n--dnsmasq\n--gate\n--help' ]
	run -0 complete_as - galaf-config apply --
	[ "$output" = $'--dry-run\n--full\n--print\n--help' ]
	run -0 complete_as - galaf-config status --j
	[ "$output" = --json ]
	run -0 complete_as - galaf-config groups --c
	[ "$output" = --create ]
	run -0 complete_as - galaf-config rollback --l
	[ "$output" = --last-good ]
	run -0 complete_as - galaf-config status --r
	[ "$output" = --resolv-conf ]
	run -0 complete_as - galaf-config desktop --
	[ "$output" = $'--install\n--remove\n--applications\n--services\n--bin\n--search\n--galaf\n--help' ]
}

@test "completion: galaf-config marker offers load, unload, status, then --cgroup" {
	run -0 complete_as - galaf-config marker ''
	[ "$output" = $'load\nunload\nstatus\n--help' ]
	run -0 complete_as - galaf-config marker load --cg
	[ "$output" = --cgroup ]
	run -0 complete_as - galaf-config marker status --cgroup /sys/fs/cgrou
	[ "$output" = /sys/fs/cgroup ]
}

@test "completion: galaf-config SUBCOMMAND then a policy file name" {
	run -0 complete_as - galaf-config check poli
	[ "$output" = policy.json ]
}

@test "completion: galaf-config options exist in the command's --help" {
	local sub opt
	for sub in render apply rollback status groups desktop; do
		run -0 complete_as - galaf-config "$sub" --
		for opt in $output; do
			[ "$opt" = --help ] && continue
			"$GALAF_CONFIG" "$sub" --help | grep -qe "$opt" ||
				{ echo "galaf-config $sub --help does not mention $opt" >&2; return 1; }
		done
	done
}

# The commands galaf-config --help lists, one a line.
top_commands() {
	"$GALAF_CONFIG" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p'
}

# The long options in CMD's entry of galaf-config --help.
top_options() {
	"$GALAF_CONFIG" --help | awk -v c="$1" '/^  [a-z]/ { on = ($1 == c) } on' |
		grep -o -e '--[a-z][a-z-]*' | LC_ALL=C sort -u
}

# The long options a --help text (on stdin) documents: in its usage lines and
# at the start of its option lines.
help_options() {
	awk '/^Usage:/ { u = 1 } u && /^$/ { u = 0 } u || /^ +(-[a-zA-Z], )?--[a-z]/' |
		grep -o -e '--[a-z][a-z-]*' | grep -vxe --help -e --version | LC_ALL=C sort -u
}

# The long options in the usage lines alone.
usage_options() {
	awk '/^Usage:/ { u = 1 } u && /^$/ { exit } u' | grep -o -e '--[a-z][a-z-]*' |
		grep -vxe --help | LC_ALL=C sort -u
}

# What completion offers after WORDS..., without --help and --version.
completed_options() {
	complete_as - "$@" -- | grep -vxe --help -e --version | LC_ALL=C sort -u
}

# accepts OPT WORDS...: galaf-config WORDS takes OPT (with or without an
# argument): with --help after it, it prints its help, not an option error.
accepts() {
	local opt=$1
	shift
	"$GALAF_CONFIG" "$@" "$opt=1" --help >/dev/null 2>&1 ||
		"$GALAF_CONFIG" "$@" "$opt" --help >/dev/null 2>&1
}

@test "completion and galaf-config --help list the same commands, and each runs" {
	local cmd
	run -0 top_commands
	local top=$output
	run -0 complete_as - galaf-config ''
	[ "$(grep -v -e '^--' <<<"$output" | LC_ALL=C sort)" = "$(LC_ALL=C sort <<<"$top")" ]
	for cmd in $top; do
		"$GALAF_CONFIG" "$cmd" --help >/dev/null ||
			{ echo "galaf-config $cmd --help fails" >&2; return 1; }
	done
}

@test "galaf-config: completion offers exactly the options each command documents and takes" {
	local cmd words opt
	for cmd in $(top_commands); do
		words=(galaf-config "$cmd")
		[ "$cmd" = marker ] && words+=(unload)
		run -0 help_options < <("$GALAF_CONFIG" "$cmd" --help)
		local documented=$output
		run -0 completed_options "${words[@]}"
		[ "$output" = "$documented" ] || {
			echo "galaf-config $cmd: completion offers ${output//$'\n'/ } but --help documents ${documented//$'\n'/ }" >&2
			return 1
		}
		for opt in $documented; do
			accepts "$opt" "${words[@]:1}" || { echo "galaf-config $cmd does not take $opt" >&2; return 1; }
		done
	done
}

@test "galaf-config --help shows every option of each command's usage line" {
	local cmd
	for cmd in $(top_commands); do
		run -0 usage_options < <("$GALAF_CONFIG" "$cmd" --help)
		local usage=$output
		run -0 top_options "$cmd"
		[ -z "$(LC_ALL=C comm -23 <(echo "$usage") <(echo "$output"))" ] || {
			echo "galaf-config --help, $cmd: has ${output//$'\n'/ } but its usage line has ${usage//$'\n'/ }" >&2
			return 1
		}
	done
}

@test "galaf-stats and galaf-tcpdump: completion offers exactly the documented options" {
	run -0 help_options < <("$GALAF_STATS" --help)
	local documented=$output
	run -0 completed_options galaf-stats
	[ "$output" = "$documented" ]
	run -0 help_options < <("$GALAF_TCPDUMP" --help)
	documented=$output
	run -0 completed_options galaf-tcpdump
	[ "$output" = "$documented" ]
}

@test "completion: galaf-stats offers its options" {
	run -0 complete_as - galaf-stats --
	local opt
	for opt in --json --prometheus --watch --tried --policy --table --help --version; do
		grep -qxe "$opt" <<<"$output"
	done
}

@test "completion: every galaf-stats option exists in galaf-stats --help" {
	local opt
	run -0 complete_as - galaf-stats --
	for opt in $output; do
		case $opt in --help | --version) continue ;; esac
		"$GALAF_STATS" --help | grep -qe "$opt" ||
			{ echo "galaf-stats --help does not mention $opt" >&2; return 1; }
	done
}

@test "completion: galaf-stats --tried takes an app, --policy a file" {
	run -0 complete_as - galaf-stats --tried b
	[ "$output" = beta ]
	run -0 complete_as - galaf-stats --policy poli
	[ "$output" = policy.json ]
}

@test "completion: galaf-tcpdump offers apps and users" {
	run -0 complete_as "$TUSER" galaf-tcpdump ''
	grep -qx alpha <<<"$output"
	grep -qx beta <<<"$output"
	grep -qx "$TUSER" <<<"$output"
	grep -qx root <<<"$output"
	# Users too: "games" may also start with "gam".
	run -0 complete_as - galaf-tcpdump gam
	grep -qx gamma <<<"$output"
	run -0 complete_as - galaf-tcpdump gamm
	[ "$output" = gamma ]
}

@test "completion: galaf-tcpdump --policy takes a file, and tcpdump's arguments follow APP" {
	run -0 complete_as - galaf-tcpdump --policy poli
	[ "$output" = policy.json ]
	run -0 complete_as - galaf-tcpdump --
	[ "$output" = $'--policy\n--help\n--version' ]
	run -0 complete_as - galaf-tcpdump --policy policy.json beta -w gate.in
	[ "$output" = gate.index ]
}
