// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config cgroups: which cgroups the policy's entries match, whether
 * the loaded table holds their current ids, and --sync (config/cgroups.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/cgroups.h"
#include "config/cmds.h"

static const char cgroups_help[] =
	"Usage: galaf-config cgroups [--sync] [POLICY]\n"
	"\n"
	"List the cgroups that POLICY's group entries match (\"cgroups\"): for each,\n"
	"whether it exists now, its id, and whether the loaded table holds that id:\n"
	"  in-set    matched now\n"
	"  stale     exists, but the table holds an older id (the cgroup was removed\n"
	"            and created again): run --sync\n"
	"  missing   does not exist; the entry matches nothing there until it does\n"
	"            and --sync runs\n"
	"  --sync    rebuild every entry's cgroup set from the cgroups that exist now\n"
	"            (one transaction; ids of removed cgroups leave). Missing cgroups\n"
	"            are warnings, so this is safe in a unit's ExecStartPre=+.\n"
	"apply runs --sync after it loads the table. Paths are below the cgroup2\n"
	"root, as /proc/PID/cgroup shows them (e.g. system.slice/nginx.service).\n"
	"\n"
	"Exit status: 0 every cgroup is in its set (--sync: the sets were rebuilt),\n"
	"1 otherwise, 2 usage.\n";

static int list_cgroups(const struct policy *p)
{
	struct diags d = { 0 };
	struct cgroot r;
	size_t i, j, bad = 0;
	bool have_root = cgroot_find(&r, &d) == 0;

	diag_print_span(&d, 0, d.n, NULL, CONFIG_PROG, stderr);
	diag_free(&d);
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		for (j = 0; has_cgroup_set(e) && j < e->cgroups.n; j++) {
			unsigned long long id = have_root ? cgroup_id(&r, e->cgroups.v[j]) : 0;
			const char *state = "missing";

			if (id)
				state = cgroup_in_set(p, &r, e, e->cgroups.v[j]) ? "in-set" : "stale";
			bad += strcmp(state, "in-set") != 0;
			if (id)
				printf("%-24s %-48s %-8s %llu\n", e->name, e->cgroups.v[j], state,
				       id);
			else
				printf("%-24s %-48s %-8s -\n", e->name, e->cgroups.v[j], state);
		}
	}
	return bad ? 1 : 0;
}

static int cgroups_opt(int c, void *ctx)
{
	*(bool *)ctx = c == 's';
	return c != 's';
}

int cmd_cgroups(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "sync", no_argument, NULL, 's' },
					      { 0 } };
	struct diags d = { 0 };
	struct policy p;
	bool sync = false;
	int i = sub_getopt(argc, argv, cgroups_help, opts, cgroups_opt, &sync), lock, code;
	const char *file;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("cgroups: at most one POLICY");
		return 2;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (geteuid() != 0) {
		fprintf(stderr, "galaf-config: cgroups needs root: it reads the firewall's sets\n");
		return 1;
	}
	if (load_and_check(file, 0, &p, true)) {
		policy_free(&p);
		return 1;
	}
	if (!sync) {
		code = list_cgroups(&p);
		policy_free(&p);
		return code;
	}
	lock = cli_lock(p.cfg.state_dir);
	if (lock < 0) {
		fprintf(stderr, "galaf-config: cannot lock %s: %s\n", p.cfg.state_dir,
			strerror(-lock));
		policy_free(&p);
		return 1;
	}
	code = cgroups_sync(&p, false, &d) ? 1 : 0;
	diag_print_span(&d, 0, d.n, file, CONFIG_PROG, stderr);
	diag_free(&d);
	close(lock);
	policy_free(&p);
	return code;
}
