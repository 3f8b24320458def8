// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config: check, render and apply a galaf policy. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/apply.h"
#include "policy/check.h"
#include "cli/cli.h"
#include "lib/diag.h"
#include "lib/heap.h"
#include "policy/load.h"
#include "config/cmds.h"
#include "policy/policy.h"
#include "render/render.h"
#include "lib/strbuf.h"

static const char usage_text[] =
	"Usage: galaf-config COMMAND [OPTIONS] [POLICY]\n"
	"\n"
	"Compile a galaf policy (JSON) into one nftables table, a dnsmasq\n"
	"nftset file and the gatekeeper's index, and apply them atomically.\n"
	"\n"
	"Commands:\n"
	"  check POLICY                   validate; print every problem\n"
	"  render --nft|--dnsmasq|--gate POLICY\n"
	"                                 print one output, byte for byte what apply uses\n"
	"  apply [--dry-run] [--full] [--print] [POLICY]\n"
	"                                 one atomic transaction, dnsmasq file, gate index\n"
	"  rollback [--last-good] [POLICY]\n"
	"                                 re-apply the previous (or last good) policy\n"
	"  status [--json] [--verify] [POLICY]\n"
	"                                 what is loaded; whether it matches POLICY\n"
	"  groups [--create] [POLICY]     app groups and their gids; create missing ones\n"
	"  cgroups [--sync] [POLICY]      cgroups that entries match; refresh their ids\n"
	"  suggest [--log FILE] [--table NAME] [POLICY] APP\n"
	"                                 allow entries for what APP tried and was refused\n"
	"  pin [--write] APP [POLICY]     the SHA-256 of APP's command; pin it in POLICY\n"
	"  marker load|unload|status [--cgroup DIR]\n"
	"                                 the eBPF socket marker\n"
	"  desktop --install|--remove [POLICY]\n"
	"                                 menu entries, D-Bus services and commands\n"
	"                                 that start apps through the gatekeeper\n"
	"\n"
	"POLICY defaults to " DEFAULT_POLICY " where it is optional.\n"
	"Exit status: 0 success, 1 invalid or refused, 2 usage, 3 system error,\n"
	"4 (apply, rollback) applied, but a follow-up step failed.\n"
	"Run 'galaf-config COMMAND --help' for a command's options; see galaf-config(8)\n"
	"and galaf.json(5).\n";

static const char check_help[] =
	"Usage: galaf-config check POLICY\n"
	"\n"
	"Validate POLICY completely and print every problem on stderr, as\n"
	"POLICY:LINE:COL: for JSON syntax and POLICY: PATH: for values, e.g.\n"
	"  galaf.json: groups.mail.allow[0].ports[1]: error: \"70000\" is out of range\n"
	"Raw nft fragments (rule, rule6) and the whole ruleset are test-loaded by\n"
	"libnftables in a private network namespace: nothing on this machine changes.\n"
	"Groups and users missing on this machine are warnings here (errors in apply).\n"
	"\n"
	"Exit status: 0 valid, 1 invalid, 2 usage.\n";

static int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct policy p;
	int i = sub_getopt(argc, argv, check_help, opts, NULL, NULL), ret;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i != 1) {
		usage_error("check: expected one POLICY file");
		return 2;
	}
	heap_prefault_for(argv[i], HEAP_FACTOR_RENDER);
	ret = load_and_check(argv[i], CHECK_PINS, &p, false);
	if (!ret)
		ret = cli_validate(&p, argv[i]);
	policy_free(&p);
	if (ret)
		return 1;
	printf("%s: valid\n", argv[i]);
	return 0;
}

static const char render_help[] =
	"Usage: galaf-config render --nft|--dnsmasq|--gate POLICY\n"
	"\n"
	"Print one compiled output of POLICY on stdout, deterministic byte for byte:\n"
	"  --nft      the nftables script (loads with nft -f into an empty ruleset)\n"
	"  --dnsmasq  the dnsmasq file of nftset= lines\n"
	"  --gate     the gatekeeper's index\n"
	"Every group needs a gid: \"gid\" in the policy, or the group on this machine.\n"
	"\n"
	"Exit status: 0 rendered, 1 invalid policy, 2 usage.\n";

static int render_opt(int c, void *ctx)
{
	int *what = ctx;

	if (*what) {
		*what = -1;
		return 0;
	}
	*what = c;
	return 0;
}

static int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "nft", no_argument, NULL, 'n' },
					      { "dnsmasq", no_argument, NULL, 'd' },
					      { "gate", no_argument, NULL, 'g' },
					      { 0 } };
	struct strbuf out = STRBUF_INIT;
	struct diags d = { 0 };
	struct policy p;
	int what = 0, i, ret;

	i = sub_getopt(argc, argv, render_help, opts, render_opt, &what);
	if (i < 0)
		return i == -1 ? 0 : 2;
	if (what <= 0 || argc - i != 1) {
		usage_error("render: give exactly one of --nft, --dnsmasq, --gate, and one POLICY");
		return 2;
	}
	heap_prefault_for(argv[i], HEAP_FACTOR_RENDER);
	ret = load_and_check(argv[i], 0, &p, true);
	if (!ret)
		ret = require_ids(&p, argv[i]);
	/* Output that nft would refuse is no output: raw fragments need the kernel's word. */
	if (!ret && policy_has_fragments(&p))
		ret = cli_validate(&p, argv[i]);
	if (!ret) {
		if (what == 'n')
			ret = render_nft(&p, &out);
		else if (what == 'd')
			ret = render_dnsmasq(&p, &out, &d);
		else
			ret = render_gate(&p, &out);
	}
	diag_print(&d, argv[i], stderr);
	if (!ret && fwrite(out.buf, 1, out.len, stdout) != out.len)
		ret = -EIO;
	sb_free(&out);
	diag_free(&d);
	policy_free(&p);
	return ret ? 1 : 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },	      { "render", cmd_render },	  { "apply", cmd_apply },
	{ "rollback", cmd_rollback }, { "status", cmd_status },	  { "groups", cmd_groups },
	{ "marker", cmd_marker },     { "suggest", cmd_suggest }, { "cgroups", cmd_cgroups },
	{ "desktop", cmd_desktop },   { "pin", cmd_pin },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("galaf-config %s\n", GALAF_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		usage_error("unknown option '%s'; options follow the command", argv[1]);
	else
		usage_error("unknown command '%s'", argv[1]);
	return 2;
}
