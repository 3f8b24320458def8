#!/usr/bin/env bats
# galaf-config's command line for check and render: help, version, usage
# errors, exit codes, messages, warnings and deterministic output.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and stderr_lines

bats_require_minimum_version 1.5.0
load ../lib/common

EXAMPLE=$GALAF_TOP/galaf.json.example

setup() {
	read -ra WRAP <<<"$GALAF_WRAP"
	[ -x "$GALAF_CONFIG" ] || {
		echo "$GALAF_CONFIG is missing; run make" >&2
		return 1
	}
}

# The binary under test, through GALAF_WRAP when set.
gc() {
	"${WRAP[@]}" "$GALAF_CONFIG" "$@"
}

# policy NAME JSON: writes JSON to a file in the test's directory; its path in $P.
policy() {
	P=$BATS_TEST_TMPDIR/$1.json
	printf '%s\n' "$2" >"$P"
}

# --- help and version ----------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr gc --help
	[[ $output == *"Usage: galaf-config COMMAND"* ]]
	[[ $output == *check* && $output == *render* ]]
	[ -z "$stderr" ]
}

@test "-h is --help" {
	run -0 --separate-stderr gc -h
	[[ $output == *"Usage: galaf-config COMMAND"* ]]
}

@test "no arguments: usage on stderr, exit 2" {
	run -2 --separate-stderr gc
	[[ $stderr == *"Usage: galaf-config"* ]]
	[ -z "$output" ]
}

@test "check --help prints its usage and exits 0" {
	run -0 --separate-stderr gc check --help
	[[ $output == "Usage: galaf-config check POLICY"* ]]
	[[ $output == *"Exit status"* ]]
}

@test "render --help prints its usage and exits 0" {
	run -0 --separate-stderr gc render --help
	[[ $output == "Usage: galaf-config render --nft|--dnsmasq|--gate POLICY"* ]]
	[[ $output == *--nft* && $output == *--dnsmasq* && $output == *--gate* ]]
}

@test "--version prints the name and version and exits 0" {
	run -0 --separate-stderr gc --version
	[[ $output =~ ^galaf-config\ [0-9]+\.[0-9]+ ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "check --version prints the version and exits 0 (every command has --version)" {
	run -0 --separate-stderr gc check --version
	[[ $output =~ ^galaf-config\ [0-9]+\.[0-9]+ ]]
}

@test "render --version prints the version and exits 0 (every command has --version)" {
	run -0 --separate-stderr gc render --version
	[[ $output =~ ^galaf-config\ [0-9]+\.[0-9]+ ]]
}

# --- usage errors --------------------------------------------------------

@test "an unknown command exits 2 and names it" {
	run -2 --separate-stderr gc frobnicate "$EXAMPLE"
	[[ $stderr == *"unknown command 'frobnicate'"* ]]
	[ -z "$output" ]
}

@test "an unknown top-level option exits 2 and names it" {
	run -2 --separate-stderr gc --frobnicate
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
	[ -z "$output" ]
}

@test "check with an unknown option exits 2 and names it" {
	run -2 --separate-stderr gc check --frobnicate "$EXAMPLE"
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
	[ -z "$output" ]
}

@test "render with an unknown option exits 2 and names it" {
	run -2 --separate-stderr gc render --nft --frobnicate "$EXAMPLE"
	[[ $stderr == *"unknown option '--frobnicate'"* ]]
	[ -z "$output" ]
}

@test "check without a POLICY exits 2" {
	run -2 --separate-stderr gc check
	[[ $stderr == *"check: expected one POLICY"* ]]
}

@test "check with two files exits 2" {
	run -2 --separate-stderr gc check "$EXAMPLE" "$EXAMPLE"
	[[ $stderr == *"check: expected one POLICY"* ]]
}

@test "render without --nft, --dnsmasq or --gate exits 2 and says which to give" {
	run -2 --separate-stderr gc render "$EXAMPLE"
	[[ $stderr == *"--nft, --dnsmasq, --gate"* ]]
	[ -z "$output" ]
}

@test "render with two outputs exits 2" {
	run -2 --separate-stderr gc render --nft --gate "$EXAMPLE"
	[[ $stderr == *"exactly one of --nft, --dnsmasq, --gate"* ]]
	[ -z "$output" ]
}

# --- files and validity --------------------------------------------------

@test "check of a missing file exits 1 and says it cannot be opened" {
	local f=$BATS_TEST_TMPDIR/no-such-policy.json
	run -1 --separate-stderr gc check "$f"
	[ "${stderr_lines[0]}" = "$f: error: cannot open: No such file or directory" ]
	[ -z "$output" ]
}

@test "render of a missing file exits 1 with nothing on stdout" {
	local f=$BATS_TEST_TMPDIR/no-such-policy.json
	run -1 --separate-stderr gc render --nft "$f"
	[[ $stderr == *"$f: error: cannot open: No such file or directory"* ]]
	[ -z "$output" ]
}

@test "check of galaf.json.example exits 0 and says valid" {
	run -0 --separate-stderr gc check "$EXAMPLE"
	[ "$output" = "$EXAMPLE: valid" ]
}

@test "check of an invalid policy exits 1 with nothing on stdout" {
	policy bad '{"groups": {"app": {"gid": 30001, "execv": ["app"]}}}'
	run -1 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.app.execv[0]: error: \"app\" is not an absolute path"* ]]
	[ -z "$output" ]
}

@test "check reports every error, not only the first, and counts them" {
	policy bad '{"config": {"table": "my-table", "mode": "block"},
		"groups": {"app": {"gid": 30001, "execv": []}}}'
	run -1 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: config.table: error:"* ]]
	[[ $stderr == *"$P: config.mode: error:"* ]]
	[[ $stderr == *"$P: groups.app.execv: error:"* ]]
	[ "${stderr_lines[-1]}" = "$P: 3 errors, 0 warnings" ]
}

@test "a syntax error is reported as FILE:LINE:COL" {
	policy bad $'{\n  "groups": {\n    "app": {"gid": 30001,}\n  }\n}'
	run -1 --separate-stderr gc check "$P"
	[[ ${stderr_lines[0]} == "$P:3:"[0-9]*": error: "* ]]
}

# --- warnings ------------------------------------------------------------

@test "check warns about an app group missing on this machine, and still exits 0" {
	local g
	g=zz-galaf-cli-$(galaf_rand)
	policy missing '{"groups": {"'"$g"'": {"allow": [{}]}}}'
	run -0 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.$g: warning: group '$g' does not exist on this machine"* ]]
	[[ $stderr == *"$P: 1 warning"* ]]
	[ "$output" = "$P: valid" ]
}

@test "check warns about a user missing on this machine, and still exits 0" {
	local u
	u=zz-galaf-cli-$(galaf_rand)
	policy missing '{"users": {"'"$u"'": {"allow": [{"proto": "tcp", "ports": [443]}]}}}'
	run -0 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: users.$u: warning: user '$u' does not exist on this machine"* ]]
	[ "$output" = "$P: valid" ]
}

@test "check warns about launchers missing on this machine, naming each one" {
	policy launchers '{"groups": {"app": {"gid": 30001, "execv": ["/usr/bin/true"],
		"launchers": ["zz-galaf-no-user", "@zz-galaf-no-group", "root"]}}}'
	run -0 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.app.launchers[0]: warning: user 'zz-galaf-no-user' does not exist on this machine"* ]]
	[[ $stderr == *"$P: groups.app.launchers[1]: warning: group 'zz-galaf-no-group' does not exist on this machine"* ]]
	[ "$output" = "$P: valid" ]
}

@test "check warns when this machine's gid differs from the policy's" {
	policy differs '{"groups": {"root": {"gid": 30001}}}'
	run -0 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.root.gid: warning: this machine's group root has gid 0, the policy says 30001"* ]]
}

# --- render --------------------------------------------------------------

@test "render is deterministic: twice gives the same bytes, for every output" {
	local kind
	for kind in nft dnsmasq gate; do
		gc render "--$kind" "$EXAMPLE" >"$BATS_TEST_TMPDIR/a.$kind" 2>/dev/null
		gc render "--$kind" "$EXAMPLE" >"$BATS_TEST_TMPDIR/b.$kind" 2>/dev/null
		[ -s "$BATS_TEST_TMPDIR/a.$kind" ]
		cmp "$BATS_TEST_TMPDIR/a.$kind" "$BATS_TEST_TMPDIR/b.$kind"
	done
}

@test "render does not depend on the order of keys in the policy" {
	local kind rev=$BATS_TEST_TMPDIR/reordered.json
	# Every object's keys in reverse order; arrays stay as they are.
	jq 'def rev: if type == "object" then (to_entries | reverse | map(.value |= rev) | from_entries)
		elif type == "array" then map(rev) else . end; rev' "$EXAMPLE" >"$rev"
	run ! cmp -s <(jq -c . "$EXAMPLE") <(jq -c . "$rev")
	for kind in nft dnsmasq gate; do
		gc render "--$kind" "$EXAMPLE" >"$BATS_TEST_TMPDIR/a.$kind" 2>/dev/null
		gc render "--$kind" "$rev" >"$BATS_TEST_TMPDIR/b.$kind" 2>/dev/null
		[ -s "$BATS_TEST_TMPDIR/a.$kind" ]
		cmp "$BATS_TEST_TMPDIR/a.$kind" "$BATS_TEST_TMPDIR/b.$kind"
	done
}

@test "render of a group without a gid exits 1, names the entry and prints nothing" {
	local g
	g=zz-galaf-cli-$(galaf_rand)
	policy nogid '{"groups": {"'"$g"'": {"allow": [{}]}}}'
	run -1 --separate-stderr gc render --nft "$P"
	[[ $stderr == *"$P: groups.$g: error: no gid: give \"gid\" in the policy"* ]]
	[ -z "$output" ]
}

@test "render of an invalid policy exits 1 with nothing on stdout" {
	policy bad '{"groups": {"app": {"gid": 30001, "allow": [{"proto": "tcp", "ports": ["9000-8000"]}]}}}'
	run -1 --separate-stderr gc render --gate "$P"
	[[ $stderr == *"$P: groups.app.allow[0].ports[0]: error:"* ]]
	[ -z "$output" ]
}

@test "a raw rule that nft refuses is reported at groups.NAME.rule" {
	policy rule '{"groups": {"app": {"gid": 30001, "rule": "tcp dport 443"},
		"web": {"gid": 30002, "rule": "tcp dport frobnicate"}}}'
	run -1 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.web.rule: error: nft: "* ]]
	[[ $stderr != *"groups.app."* ]]
	[ -z "$output" ]
}

@test "a raw rule6 that nft refuses is reported at groups.NAME.rule6" {
	policy rule6 '{"groups": {"app": {"gid": 30001, "rule6": "ip6 daddr 192.0.2.1"}}}'
	run -1 --separate-stderr gc check "$P"
	[[ $stderr == *"$P: groups.app.rule6: error: nft: "* ]]
	[ -z "$output" ]
}

@test "render of a raw rule that nft refuses exits 1 with nothing on stdout" {
	policy rule '{"groups": {"app": {"gid": 30001, "rule": "tcp dport frobnicate"}}}'
	run -1 --separate-stderr gc render --nft "$P"
	[[ $stderr == *"$P: groups.app.rule: error: nft: "* ]]
	[ -z "$output" ]
}

@test "render --nft of the example is accepted by nft -c" {
	[ "$(id -u)" -eq 0 ] || {
		echo "nft -c needs root (a private network namespace)" >&2
		return 1
	}
	gc render --nft "$EXAMPLE" >"$BATS_TEST_TMPDIR/ex.nft" 2>/dev/null
	run -0 unshare -n nft -c -f "$BATS_TEST_TMPDIR/ex.nft"
}
