// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks what only the kernel can judge (raw fragments, the ruleset as a
 * whole) by loading the rendered table into a private network namespace,
 * and traces nft's errors back to the policy entries they came from.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/validate.h"

#include "nft/nft.h"
#include "render/render.h"
#include "lib/strbuf.h"

/* Drops the trailing newline of nft's message; diag_print adds its own. */
static const char *chomp(char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

/* Entries this machine has no id for still need one to render: invent them. */
static long *assign_placeholder_ids(struct policy *p)
{
	long *saved = calloc(p->n_entries + 1, sizeof(*saved));
	long next_uid = 4000000000L, next_gid = p->cfg.gid_max;
	size_t i, j;

	if (!saved)
		return NULL;
	for (i = 0; i < p->n_entries; i++) {
		struct entry *e = &p->entries[i];

		saved[i] = e->sys_id;
		if (e->sys_id >= 0)
			continue;
		for (;;) {
			long cand = e->kind == ENTRY_GROUP ? next_gid-- : next_uid++;
			bool used = false;

			for (j = 0; j < p->n_entries && !used; j++)
				used = p->entries[j].kind == e->kind && p->entries[j].sys_id == cand;
			if (!used) {
				e->sys_id = cand;
				break;
			}
		}
	}
	return saved;
}

/* The entry whose raw fragment is on LINE, and which fragment. */
static const struct entry *fragment_at(const struct policy *p, int line, const char **key)
{
	size_t i;

	for (i = 0; line > 0 && i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];

		for (int k = 0; k < 4; k++) {
			if (e->rule_line[k] == line) {
				*key = k < 2 ? "rule" : "rule6";
				return e;
			}
		}
	}
	return NULL;
}

/* One error from libnftables, and the fragment it points at (if any). */
struct nft_error {
	int line;
	const char *msg;
	size_t len;
	const struct entry *e;
	const char *key;
};

/*
 * The fragment on LINE of SCRIPT when that line adds a fragment chain's rule
 * ("add rule inet T galaf_fragment_I_K ..."), as check_fragment_statements
 * writes them.
 */
static const struct entry *fragment_chain_at(const struct policy *p, const char *script, int line,
					     const char **key)
{
	const char *s = script, *eol, *f;
	char *end;
	size_t i;

	for (; s && line > 1; line--)
		if ((s = strchr(s, '\n')))
			s++;
	if (!s || line != 1 || strncmp(s, "add rule ", 9))
		return NULL;
	eol = strchrnul(s, '\n');
	f = memmem(s, (size_t)(eol - s), " galaf_fragment_", 16);
	if (!f)
		return NULL;
	i = strtoul(f + 16, &end, 10);
	if (i >= p->n_entries || *end != '_')
		return NULL;
	*key = end[1] == '1' ? "rule6" : "rule";
	return &p->entries[i];
}

/* Splits ERR into its "Error:" lines; returns how many (at most MAX). */
static size_t parse_nft_errors(const struct policy *p, const char *err, int line_offset,
			       const char *script, struct nft_error *v, size_t max)
{
	const char *s, *nl, *colon, *msg;
	size_t n = 0;

	for (s = err; s && *s && n < max; s = nl ? nl + 1 : NULL) {
		struct nft_error *x = &v[n];

		nl = strchr(s, '\n');
		colon = strchr(s, ':');
		msg = strstr(s, "Error: ");
		if (!msg || (nl && msg > nl) || !colon)
			continue;
		x->line = (int)strtol(colon + 1, NULL, 10) - line_offset;
		x->msg = msg + strlen("Error: ");
		x->len = nl ? (size_t)(nl - x->msg) : strlen(x->msg);
		x->key = NULL;
		x->e = script ? fragment_chain_at(p, script, x->line + line_offset, &x->key)
			      : fragment_at(p, x->line, &x->key);
		n++;
	}
	return n;
}

/*
 * Whether error I says nothing new: its fragment was already reported (a
 * fragment rendered once per family fails once per family, and one rule can
 * fail twice, e.g. EOPNOTSUPP then EBUSY), or it is no fragment's but a
 * fragment failed with the same text (the kernel blames every rule of a
 * chain that a synproxy or tproxy fragment makes invalid).
 */
static bool nft_error_repeats(const struct nft_error *v, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++) {
		if (j == i || !v[j].e)
			continue;
		if (v[i].e && j < i && v[j].e == v[i].e && !strcmp(v[j].key, v[i].key))
			return true;
		if (!v[i].e && v[j].len == v[i].len && !memcmp(v[j].msg, v[i].msg, v[i].len))
			return true;
	}
	return false;
}

static size_t report_errors(const struct policy *p, const char *err, int line_offset,
			    const char *script, struct diags *d)
{
	struct nft_error v[64];
	size_t i, n = parse_nft_errors(p, err, line_offset, script, v, 64), shown = 0;
	char path[NAME_MAX_LEN + 32];

	for (i = 0; i < n; i++) {
		const struct nft_error *x = &v[i];

		if (nft_error_repeats(v, n, i))
			continue;
		if (x->e) {
			snprintf(path, sizeof(path), "%s.%s.%s", entry_kind_name(x->e), x->e->name,
				 x->key);
			diag_add(d, DIAG_ERROR, path, "nft: %.*s%s", (int)x->len, x->msg,
				 memmem(x->msg, x->len, "after terminal statement", 24)
					 ? " (a fragment only matches: galaf adds the verdict itself)"
					 : "");
		} else {
			diag_add(d, DIAG_ERROR, NULL,
				 "the rendered ruleset does not load (line %d): %.*s", x->line,
				 (int)x->len, x->msg);
		}
		shown++;
	}
	return shown;
}

/*
 * libnftables reports "<cmdline>:LINE:COL-COL: Error: TEXT" followed by the
 * offending line and a caret line; report each error once, at its entry.
 */
size_t report_nft_errors(const struct policy *p, const char *err, int line_offset, struct diags *d)
{
	return report_errors(p, err, line_offset, NULL, d);
}

/*
 * Only raw fragments need the kernel's judgement: render the skeleton and
 * the entries that have fragments (with their domain sets), not thousands
 * of generated chains and sets whose loading golden tests already prove.
 */
static unsigned *narrow_to_fragments(struct policy *p)
{
	unsigned *fams = calloc(p->n_dsets + 1, sizeof(*fams));
	size_t i, j;

	if (!fams)
		return NULL;
	for (i = 0; i < p->n_dsets; i++) {
		fams[i] = p->dsets[i].families;
		p->dsets[i].families = 0;
	}
	for (i = 0; i < p->n_entries; i++) {
		struct entry *e = &p->entries[i];

		if (!e->rule && !e->rule6) {
			e->sys_id = -1;
			continue;
		}
		if (e->dset >= 0)
			p->dsets[e->dset].families = fams[e->dset];
		for (j = 0; j < e->n_allow; j++)
			if (e->allow[j].dset >= 0)
				p->dsets[e->allow[j].dset].families = fams[e->allow[j].dset];
	}
	return fams;
}

/*
 * What a raw fragment may hold besides matches: statements that change
 * nothing (count, log, rate-limit). Marks, verdicts, set updates, NAT and
 * the rest would let a fragment act on galaf's own state (a forged ct mark
 * passes for another app in the stats and the DNS name lists).
 */
static const char *const fragment_ok[] = { "match", "counter", "limit", "log", "quota", NULL };

static bool fragment_expr_ok(const char *kind)
{
	for (const char *const *k = fragment_ok; *k; k++)
		if (!strcmp(*k, kind))
			return true;
	return false;
}

/* Each fragment alone in a chain of its own: "galaf_fragment_I_K". */
static int fragment_chains(const struct policy *p, struct strbuf *script, struct strbuf *list)
{
	size_t i;

	for (i = 0; i < p->n_entries; i++) {
		const struct entry *e = &p->entries[i];
		const char *frag[2] = { e->rule, e->rule6 };

		for (int k = 0; k < 2; k++) {
			if (!frag[k] || !*frag[k])
				continue;
			sb_printf(script,
				  "add chain inet %s galaf_fragment_%zu_%d\n"
				  "add rule inet %s galaf_fragment_%zu_%d %s\n",
				  p->cfg.table, i, k, p->cfg.table, i, k, frag[k]);
		}
	}
	/*
	 * The whole table: nft 1.0.6 lists only the last of several "list chain"
	 * commands in one run (its cache keeps one chain filter).
	 */
	if (strstr(sb_str(script), " galaf_fragment_"))
		sb_printf(list, "list table inet %s\n", p->cfg.table);
	return script->oom || list->oom ? -ENOMEM : 0;
}

/* Reports each fragment whose rule, as the kernel holds it, does more than match. */
static int fragment_statements(const struct policy *p, const char *listing, struct diags *d)
{
	json_t *root = json_loads(listing, 0, NULL), *it, *rule, *exprs, *ex, *val;
	size_t i, j, bad = 0, idx;
	const char *chain, *kind;
	char *end;
	int k;

	if (!root)
		return -EINVAL;
	json_array_foreach(json_object_get(root, "nftables"), i, it)
	{
		rule = json_object_get(it, "rule");
		chain = json_string_value(json_object_get(rule, "chain"));
		if (!chain || strncmp(chain, "galaf_fragment_", 15) != 0)
			continue;
		idx = strtoul(chain + 15, &end, 10);
		k = *end == '_' && end[1] == '1';
		if (idx >= p->n_entries)
			continue;
		exprs = json_object_get(rule, "expr");
		json_array_foreach(exprs, j, ex)
		{
			kind = NULL;
			json_object_foreach(ex, kind, val) break;
			if (!kind || fragment_expr_ok(kind))
				continue;
			char path[NAME_MAX_LEN + 32];

			snprintf(path, sizeof(path), "%s.%s.%s", entry_kind_name(&p->entries[idx]),
				 p->entries[idx].name, k ? "rule6" : "rule");
			diag_add(d, DIAG_ERROR, path,
				 "a raw fragment may only match (and count, log or limit), but this one has a '%s' statement; galaf adds the verdict and the marks itself",
				 kind);
			bad++;
			break;
		}
	}
	json_decref(root);
	return bad ? -EINVAL : 0;
}

/* The fragments' statements, once the ruleset in SCRIPT is known to load. */
static int check_fragment_statements(const struct policy *p, struct strbuf *script, struct diags *d)
{
	struct strbuf list = STRBUF_INIT;
	struct diags nd = { 0 };
	char *out = NULL;
	int ret = fragment_chains(p, script, &list);
	const char *err;

	if (!ret && list.len)
		ret = nft_list_private(sb_str(script), sb_str(&list), &out, &nd);
	err = diag_first(&nd);
	if (!ret && out)
		ret = fragment_statements(p, out, d);
	else if (ret && ret != -ENOMEM && !(err && report_errors(p, err, 0, sb_str(script), d)))
		diag_add(d, DIAG_ERROR, NULL, "checking the raw fragments: %s",
			 err ? err : strerror(-ret));
	free(out);
	diag_free(&nd);
	sb_free(&list);
	return ret;
}

int validate_in_private_netns(struct policy *p, struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	long *saved = assign_placeholder_ids(p);
	unsigned *fams = saved ? narrow_to_fragments(p) : NULL;
	struct diags nd = { 0 };
	char *err = NULL;
	size_t i;
	int ret = -ENOMEM;

	if (fams)
		ret = render_nft(p, &sb);
	if (!ret)
		ret = nft_run_private(sb_str(&sb), &nd);
	if (nd.n)
		err = nd.v[0].msg; /* chomp() trims it in place */
	if (!ret) {
		ret = check_fragment_statements(p, &sb, d);
		if (ret == -EINVAL)
			ret = -EPROTO; /* reported */
	} else if (ret == -EINVAL && err) {
		if (!report_nft_errors(p, err, 0, d))
			diag_add(d, DIAG_ERROR, NULL, "nft: %s", chomp(err));
	} else if (ret == -EPERM) {
		diag_add(d, DIAG_ERROR, NULL, "%s",
			 err ? chomp(err) : "cannot validate in a private namespace");
	} else if (ret) {
		diag_add(d, DIAG_ERROR, NULL, "validating the ruleset: %s", strerror(-ret));
	}
	for (i = 0; saved && i < p->n_entries; i++)
		p->entries[i].sys_id = saved[i];
	for (i = 0; fams && i < p->n_dsets; i++)
		p->dsets[i].families = fams[i];
	free(saved);
	free(fams);
	diag_free(&nd);
	sb_free(&sb);
	return ret;
}
