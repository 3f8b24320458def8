// SPDX-License-Identifier: GPL-2.0-or-later
/* What this machine runs, against its policy (see state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats/state.h"
#include "lib/fileio.h"
#include "nft/applied.h"
#include "nft/netlink.h"
#include "render/render.h"

/* The saved outputs of a 10,000-app policy stay far below this. */
#define SAVED_MAX (256u << 20)

/* NAME_F, as render names the learned sets; NULL without memory. */
static const char *st_name(const char *name, int f)
{
	char *s;

	return asprintf(&s, "%s_%d", name, f) < 0 ? NULL : s;
}

/* Element counts of the policy's learned sets (NAME_4 and NAME_6 of each domain list). */
static void learned_set_sizes(const struct policy *p, struct host_state *st)
{
	const char **names = calloc(2 * p->n_dsets + 1, sizeof(*names));
	long *counts = calloc(2 * p->n_dsets + 1, sizeof(*counts));
	size_t i, n = 0;

	st->sets = json_object();
	st->set_size_max = SET_SIZE;
	if (!names || !counts)
		goto out;
	for (i = 0; i < p->n_dsets; i++) {
		if (p->dsets[i].families & FAM4)
			names[n++] = st_name(p->dsets[i].name, 4);
		if (p->dsets[i].families & FAM6)
			names[n++] = st_name(p->dsets[i].name, 6);
	}
	if (nft_set_counts(p->cfg.table, names, n, counts) == 0)
		for (i = 0; i < n; i++)
			if (names[i] && counts[i] >= 0)
				json_object_set_new(st->sets, names[i], json_integer(counts[i]));
out:
	for (i = 0; names && i < n; i++)
		free((char *)names[i]);
	free(names);
	free(counts);
}

static int count_marker_pins(void)
{
	DIR *d = opendir("/sys/fs/bpf/galaf");
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* net.ipv4.ping_group_range of this network namespace, against config.ping_gids. */
static void read_ping_range(const struct policy *p, struct host_state *st)
{
	size_t len;
	char *text = file_read(PING_RANGE_FILE, 64, &len), *end;

	if (!text)
		return;
	st->ping_lo = (unsigned)strtoul(text, &end, 10);
	st->ping_hi = (unsigned)strtoul(end, NULL, 10);
	st->ping_in_sync = st->ping_lo == p->cfg.ping_min && st->ping_hi == p->cfg.ping_max;
	free(text);
}

/* Modification time of STATE_DIR/NAME in seconds since the epoch; 0 when absent. */
static double state_mtime(const char *state_dir, const char *name)
{
	struct stat sb;
	char *path;
	double t = 0;

	if (asprintf(&path, "%s/%s", state_dir, name) < 0)
		return 0;
	if (stat(path, &sb) == 0)
		t = (double)sb.st_mtim.tv_sec + (double)sb.st_mtim.tv_nsec / 1e9;
	free(path);
	return t;
}

void host_state_probe(const struct policy *p, struct host_state *st)
{
	memset(st, 0, sizeof(*st));
	st->loaded = applied_hash(p->cfg.table, st->loaded_hash) == 0;
	if (st->loaded)
		learned_set_sizes(p, st);
	else
		st->sets = json_object();
	st->marker_pins = count_marker_pins();
	dns_names_probe(p, &st->dns);
	st->ping_used = policy_uses_ping(p);
	if (st->ping_used)
		read_ping_range(p, st);
	st->last_apply = state_mtime(p->cfg.state_dir, STATE_GOOD "/hash");
	st->last_failure = state_mtime(p->cfg.state_dir, APPLY_FAILED_FILE);
}

static void sum_up(struct host_state *st)
{
	st->ruleset_in_sync =
		st->loaded && st->policy_ok && !strcmp(st->loaded_hash, st->policy_hash);
	st->in_sync = st->ruleset_in_sync && st->dns_in_sync && st->gate_in_sync &&
		      (!st->ping_used || st->ping_in_sync);
}

void host_state_compare(const struct policy *p, const struct compiled *c, struct host_state *st)
{
	st->policy_ok = true;
	memcpy(st->policy_hash, c->hash, sizeof(c->hash));
	st->dns_in_sync = file_equals(p->cfg.dns_conf, c->dnsmasq.buf, c->dnsmasq.len);
	st->gate_in_sync = file_equals(p->cfg.gate_index, c->gate.buf, c->gate.len);
	sum_up(st);
}

static char *good_path(const struct policy *p, const char *name)
{
	char *path;

	return asprintf(&path, "%s/" STATE_GOOD "/%s", p->cfg.state_dir, name) < 0 ? NULL : path;
}

/* STATE_DIR/good/NAME, whole; NULL with errno set. */
static char *read_good(const struct policy *p, const char *name, size_t *len)
{
	char *path = good_path(p, name), *data;
	int err;

	if (!path)
		return NULL;
	data = file_read(path, SAVED_MAX, len);
	err = errno;
	free(path);
	errno = err;
	return data;
}

/* Whether FILE holds what the last apply saved as STATE_DIR/good/NAME. */
static bool equals_good(const struct policy *p, const char *file, const char *name)
{
	char *path = good_path(p, name);
	bool eq = path && files_equal(file, path);

	free(path);
	return eq;
}

int host_state_compare_applied(const struct policy *p, struct host_state *st)
{
	size_t hlen;
	char *applied = good_path(p, "policy.json"), *hash;
	int ret = 0;

	if (!p->src || !applied) {
		free(applied);
		return p->src ? -ENOMEM : -EINVAL;
	}
	hash = read_good(p, "hash", &hlen);
	if (!hash || hlen != 16)
		ret = -ENOENT;
	else if (!file_equals(applied, p->src, p->src_len))
		ret = -ESTALE;
	free(applied);
	if (ret) {
		free(hash);
		return ret;
	}
	st->policy_ok = true;
	memcpy(st->policy_hash, hash, 16);
	st->policy_hash[16] = '\0';
	free(hash);
	st->dns_in_sync = equals_good(p, p->cfg.dns_conf, "dnsmasq.conf");
	st->gate_in_sync = equals_good(p, p->cfg.gate_index, "gate.index");
	sum_up(st);
	return 0;
}

void host_state_free(struct host_state *st)
{
	json_decref(st->sets);
	st->sets = NULL;
}

int apply_outcome_record(const char *state_dir, bool ok)
{
	char *path;
	int fd, ret = 0;

	if (asprintf(&path, "%s/" APPLY_FAILED_FILE, state_dir) < 0)
		return -ENOMEM;
	if (ok) {
		if (unlink(path) < 0 && errno != ENOENT)
			ret = -errno;
	} else {
		/* Its time is what counts: set it on every failure. */
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || futimens(fd, NULL) < 0)
			ret = -errno;
		if (fd >= 0)
			close(fd);
	}
	free(path);
	return ret;
}
