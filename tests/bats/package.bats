#!/usr/bin/env bats
# The Debian package and the Ansible role's package mode (issue 20): the
# .deb built from debian/ with dpkg-buildpackage, put in a local apt source,
# and installed by the role (galaf_install: package) with Debian's
# ansible-core inside systemd-nspawn, on an overlay of this machine's root
# whose writes go to a tmpfs: dpkg, apt, the app group and the table all
# land in the container and vanish with it; the host is never touched. The
# container has its own network (the table is loaded there) and is killed
# by a timeout if it does not finish.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "package tests need root" >&2; return 1; }
	need dpkg-buildpackage dh dpkg-scanpackages systemd-nspawn unshare ansible-playbook tar || return 1
	T=$(mktemp -d /tmp/galaf-pkg.XXXXXX) || return 1
	chmod 755 "$T"
	galaf_on_cleanup "rm -rf '$T'"
	export T
	# The source as it is (committed or not), without the build tree.
	mkdir "$T/src" "$T/repo"
	tar -C "$GALAF_TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$T/src" -xf - || return 1
	(cd "$T/src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$T/build.log" 2>&1 ||
		{ tail -n 40 "$T/build.log" >&2; return 1; }
	cp "$T"/galaf_*.deb "$T/repo/" || return 1
	(cd "$T/repo" && dpkg-scanpackages . >Packages) 2>/dev/null || return 1
}

teardown_file() {
	galaf_cleanup
}

# in_overlay SCRIPT: run SCRIPT (sh) in a container on an overlay of /, the
# local apt source at /srv/galaf-repo and the source tree at /srv/galaf-src.
in_overlay() {
	local machine rc=0
	machine=galaf-t-$(galaf_rand)
	printf '%s\n' "$1" >"$T/ct.sh"
	mkdir -p "$T/ovl" "$T/root"
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout -k 10 600 unshare -m --propagation private sh -c '
		T=$0 machine=$1
		mount -t tmpfs -o mode=0755 galaf-pkg "$T/ovl" || exit 99
		mkdir "$T/ovl/upper" "$T/ovl/work"
		mount -t overlay galaf-pkg -o "lowerdir=/,upperdir=$T/ovl/upper,workdir=$T/ovl/work" "$T/root" || exit 98
		exec systemd-nspawn --quiet -D "$T/root" --machine="$machine" --private-network \
			--register=no --keep-unit --as-pid2 --link-journal=no \
			--bind-ro="$T/repo:/srv/galaf-repo" --bind-ro="$T/src:/srv/galaf-src" \
			--bind-ro="$T/ct.sh:/srv/ct.sh" /bin/sh /srv/ct.sh' "$T" "$machine" || rc=$?
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
	return $rc
}

@test "the package holds the programs, the units and the gatekeeper's capability step" {
	local deb
	deb=$(echo "$T"/repo/galaf_*.deb)
	run -0 dpkg-deb -c "$deb"
	[[ $output == *" ./usr/sbin/galaf-config"* ]]
	[[ $output == *" ./usr/bin/galaf"* ]]
	[[ $output == *" ./usr/sbin/galaf-stats"* ]]
	[[ $output == *" ./lib/systemd/system/galaf.service"* ]]
	[[ $output == *" ./lib/systemd/system/galaf-stats-textfile.timer"* ]]
	run -0 dpkg-deb -I "$deb" postinst
	[[ $output == *"setcap cap_setgid"* ]]
}

@test "the role installs the package from an apt source, applies the policy, and a second run changes nothing" {
	local script
	script=$(
		cat <<-'EOS'
		set -eu
		# Only the local source: the container has no network.
		rm -rf /etc/apt/sources.list /etc/apt/sources.list.d
		mkdir /etc/apt/sources.list.d
		echo 'deb [trusted=yes] file:/srv/galaf-repo ./' >/etc/apt/sources.list.d/galaf-test.list
		apt-get -q update >/dev/null
		export HOME=/tmp ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 NO_COLOR=1
		cat >/tmp/vars.json <<-'EOV'
		{ "galaf_install": "package", "galaf_manage_units": false,
		  "galaf_policy__zz_test": { "config": { "dns": { "reload": null } },
		    "groups": { "pkgapp": { "gid": 59123, "execv": ["/bin/true"],
		      "allow": [{ "to": ["10.1.0.0/16"], "proto": "tcp", "ports": [443] }] } } } }
		EOV
		play() { ansible-playbook -c local -i localhost, /srv/galaf-src/contrib/ansible/site.yml -e @/tmp/vars.json; }
		echo "before: $(dpkg-query -W -f='${Status}' galaf 2>/dev/null || echo absent)"
		play | sed -n 's/^localhost *: /first: /p'
		echo "after: $(dpkg-query -W -f='${Status} ${Version}' galaf)"
		echo "cap: $(getcap /usr/bin/galaf)"
		echo "group: $(getent group pkgapp)"
		echo "status: $(/usr/sbin/galaf-config status /etc/galaf/galaf.json | tail -n 1)"
		play | sed -n 's/^localhost *: /second: /p'
		EOS
	)
	run -0 in_overlay "$script"
	echo "$output"
	[[ $output == *"before: absent"* ]]
	[[ $output =~ first:\ ok=[0-9]+\ +changed=[1-9][0-9]*\ .*failed=0 ]]
	[[ $output == *"after: install ok installed"* ]]
	[[ $output == *"cap: /usr/bin/galaf cap_setgid=ep"* ]]
	[[ $output == *"group: pkgapp:x:59123:"* ]]
	[[ $output == *"status: status: in sync"* ]]
	[[ $output =~ second:\ ok=[0-9]+\ +changed=0\ .*failed=0 ]]
	# Nothing reached the host.
	run ! dpkg-query -W galaf
	run ! getent group pkgapp
	run -1 nft list table inet galaf
}
