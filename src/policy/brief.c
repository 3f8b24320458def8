// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The brief (see brief.h): one record a line, fields split by tabs.
 *
 *   galaf-brief 1
 *   policy SHA256
 *   table NAME / mark_mask N / dns_conf PATH / gate_index PATH / state_dir PATH
 *   dns_names 0|1 / dns_listen ADDR (one line each) / ping HAS_GIDS MIN MAX
 *   entry users|groups NAME ID SYS_ID NULL_ENTRY PING   (policy order)
 *   dset NAME FAMILIES                                  (policy order)
 *   end
 *
 * A brief without its "end" line was cut short and is not used.
 */
#include "policy/brief.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIEF_MAGIC "galaf-brief 1"

static bool plain(const char *s)
{
	return !s || !strpbrk(s, "\t\n\r");
}

static void put_str(struct strbuf *sb, const char *key, const char *v)
{
	if (v)
		sb_printf(sb, "%s\t%s\n", key, v);
}

static bool all_plain(const struct policy *p)
{
	const struct config *c = &p->cfg;
	size_t i;

	if (!plain(c->table) || !plain(c->dns_conf) || !plain(c->gate_index) || !plain(c->state_dir))
		return false;
	for (i = 0; i < c->dns_listen.n; i++)
		if (!plain(c->dns_listen.v[i]))
			return false;
	for (i = 0; i < p->n_entries; i++)
		if (!plain(p->entries[i].name))
			return false;
	for (i = 0; i < p->n_dsets; i++)
		if (!plain(p->dsets[i].name))
			return false;
	return true;
}

int brief_render(const struct policy *p, struct strbuf *sb)
{
	const struct config *c = &p->cfg;
	char sha[SHA256_HEX_LEN + 1];
	struct sha256 h;
	size_t i;

	if (!p->src || !all_plain(p))
		return -EINVAL;
	sha256_init(&h);
	sha256_update(&h, p->src, p->src_len);
	sha256_hex(&h, sha);
	sb_printf(sb, BRIEF_MAGIC "\npolicy\t%s\n", sha);
	put_str(sb, "table", c->table);
	sb_printf(sb, "mark_mask\t%u\n", c->mark_mask);
	put_str(sb, "dns_conf", c->dns_conf);
	put_str(sb, "gate_index", c->gate_index);
	put_str(sb, "state_dir", c->state_dir);
	sb_printf(sb, "dns_names\t%d\n", c->dns_names);
	for (i = 0; i < c->dns_listen.n; i++)
		put_str(sb, "dns_listen", c->dns_listen.v[i]);
	sb_printf(sb, "ping\t%d\t%u\t%u\n", c->has_ping_gids, c->ping_min, c->ping_max);
	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		sb_printf(sb, "entry\t%s\t%s\t%ld\t%ld\t%d\t%d\n", entry_kind_name(e), e->name,
			  e->has_id ? e->id : -1, e->sys_id, e->null_entry, e->ping);
	}
	for (i = 0; i < p->n_dsets; i++)
		sb_printf(sb, "dset\t%s\t%u\n", p->dsets[i].name, p->dsets[i].families);
	sb_add(sb, "end\n");
	return sb->oom ? -ENOMEM : 0;
}

/* Loading ------------------------------------------------------------------ */

#define MAX_FIELDS 7

/* Splits LINE (modified) at tabs; the number of fields. */
static size_t split(char *line, char **f)
{
	size_t n = 0;

	f[n++] = line;
	for (char *t = strchr(line, '\t'); t && n < MAX_FIELDS; t = strchr(t + 1, '\t')) {
		*t = '\0';
		f[n++] = t + 1;
	}
	return n;
}

static bool num(const char *s, long lo, long hi, long *ret)
{
	char *end;

	errno = 0;
	*ret = strtol(s, &end, 10);
	return !errno && end != s && !*end && *ret >= lo && *ret <= hi;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	/* The array doubles when N reaches a power of two; otherwise it has room. */
	if (n & (n - 1))
		return 0;
	nv = realloc(*v, (n ? n * 2 : 1) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

static int add_entry(struct policy *p, char **f)
{
	long id, sys_id, null_entry, ping;
	struct entry *e;

	if (strcmp(f[1], "users") && strcmp(f[1], "groups"))
		return -EINVAL;
	if (!num(f[3], -1, 0xffffffffL, &id) || !num(f[4], -1, 0xffffffffL, &sys_id) ||
	    !num(f[5], 0, 1, &null_entry) || !num(f[6], 0, 1, &ping))
		return -EINVAL;
	if (grow((void **)&p->entries, p->n_entries, sizeof(*p->entries)))
		return -ENOMEM;
	e = &p->entries[p->n_entries++];
	memset(e, 0, sizeof(*e));
	e->kind = f[1][0] == 'u' ? ENTRY_USER : ENTRY_GROUP;
	e->has_id = id >= 0;
	e->id = id;
	e->sys_id = sys_id;
	e->null_entry = null_entry;
	e->ping = ping;
	e->dset = -1;
	e->name = strdup(f[2]);
	return e->name ? 0 : -ENOMEM;
}

static int add_dset(struct policy *p, char **f)
{
	long fams;
	struct dset *d;

	if (!num(f[2], 0, FAM4 | FAM6, &fams))
		return -EINVAL;
	if (grow((void **)&p->dsets, p->n_dsets, sizeof(*p->dsets)))
		return -ENOMEM;
	d = &p->dsets[p->n_dsets++];
	memset(d, 0, sizeof(*d));
	d->families = (unsigned)fams;
	d->name = strdup(f[1]);
	return d->name ? 0 : -ENOMEM;
}

static int take_config(struct config *c, char **f, size_t n)
{
	long v, lo, hi;

	if (n == 2 && !strcmp(f[0], "table"))
		return set_str(&c->table, f[1]);
	if (n == 2 && !strcmp(f[0], "dns_conf"))
		return set_str(&c->dns_conf, f[1]);
	if (n == 2 && !strcmp(f[0], "gate_index"))
		return set_str(&c->gate_index, f[1]);
	if (n == 2 && !strcmp(f[0], "state_dir"))
		return set_str(&c->state_dir, f[1]);
	if (n == 2 && !strcmp(f[0], "dns_listen"))
		return strv_push(&c->dns_listen, f[1]);
	if (n == 2 && !strcmp(f[0], "mark_mask") && num(f[1], 0, 0xffffffffL, &v)) {
		c->mark_mask = (unsigned)v;
		return 0;
	}
	if (n == 2 && !strcmp(f[0], "dns_names") && num(f[1], 0, 1, &v)) {
		c->dns_names = v;
		return 0;
	}
	if (n == 4 && !strcmp(f[0], "ping") && num(f[1], 0, 1, &v) &&
	    num(f[2], 0, 0xffffffffL, &lo) && num(f[3], 0, 0xffffffffL, &hi)) {
		c->has_ping_gids = v;
		c->ping_min = (unsigned)lo;
		c->ping_max = (unsigned)hi;
		return 0;
	}
	return -EINVAL;
}

/* Line 2 onwards; the policy's hash must come first, and nothing after "end". */
static int take_line(struct policy *p, char *line, const char *sha, size_t lineno, bool *end)
{
	char *f[MAX_FIELDS];
	size_t n = split(line, f);

	if (lineno == 2)
		return n == 2 && !strcmp(f[0], "policy") ? (strcmp(f[1], sha) ? -ESTALE : 0)
							 : -EINVAL;
	if (*end)
		return -EINVAL;
	if (n == 1 && !strcmp(f[0], "end")) {
		*end = true;
		return 0;
	}
	if (n == 7 && !strcmp(f[0], "entry"))
		return add_entry(p, f);
	if (n == 3 && !strcmp(f[0], "dset"))
		return add_dset(p, f);
	return take_config(&p->cfg, f, n);
}

int brief_load(const char *text, const char sha[SHA256_HEX_LEN + 1], struct policy *p)
{
	char *copy = strdup(text), *line, *next;
	size_t lineno = 1;
	bool end = false;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	if (!copy)
		return -ENOMEM;
	line = copy;
	next = strchr(line, '\n');
	/* The policy's hash comes next: a stale brief is refused before the rest is read. */
	if (!next || (*next = '\0', strcmp(line, BRIEF_MAGIC)))
		ret = -EINVAL;
	for (line = next ? next + 1 : NULL; !ret && line && *line; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			ret = -EINVAL;
			break;
		}
		*next++ = '\0';
		ret = take_line(p, line, sha, ++lineno, &end);
	}
	if (!ret && (!end || lineno < 2 || !p->cfg.table || !p->cfg.state_dir))
		ret = -EINVAL;
	free(copy);
	if (ret)
		policy_free(p);
	return ret;
}
