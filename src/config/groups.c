// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-config groups: the policy's app groups on this machine; create missing ones. */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/check.h"
#include "cli/cli.h"
#include "config/cmds.h"
#include "policy/load.h"

#define GROUPADD "/usr/sbin/groupadd"

static const char groups_help[] =
	"Usage: galaf-config groups [--create] [POLICY]\n"
	"\n"
	"List the policy's app groups with their gids and whether this machine has\n"
	"them: ok, missing, other-gid (the machine's gid differs from \"gid\"), or\n"
	"out-of-range.\n"
	"  --create   create the missing ones (needs root): with the policy's \"gid\",\n"
	"             or a free gid inside config.gid_range. Groups outside the policy\n"
	"             are never touched, and nothing is ever deleted or changed.\n"
	"\n"
	"Exit status: 0 every group is present and usable, 1 otherwise, 2 usage.\n";

static int run_groupadd(const struct policy *p, const struct entry *e)
{
	char gid[16], kmin[32], kmax[32];
	char *argv[8];
	int n = 0, status;
	pid_t pid;

	argv[n++] = (char *)GROUPADD;
	if (e->has_id) {
		snprintf(gid, sizeof(gid), "%ld", e->id);
		argv[n++] = (char *)"-g";
		argv[n++] = gid;
	} else {
		snprintf(kmin, sizeof(kmin), "GID_MIN=%u", p->cfg.gid_min);
		snprintf(kmax, sizeof(kmax), "GID_MAX=%u", p->cfg.gid_max);
		argv[n++] = (char *)"-K";
		argv[n++] = kmin;
		argv[n++] = (char *)"-K";
		argv[n++] = kmax;
	}
	argv[n++] = e->name;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(GROUPADD, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static const char *group_state(const struct policy *p, const struct entry *e, long *ret_sys)
{
	struct group *g = getgrnam(e->name);

	*ret_sys = g ? (long)g->gr_gid : -1;
	if (!g)
		return "missing";
	if (e->has_id && e->id != (long)g->gr_gid)
		return "other-gid";
	if (g->gr_gid < p->cfg.gid_min || g->gr_gid > p->cfg.gid_max)
		return "out-of-range";
	return "ok";
}

static int groups_opt(int c, void *ctx)
{
	*(bool *)ctx = c == 'c';
	return c != 'c';
}

int cmd_groups(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
					      { "create", no_argument, NULL, 'c' },
					      { 0 } };
	struct diags d = { 0 };
	struct policy p;
	bool create = false;
	size_t k, bad = 0;
	int i = sub_getopt(argc, argv, groups_help, opts, groups_opt, &create);
	const char *file;

	if (i < 0)
		return i == -1 ? 0 : 2;
	if (argc - i > 1) {
		usage_error("groups: at most one POLICY");
		return 2;
	}
	file = argc - i == 1 ? argv[i] : DEFAULT_POLICY;
	if (policy_load(file, &p, &d) || policy_check(&p, &d, CHECK_NO_SYSTEM)) {
		diag_print(&d, file, stderr);
		diag_free(&d);
		policy_free(&p);
		return 1;
	}
	diag_free(&d);
	if (create && geteuid() != 0) {
		fprintf(stderr, "galaf-config: groups --create needs root\n");
		policy_free(&p);
		return 1;
	}
	for (k = 0; k < p.n_entries; k++) {
		struct entry *e = &p.entries[k];
		const char *state;
		long sys;

		if (e->kind != ENTRY_GROUP)
			continue;
		state = group_state(&p, e, &sys);
		if (create && !strcmp(state, "missing")) {
			int st = run_groupadd(&p, e);

			if (st)
				fprintf(stderr, "galaf-config: groupadd %s failed (%d)\n", e->name,
					st);
			state = group_state(&p, e, &sys);
			if (!strcmp(state, "ok"))
				state = "created";
		}
		bad += strcmp(state, "ok") && strcmp(state, "created");
		if (sys >= 0)
			printf("%-32s %6ld  %s\n", e->name, sys, state);
		else if (e->has_id)
			printf("%-32s %6ld  %s\n", e->name, e->id, state);
		else
			printf("%-32s %6s  %s\n", e->name, "-", state);
	}
	policy_free(&p);
	return bad ? 1 : 0;
}
