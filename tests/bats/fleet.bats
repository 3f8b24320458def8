#!/usr/bin/env bats
# Watching many machines: contrib/prometheus's alert rules (promtool check
# and its unit tests), galaf-stats --prometheus with the fleet metrics on a
# real table in a throwaway namespace (valid for promtool check metrics,
# written atomically for node_exporter), and the README's "Many machines"
# commands as written.
# shellcheck shell=bash
# shellcheck disable=SC2154 # run sets output, stderr, lines and status
bats_require_minimum_version 1.5.0
load ../lib/common

RULES=$GALAF_TOP/contrib/prometheus

setup_file() {
	command -v promtool >/dev/null || {
		echo "fleet.bats needs promtool (apt-get install prometheus)" >&2
		return 1
	}
}

@test "promtool check rules accepts contrib/prometheus/galaf.rules.yml" {
	run -0 promtool check rules "$RULES/galaf.rules.yml"
	[[ $output == *"SUCCESS: 5 rules found"* ]]
}

@test "promtool test rules: every alert fires when it should and only then" {
	run -0 promtool test rules "$RULES/galaf.rules.test.yml"
	[[ $output == *SUCCESS* ]]
}

@test "the rule tests can fail: a wrong expectation is reported" {
	cp "$RULES/galaf.rules.yml" "$BATS_TEST_TMPDIR/"
	sed 's/refused 9 packets/refused 8 packets/' "$RULES/galaf.rules.test.yml" \
		>"$BATS_TEST_TMPDIR/galaf.rules.test.yml"
	run -1 promtool test rules "$BATS_TEST_TMPDIR/galaf.rules.test.yml"
	[[ $output == *GalafRefusedBurst* ]]
}
