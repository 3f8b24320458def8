#!/bin/sh
# scripts/install.sh install|uninstall: put galaf's files in place, or take
# exactly those files away again. 'make install' and 'make uninstall' call it
# with the locations from config.mk in the environment:
#
#   DESTDIR PREFIX BINDIR SBINDIR LIBDIR MANDIR DOCDIR UNITDIR SYSCONFDIR
#   GATE_INDEX BPF_OBJECT BUILDDIR, and COMPLETIONDIR (bash completions)
#
# SETCAP=no skips giving the gatekeeper its capability (packages do it in
# their postinst, since dpkg does not keep extended attributes).
# Never writes /etc/galaf/galaf.json, and uninstall never removes it.
set -eu

prog=scripts/install.sh
top=$(cd "$(dirname "$0")/.." && pwd)

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BINDIR=${BINDIR:-$PREFIX/bin}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
LIBDIR=${LIBDIR:-$PREFIX/lib/galaf}
MANDIR=${MANDIR:-$PREFIX/share/man}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/galaf}
UNITDIR=${UNITDIR:-/etc/systemd/system}
SYSCONFDIR=${SYSCONFDIR:-/etc}
GATE_INDEX=${GATE_INDEX:-/etc/galaf/gate.index}
BPF_OBJECT=${BPF_OBJECT:-$LIBDIR/galaf_mark.bpf.o}
COMPLETIONDIR=${COMPLETIONDIR:-$PREFIX/share/bash-completion/completions}
BUILDDIR=${BUILDDIR:-$top/build}
SETCAP=${SETCAP:-setcap}
DESTDIR=${DESTDIR%/}

# Installed paths end up in unit files and sed expressions: keep them plain.
check_path() {
	case $2 in
	/*) ;;
	*) die "$1 must be an absolute path, not '$2'" ;;
	esac
	case $2 in
	*[!A-Za-z0-9._/+@:~-]*) die "$1='$2' has characters that unit files cannot take" ;;
	esac
}
for v in PREFIX BINDIR SBINDIR LIBDIR MANDIR DOCDIR UNITDIR SYSCONFDIR GATE_INDEX \
	BPF_OBJECT COMPLETIONDIR; do
	eval "check_path $v \"\$$v\""
done
case $BUILDDIR in
/*) ;;
*) BUILDDIR=$top/$BUILDDIR ;;
esac

# walk ACTION: calls ACTION KIND SOURCE DEST for every installed file, where
# KIND is an octal mode, r and a mode (a unit file or script whose paths are
# adjusted) or "link" (a symbolic link to SOURCE). install and uninstall share this one list.
walk() {
	"$1" 755 "$BUILDDIR/galaf" "$BINDIR/galaf"
	for p in galaf-config galaf-stats galaf-tcpdump; do
		"$1" 755 "$BUILDDIR/$p" "$SBINDIR/$p"
	done
	"$1" 644 "$BUILDDIR/galaf_mark.bpf.o" "$BPF_OBJECT"
	for m in "$top"/man/*.1 "$top"/man/*.5 "$top"/man/*.8; do
		[ -e "$m" ] || continue
		"$1" 644 "$m" "$MANDIR/man${m##*.}/${m##*/}"
	done
	for u in galaf.service galaf-marker.service galaf-stats-textfile.service \
		galaf-stats-textfile.timer dnsmasq.service.d/galaf.conf \
		NetworkManager.service.d/galaf.conf; do
		"$1" r644 "$top/systemd/$u" "$UNITDIR/$u"
	done
	"$1" r755 "$top/systemd/galaf-boot" "$LIBDIR/galaf-boot"
	"$1" 644 "$top/galaf.json.example" "$SYSCONFDIR/galaf/galaf.json.example"
	"$1" 644 "$top/etc/galaf/README" "$SYSCONFDIR/galaf/README"
	"$1" 644 "$top/completion/galaf.bash" "$COMPLETIONDIR/galaf"
	for c in galaf-config galaf-stats galaf-tcpdump; do
		"$1" link galaf "$COMPLETIONDIR/$c"
	done
	for d in "$top"/docs/*.md "$top"/README.md; do
		[ -e "$d" ] || continue
		"$1" 644 "$d" "$DOCDIR/${d##*/}"
	done
	for e in "$top"/examples/*.json; do
		[ -e "$e" ] || continue
		"$1" 644 "$e" "$DOCDIR/examples/${e##*/}"
	done
}

# The directories that are galaf's own: removed by uninstall once empty.
own_dirs() {
	echo "$DOCDIR/examples" "$DOCDIR" "$(dirname "$BPF_OBJECT")" \
		"$UNITDIR/dnsmasq.service.d" "$UNITDIR/NetworkManager.service.d" \
		"$SYSCONFDIR/galaf"
}

need_source() {
	[ "$1" = link ] || [ -e "$2" ] || {
		case $2 in
		"$BUILDDIR"/*) echo "$prog: $2 is missing: run make first" >&2 ;;
		*) echo "$prog: $2 is missing from the source tree" >&2 ;;
		esac
		missing=1
	}
}

# The unit files and galaf-boot name /usr/sbin, /usr/lib/galaf and /etc/galaf
# (what the Debian package uses); other locations are written in here.
render() {
	gate_dir=$(dirname "$GATE_INDEX")
	rw=$SYSCONFDIR/galaf
	[ "$gate_dir" = "$rw" ] || rw="$rw $gate_dir"
	sed -e "s|/usr/sbin/galaf-config|$SBINDIR/galaf-config|g" \
		-e "s|/usr/sbin/galaf-stats|$SBINDIR/galaf-stats|g" \
		-e "s|/usr/lib/galaf/galaf_mark.bpf.o|$BPF_OBJECT|g" \
		-e "s|/usr/lib/galaf/galaf-boot|$LIBDIR/galaf-boot|g" \
		-e "s|^\(RequiresMountsFor=.*\) /usr/lib/galaf\$|\1 $(dirname "$BPF_OBJECT")|" \
		-e "s|^ReadWritePaths=/etc/galaf |ReadWritePaths=$rw |" \
		-e "s|/etc/galaf/|$SYSCONFDIR/galaf/|g" "$1"
}

# note_dirs DIR: remember the directories above a file that do not exist yet,
# so that uninstall removes exactly the directories install created.
note_dirs() {
	d=$1
	while [ "$d" != "$DESTDIR" ] && [ "$d" != / ] && [ ! -d "$d" ]; do
		echo "${d#"$DESTDIR"}" >>"$created"
		d=$(dirname "$d")
	done
}

install_one() {
	dest=$DESTDIR$3
	note_dirs "$(dirname "$dest")"
	case $1 in
	link)
		mkdir -p "$(dirname "$dest")"
		ln -sfn "$2" "$dest"
		;;
	r*)
		mkdir -p "$(dirname "$dest")"
		render "$2" >"$dest.tmp"
		install -m "${1#r}" "$dest.tmp" "$dest"
		rm -f "$dest.tmp"
		;;
	*) install -D -m "$1" "$2" "$dest" ;;
	esac
	echo "  INSTALL $dest"
}

uninstall_one() {
	if [ -e "$DESTDIR$3" ] || [ -L "$DESTDIR$3" ]; then
		rm -f "$DESTDIR$3"
		echo "  REMOVE  $DESTDIR$3"
	fi
}

# A build for other locations looks in the wrong place at run time.
check_build_paths() {
	grep -qF "$BPF_OBJECT" "$BUILDDIR/galaf-config" ||
		echo "$prog: warning: $BUILDDIR/galaf-config was built for another BPF_OBJECT than $BPF_OBJECT (the marker unit names the object, but 'galaf-config marker load' alone will not find it); rebuild with the same variables: make clean && make PREFIX=$PREFIX" >&2
	grep -qF "$GATE_INDEX" "$BUILDDIR/galaf" ||
		echo "$prog: warning: $BUILDDIR/galaf was built for another GATE_INDEX than $GATE_INDEX; rebuild: make clean && make GATE_INDEX=$GATE_INDEX" >&2
}

# The gatekeeper needs cap_setgid in its permitted and effective sets; it is
# never setuid or setgid.
give_capability() {
	gate=$DESTDIR$BINDIR/galaf
	cmd="setcap cap_setgid+ep $gate"
	if [ "$SETCAP" = no ]; then
		echo "$prog: SETCAP=no: the gatekeeper has no capability yet; once it is in place, run as root:" >&2
		echo "  $cmd" >&2
	elif [ "$(id -u)" -ne 0 ]; then
		echo "$prog: not root, so the gatekeeper has no capability yet; run as root:" >&2
		echo "  $cmd" >&2
	elif ! command -v "$SETCAP" >/dev/null; then
		die "$SETCAP not found (apt install libcap2-bin), so $gate cannot start apps; install it and run: $cmd"
	elif ! "$SETCAP" cap_setgid+ep "$gate"; then
		die "setting the capability failed (a DESTDIR on a filesystem without extended attributes? then use SETCAP=no and set it on the final file); run: $cmd"
	fi
}

# A real install into systemd's own unit directories on a running systemd.
systemd_running() {
	case $UNITDIR in
	/etc/systemd/system | /lib/systemd/system | /usr/lib/systemd/system | /usr/local/lib/systemd/system) ;;
	*) return 1 ;;
	esac
	[ -z "$DESTDIR" ] && [ "$(id -u)" -eq 0 ] && [ -d /run/systemd/system ]
}

do_install() {
	missing=0
	walk need_source
	[ "$missing" -eq 0 ] || die "nothing was installed"
	check_build_paths
	created=$(mktemp)
	trap 'rm -f "$created"' EXIT
	manifest=$DESTDIR$LIBDIR/installed-dirs
	[ ! -e "$manifest" ] || cat "$manifest" >>"$created"
	walk install_one
	sort -u "$created" >"$manifest"
	give_capability
	if systemd_running; then
		systemctl daemon-reload || true
	fi
	cat <<EOF
$prog: installed. Nothing was enabled or started. Next steps:
  cp $SYSCONFDIR/galaf/galaf.json.example $SYSCONFDIR/galaf/galaf.json   # then edit it
  galaf-config check $SYSCONFDIR/galaf/galaf.json
  systemctl enable --now galaf-marker.service galaf.service
EOF
}

do_uninstall() {
	if systemd_running; then
		systemctl disable --quiet galaf.service galaf-marker.service 2>/dev/null || true
	fi
	manifest=$DESTDIR$LIBDIR/installed-dirs
	dirs=$(cat "$manifest" 2>/dev/null || true)
	rm -f "$manifest"
	walk uninstall_one
	# What install created, deepest first, where nothing else was put since.
	for d in $(printf '%s\n' "$dirs" | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-); do
		rmdir "$DESTDIR$d" 2>/dev/null || true
	done
	for d in $(own_dirs); do
		case ${d##*/} in
		*galaf* | *.service.d | examples)
			rmdir "$DESTDIR$d" 2>/dev/null || true
			;;
		esac
	done
	if systemd_running; then
		systemctl daemon-reload || true
	fi
	echo "$prog: uninstalled; kept $SYSCONFDIR/galaf/galaf.json and the state in /var/lib/galaf."
	echo "$prog: a loaded ruleset stays until: nft delete table inet galaf"
}

case ${1:-} in
install) do_install ;;
uninstall) do_uninstall ;;
*)
	echo "usage: $prog install|uninstall" >&2
	exit 2
	;;
esac
