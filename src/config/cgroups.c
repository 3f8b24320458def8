// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cgroup sets of entries with "cgroups", kept current (the command,
 * galaf-config cgroups, is cgroups_cmd.c). nft resolves a cgroup path to
 * its id when a command is parsed, so a cgroup that is removed and created
 * again (a service restarted, a container recreated) has a new id that
 * only a new "add element" puts in the set. Each sync rebuilds every such set from the policy in one
 * transaction: live cgroups in, gone ones out, no moment with an empty set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "config/cgroups.h"
#include "nft/nft.h"
#include "lib/cgroup2.h"
#include "lib/strbuf.h"

/* Where nft looks up cgroup paths (nftables' SYSFS_CGROUPSV2_PATH). */
#define NFT_CGROUP_ROOT	    "/sys/fs/cgroup"
#define CGROUP2_SUPER_MAGIC 0x63677270
#define SYNC_ATTEMPTS	    3

int cgroot_find(struct cgroot *r, struct diags *d)
{
	size_t n = strlen(NFT_CGROUP_ROOT);
	int ret = cgroup2_mount(r->mount, sizeof(r->mount));

	if (ret) {
		diag_say(d, DIAG_WARNING, DIAG_PROGRAM,
			 "no cgroup2 hierarchy is mounted here, so no entry can match by cgroup");
		return ret;
	}
	if (!strcmp(r->mount, NFT_CGROUP_ROOT)) {
		r->nft_prefix = "";
	} else if (!strncmp(r->mount, NFT_CGROUP_ROOT "/", n + 1) && !strchr(r->mount + n + 1, '/')) {
		r->nft_prefix = r->mount + n + 1;
	} else {
		diag_say(d, DIAG_WARNING, DIAG_PROGRAM,
			 "cgroup2 is mounted at %s, but nft looks cgroups up under " NFT_CGROUP_ROOT
			 "; no entry can match by cgroup",
			 r->mount);
		return -ENOTSUP;
	}
	return 0;
}

unsigned long long cgroup_id(const struct cgroot *r, const char *path)
{
	char full[8192];
	struct statfs sfs;
	struct stat st;

	if ((size_t)snprintf(full, sizeof(full), "%s/%s", r->mount, path) >= sizeof(full))
		return 0;
	if (stat(full, &st) || !S_ISDIR(st.st_mode) || statfs(full, &sfs) ||
	    sfs.f_type != CGROUP2_SUPER_MAGIC)
		return 0;
	return (unsigned long long)st.st_ino;
}

bool has_cgroup_set(const struct entry *e)
{
	return e->cg_levels && e->sys_id >= 0 && !e->null_entry;
}

static void nft_path(struct strbuf *sb, const struct cgroot *r, const char *path)
{
	sb_printf(sb, "\"%s%s%s\"", r->nft_prefix, *r->nft_prefix ? "/" : "", path);
}

/* The transaction: each set flushed, then the cgroups that exist added. */
static int sync_script(const struct policy *p, const struct cgroot *r, struct strbuf *sb,
		       size_t *ret_missing)
{
	size_t i, j, n;

	*ret_missing = 0;
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		if (!has_cgroup_set(e))
			continue;
		sb_printf(sb, "flush set inet %s cgroup_%s\n", p->cfg.table, e->name);
		for (j = 0, n = 0; j < e->cgroups.n; j++) {
			if (!cgroup_id(r, e->cgroups.v[j])) {
				(*ret_missing)++;
				continue;
			}
			if (!n++)
				sb_printf(sb, "add element inet %s cgroup_%s { ", p->cfg.table,
					  e->name);
			else
				sb_add(sb, ", ");
			nft_path(sb, r, e->cgroups.v[j]);
		}
		if (n)
			sb_add(sb, " }\n");
	}
	return sb->oom ? -ENOMEM : 0;
}

static void warn_missing(const struct policy *p, const struct cgroot *r, struct diags *d)
{
	size_t i, j;

	for (i = 0; i < p->n_entries; i++)
		for (j = 0; has_cgroup_set(&p->entries[i]) && j < p->entries[i].cgroups.n; j++)
			if (!cgroup_id(r, p->entries[i].cgroups.v[j]))
				diag_say(d, DIAG_WARNING, DIAG_PROGRAM,
					 "groups.%s: cgroup %s does not exist; the entry matches nothing there until it does and 'galaf-config cgroups --sync' runs",
					 p->entries[i].name, p->entries[i].cgroups.v[j]);
}

int cgroups_sync(const struct policy *p, bool quiet, struct diags *d)
{
	struct diags nd = { 0 };
	struct cgroot r;
	size_t i, missing = 0;
	const char *err = NULL;
	int ret = 0, attempt;
	bool any = false;

	for (i = 0; i < p->n_entries; i++)
		any |= has_cgroup_set(&p->entries[i]);
	if (!any)
		return 0;
	ret = cgroot_find(&r, d);
	if (ret)
		return ret;
	/* A cgroup removed between our stat and nft's parse fails the parse: look again. */
	for (attempt = 0; attempt < SYNC_ATTEMPTS; attempt++) {
		struct strbuf sb = STRBUF_INIT;

		diag_free(&nd);
		ret = sync_script(p, &r, &sb, &missing);
		if (!ret)
			ret = nft_run(sb.buf, 0, NULL, &nd);
		sb_free(&sb);
		err = diag_first(&nd);
		if (!ret || !err || !strstr(err, "cgroupv2 path fails"))
			break;
	}
	if (ret && ret != -ENOMEM)
		diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "cannot update the cgroup sets of table inet %s: %.*s", p->cfg.table,
			 diag_len(nft_error_text(&nd)), nft_error_text(&nd));
	else if (!ret && missing && !quiet)
		warn_missing(p, &r, d);
	diag_free(&nd);
	return ret;
}

bool cgroup_in_set(const struct policy *p, const struct cgroot *r, const struct entry *e,
		   const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	bool yes;

	sb_printf(&sb, "get element inet %s cgroup_%s { ", p->cfg.table, e->name);
	nft_path(&sb, r, path);
	sb_add(&sb, " }");
	yes = !sb.oom && nft_run(sb.buf, 0, NULL, NULL) == 0;
	sb_free(&sb);
	return yes;
}
