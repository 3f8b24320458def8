// SPDX-License-Identifier: GPL-2.0-or-later
#include "config/apply.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/brief.h"
#include "config/cgroups.h"
#include "config/followup.h"
#include "nft/applied.h"
#include "nft/validate.h"
#include "render/delta.h"
#include "lib/diag.h"
#include "lib/fileio.h"
#include "lib/heap.h"
#include "nft/keepsets.h"
#include "nft/nft.h"
#include "render/render.h"

/* What the kernel has now: the table's chains, sets and maps. */
struct live {
	bool exists;
	json_t *root; /* the terse JSON listing; owned */
};

static int live_read(const char *table, struct live *l, struct diags *d)
{
	struct diags nd = { 0 };
	char *cmd, *out = NULL;
	json_error_t jerr;
	int ret;

	memset(l, 0, sizeof(*l));
	if (asprintf(&cmd, "list table inet %s", table) < 0)
		return -ENOMEM;
	ret = nft_run(cmd, NFT_RUN_JSON | NFT_RUN_TERSE, &out, &nd);
	free(cmd);
	if (ret) {
		const char *err = nft_error_text(&nd);

		/* No such table is the only failure that means "nothing loaded". */
		ret = strstr(err, "No such file or directory") ? 0 : -EIO;
		if (ret)
			diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
				 "cannot list table inet %s: %.*s", table, diag_len(err), err);
	} else {
		l->root = json_loads(out ? out : "", 0, &jerr);
		l->exists = l->root != NULL;
		ret = l->root ? 0 : -EIO;
	}
	free(out);
	diag_free(&nd);
	return ret;
}

/* Calls FN for every chain ("chain"), set ("set") and map ("map") listed. */
static void live_each(const struct live *l, const char *kind, void (*fn)(json_t *obj, void *ctx),
		      void *ctx)
{
	json_t *arr = json_object_get(l->root, "nftables"), *it;
	size_t i;

	json_array_foreach(arr, i, it)
	{
		json_t *o = json_object_get(it, kind);

		if (o)
			fn(o, ctx);
	}
}

/*
 * True when the listed table is galaf's: it has the "applied" set an apply
 * leaves, or (loaded by hand from render --nft) galaf's refuse_out chain and
 * stats_out_pre set. Any other table of that name is someone else's.
 */
static bool live_is_galaf(const struct live *l)
{
	json_t *arr = json_object_get(l->root, "nftables"), *it;
	bool refuse_out = false, stats = false;
	size_t i;

	json_array_foreach(arr, i, it)
	{
		json_t *set = json_object_get(it, "set");
		const char *name = json_string_value(
			json_object_get(set ? set : json_object_get(it, "chain"), "name"));
		const char *comment = json_string_value(json_object_get(set, "comment"));

		if (!name)
			continue;
		if (set && !strcmp(name, "applied") && comment && !strncmp(comment, "galaf ", 6))
			return true;
		if (set && !strcmp(name, "stats_out_pre"))
			stats = true;
		if (!set && !strcmp(name, "refuse_out"))
			refuse_out = true;
	}
	return refuse_out && stats;
}

/* The chains the new ruleset declares, read back from its text. */
static int rendered_chains(const char *nft, struct strv *out)
{
	const char *s = nft;

	while ((s = strstr(s, "\n\tchain "))) {
		const char *name = s + strlen("\n\tchain ");
		size_t n = strcspn(name, " {\n");
		char *dup = strndup(name, n);

		if (!dup || strv_push(out, dup)) {
			free(dup);
			return -ENOMEM;
		}
		free(dup);
		s = name + n;
	}
	strv_sort_unique(out);
	return 0;
}

struct plan {
	const struct policy *p;
	const char *nft;	    /* the new ruleset */
	bool no_keep;		    /* re-create every static set (see keepsets.h) */
	struct strv chains;	    /* chains the new ruleset declares */
	struct strv learned;	    /* learned sets the new ruleset declares */
	struct strbuf pre;	    /* commands before the ruleset */
	struct strbuf post;	    /* commands after it */
	const struct strv *revoked; /* learned sets to empty, sorted */
	size_t kept, dropped, recreated, emptied;
	size_t kept_static, elems_deleted; /* concatenated interval sets kept */
	int oom;
};

static void plan_flush_chain(json_t *o, void *ctx)
{
	struct plan *pl = ctx;

	sb_printf(&pl->pre, "flush chain inet %s %s\n", pl->p->cfg.table,
		  json_string_value(json_object_get(o, "name")));
}

static void plan_delete_chain(json_t *o, void *ctx)
{
	struct plan *pl = ctx;
	const char *name = json_string_value(json_object_get(o, "name"));

	if (name && !strv_sorted_has(&pl->chains, name))
		sb_printf(&pl->pre, "delete chain inet %s %s\n", pl->p->cfg.table, name);
}

/* A learned address set whose timeout changed is remade with its addresses. */
static bool learned_set_fits(const struct plan *pl, json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	json_int_t timeout = json_integer_value(json_object_get(o, "timeout"));

	if (!type || (strcmp(type, "ipv4_addr") && strcmp(type, "ipv6_addr")))
		return true;
	return timeout == pl->p->cfg.dns_timeout;
}

static void carry_elements(struct plan *pl, const char *name)
{
	char *cmd, *out = NULL;
	json_t *root, *arr, *it, *el;
	size_t i, j, n = 0;

	if (asprintf(&cmd, "list set inet %s %s", pl->p->cfg.table, name) < 0) {
		pl->oom = 1;
		return;
	}
	if (nft_run(cmd, NFT_RUN_JSON, &out, NULL) == 0 && (root = json_loads(out, 0, NULL))) {
		arr = json_object_get(root, "nftables");
		json_array_foreach(arr, i, it)
		{
			json_t *elems = json_object_get(json_object_get(it, "set"), "elem");

			json_array_foreach(elems, j, el)
			{
				json_t *v = json_is_string(el)
						    ? el
						    : json_object_get(json_object_get(el, "elem"),
								      "val");

				if (!json_is_string(v))
					continue;
				if (n++)
					sb_printf(&pl->post, ", %s", json_string_value(v));
				else
					sb_printf(&pl->post, "add element inet %s %s { %s",
						  pl->p->cfg.table, name, json_string_value(v));
			}
		}
		json_decref(root);
	}
	if (n)
		sb_add(&pl->post, " }\n");
	free(out);
	free(cmd);
}

static void plan_sets(json_t *o, void *ctx, const char *kind)
{
	struct plan *pl = ctx;
	const char *name = json_string_value(json_object_get(o, "name"));

	if (!name)
		return;
	if (!strcmp(kind, "set") && strv_sorted_has(&pl->learned, name)) {
		bool revoked = strv_sorted_has(pl->revoked, name);

		pl->emptied += revoked;
		if (learned_set_fits(pl, o)) {
			if (revoked)
				sb_printf(&pl->post, "flush set inet %s %s\n", pl->p->cfg.table,
					  name);
			pl->kept++;
			return;
		}
		if (!revoked)
			carry_elements(pl, name);
		pl->recreated++;
	} else if (!strcmp(kind, "set") && strlen(name) > 2 &&
		   (!strcmp(name + strlen(name) - 2, "_4") || !strcmp(name + strlen(name) - 2, "_6"))) {
		pl->dropped++; /* the learned set of an entry that left the policy */
	} else if (!pl->no_keep && keepsets_is_pipapo(o)) {
		int k = keepsets_plan(pl->p->cfg.table, kind, o, pl->nft, &pl->pre,
				      &pl->elems_deleted);

		/* A set that cannot be listed now is re-created, as before keepsets. */
		if (k == -ENOMEM)
			pl->oom = 1;
		if (k > 0) {
			pl->kept_static++;
			return;
		}
	}
	sb_printf(&pl->pre, "delete %s inet %s %s\n", kind, pl->p->cfg.table, name);
}

static void plan_set(json_t *o, void *ctx)
{
	plan_sets(o, ctx, "set");
}

static void plan_map(json_t *o, void *ctx)
{
	plan_sets(o, ctx, "map");
}

/*
 * When config.table changed since the last apply, the old table goes in the
 * same transaction: two galaf tables would filter twice.
 */
static void drop_renamed_table(struct plan *pl)
{
	char *path, *old, *cmd, name[64];
	size_t len = 0;

	if (asprintf(&path, "%s/" STATE_GOOD "/ruleset.nft", pl->p->cfg.state_dir) < 0)
		return;
	old = file_read(path, 64u << 20, &len);
	free(path);
	if (old &&
	    sscanf(strstr(old, "\ntable inet ") ? strstr(old, "\ntable inet ") : "",
		   "\ntable inet %63s", name) == 1 &&
	    strcmp(name, pl->p->cfg.table) && asprintf(&cmd, "list table inet %s", name) >= 0) {
		if (nft_run(cmd, NFT_RUN_TERSE, NULL, NULL) == 0)
			sb_printf(&pl->post, "delete table inet %s\n", name);
		free(cmd);
	}
	free(old);
}

/*
 * The transaction: flush every chain (so nothing references what goes),
 * delete static sets and maps and the chains and learned sets the new
 * ruleset no longer declares, then the ruleset itself, which re-adds
 * everything else; learned sets that stay are declared again unchanged and
 * keep their elements.
 */
static int plan_build(struct plan *pl, const struct live *l, const struct compiled *c)
{
	int ret = rendered_chains(c->nft.buf, &pl->chains);

	if (!ret)
		ret = render_learned_sets(pl->p, &pl->learned);
	if (ret)
		return ret;
	if (l->exists) {
		live_each(l, "chain", plan_flush_chain, pl);
		live_each(l, "set", plan_set, pl);
		live_each(l, "map", plan_map, pl);
		live_each(l, "chain", plan_delete_chain, pl);
	}
	sb_printf(&pl->post, "add set inet %s applied { type mark; comment \"galaf %s\"; }\n",
		  pl->p->cfg.table, c->hash);
	drop_renamed_table(pl);
	return pl->oom || pl->pre.oom || pl->post.oom ? -ENOMEM : 0;
}

static void plan_free(struct plan *pl)
{
	strv_free(&pl->chains);
	strv_free(&pl->learned);
	sb_free(&pl->pre);
	sb_free(&pl->post);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * A transaction went through: the script and the summary come after what
 * was reported so far; APPLY_PRINT keeps SCRIPT (and empties it) for them.
 */
static void note_result(struct apply_report *r, struct strbuf *script, unsigned flags)
{
	r->has_result = true;
	r->result_at = r->d.n;
	if (flags & APPLY_PRINT) {
		sb_free(&r->script);
		r->script = *script;
		memset(script, 0, sizeof(*script));
	}
}

/*
 * Runs the transaction (dry or real, APPLY_* flags); reports nft's errors
 * at their entries.
 */
static int run_transaction(const struct policy *p, const struct plan *pl, const struct compiled *c,
			   unsigned aflags, struct apply_report *r)
{
	struct strbuf script = STRBUF_INIT;
	struct diags nd = { 0 };
	const char *err;
	int ret;

	sb_addn(&script, pl->pre.buf ? pl->pre.buf : "", pl->pre.len);
	sb_addn(&script, c->nft.buf, c->nft.len);
	sb_addn(&script, pl->post.buf ? pl->post.buf : "", pl->post.len);
	if (script.oom) {
		sb_free(&script);
		return -ENOMEM;
	}
	ret = nft_run(script.buf, aflags & APPLY_DRY_RUN ? NFT_RUN_DRY : 0, NULL, &nd);
	if (!ret)
		note_result(r, &script, aflags);
	err = diag_first(&nd);
	if (ret && err &&
	    !report_nft_errors(p, err, count_lines(sb_str((struct strbuf *)&pl->pre)), &r->d))
		diag_add(&r->d, DIAG_ERROR, NULL, "nft: %.*s", diag_len(err), err);
	diag_free(&nd);
	sb_free(&script);
	return ret;
}

/* state_dir/good holds what was applied last; state_dir/previous the one before. */
static int save_state(const struct policy *p, const struct compiled *c, bool rotate)
{
	const char *dir = p->cfg.state_dir;
	char *tmp = NULL, *good = NULL, *prev = NULL;
	struct strbuf brief = STRBUF_INIT;
	int ret = -ENOMEM;

	/* The bytes that were loaded, not the file now: it may have been edited since. */
	if (!p->src)
		return -EINVAL;
	if (asprintf(&tmp, "%s/good.new", dir) < 0 || asprintf(&good, "%s/" STATE_GOOD, dir) < 0 ||
	    asprintf(&prev, "%s/" STATE_PREVIOUS, dir) < 0)
		goto out;
	ret = remove_tree(tmp);
	if (!ret)
		ret = mkdir_p(tmp, 0700);
	/* Only for a directory that is there to take it: hashing 10,000 apps is real work. */
	bool has_brief = !ret && brief_render(p, &brief) == 0;
	/* The brief last: without it the others are written and galaf-stats loads the policy. */
	const struct file_data files[] = {
		{ "policy.json", p->src, p->src_len },
		{ "ruleset.nft", c->nft.buf, c->nft.len },
		{ "dnsmasq.conf", c->dnsmasq.buf, c->dnsmasq.len },
		{ "gate.index", c->gate.buf, c->gate.len },
		{ "hash", c->hash, strlen(c->hash) },
		{ BRIEF_FILE, brief.buf, brief.len },
	};
	size_t n_files = sizeof(files) / sizeof(files[0]) - !has_brief;

	if (!ret)
		ret = dir_write_files(tmp, files, n_files);
	if (!ret && rotate && access(good, F_OK) == 0) {
		ret = remove_tree(prev);
		if (!ret && rename(good, prev) < 0)
			ret = -errno;
	} else if (!ret) {
		ret = remove_tree(good);
	}
	if (!ret && rename(tmp, good) < 0) {
		ret = -errno;
		/* Never leave no last known good behind: put the old one back. */
		if (rotate && access(good, F_OK) != 0)
			(void)rename(prev, good);
	}
	if (!ret)
		ret = dir_sync(dir);
out:
	sb_free(&brief);
	free(tmp);
	free(good);
	free(prev);
	return ret;
}

static void reload_failure(const struct config *c, int st, struct diags *d)
{
	const struct strv *cmd = &c->dns_reload;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	sb_add(&sb,
	       "the ruleset, dnsmasq file and gate index are applied, but the dnsmasq reload command ");
	for (i = 0; i < cmd->n; i++)
		sb_printf(&sb, "%s%s", i ? " " : "'", cmd->v[i]);
	if (st == -ETIMEDOUT)
		sb_printf(&sb,
			  "' did not finish within %ld s (config.dns.reload_timeout) and was killed",
			  c->dns_reload_timeout);
	else if (st < 0)
		sb_printf(&sb, "' could not run (%s)", strerror(-st));
	else
		sb_printf(&sb, "' failed (exit %d)", st);
	sb_add(&sb, "; dnsmasq may still use the old domain lists: fix it and run that command");
	diag_say(d, DIAG_ERROR, 0, "%s", sb.oom ? "the dnsmasq reload command failed" : sb_str(&sb));
	sb_free(&sb);
}

/* Writes the files (staged before the commit, renamed after it). */
static int stage_files(const struct policy *p, const struct compiled *c, struct staged *sd,
		       struct staged *sg, struct diags *d)
{
	int ret = staged_write(sd, p->cfg.dns_conf, c->dnsmasq.buf, c->dnsmasq.len, 0644);
	const char *what = p->cfg.dns_conf;

	if (!ret) {
		ret = staged_write(sg, p->cfg.gate_index, c->gate.buf, c->gate.len, 0644);
		what = p->cfg.gate_index;
	}
	if (ret)
		diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "cannot write %s: %s; nothing was changed", what, strerror(-ret));
	return ret;
}

static int commit_files(const struct policy *p, struct staged *sd, struct staged *sg, struct diags *d)
{
	int ret = staged_commit(sd);

	if (!ret)
		ret = staged_commit(sg);
	if (ret)
		diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "the ruleset is applied, but putting %s in place failed: %s; run apply again",
			 sd->tmp ? p->cfg.dns_conf : p->cfg.gate_index, strerror(-ret));
	return ret;
}

/*
 * After the commit: reload dnsmasq if its file changed, set the ping range,
 * save the state. What fails goes to R's failed steps; the ruleset stays
 * applied.
 */
static enum apply_outcome after_commit(const struct policy *p, const char *file,
				       const struct compiled *c, bool dns_changed, bool rotate,
				       struct apply_report *r)
{
	enum apply_outcome how = APPLY_OK;
	int st, ret;

	if (dns_changed && p->cfg.has_reload && p->cfg.dns_reload.n) {
		st = followup_run(&p->cfg.dns_reload, p->cfg.dns_reload_timeout);
		if (st) {
			reload_failure(&p->cfg, st, &r->d);
			sb_add(&r->failed, st == -ETIMEDOUT ? "the dnsmasq reload command timed out\n"
							    : "the dnsmasq reload command failed\n");
			how = APPLY_PARTIAL;
		}
	} else if (dns_changed && !p->cfg.has_reload) {
		diag_say(&r->d, DIAG_WARNING, 0,
			 "config.dns.reload is null: a running dnsmasq keeps the old domain lists (and keeps adding addresses of removed domains) until it is restarted");
	}
	if (followup_ping_range(p, &r->d)) {
		sb_add(&r->failed, "net.ipv4.ping_group_range was not set\n");
		how = APPLY_PARTIAL;
	}
	ret = save_state(p, c, rotate);
	if (!ret && followup_state_note(p, file))
		diag_say(&r->d, DIAG_WARNING, 0,
			 "cannot write %s.state_dir: a rollback will not find %s when this file does not parse",
			 file, p->cfg.state_dir);
	if (ret) {
		diag_say(&r->d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "applied, but saving the last known good policy under %s failed: %s",
			 p->cfg.state_dir, strerror(-ret));
		sb_add(&r->failed, "the last known good policy was not saved\n");
		how = APPLY_PARTIAL;
	}
	return how;
}

/* The new table keeps its cgroup sets; refresh them from the cgroups that exist now. */
static enum apply_outcome fill_cgroup_sets(const struct policy *p, enum apply_outcome how,
					   struct apply_report *r)
{
	int ret = cgroups_sync(p, false, &r->d);

	if (!ret || ret == -ENOENT || ret == -ENOTSUP)
		return how;
	diag_say(&r->d, DIAG_ERROR, 0,
		 "the ruleset is applied, but its cgroup sets could not be filled; run 'galaf-config cgroups --sync'");
	sb_add(&r->failed, "the cgroup sets were not filled\n");
	return APPLY_PARTIAL;
}

/*
 * The fast path of a re-apply: when the loaded table carries the hash of
 * the last known good state, the kernel holds that state's ruleset (plus
 * what it learned), and only the difference to the new one is sent. Returns
 * 0 with SCRIPT ready, or non-zero when the table must be rebuilt.
 */
static int delta_plan(const struct policy *p, const struct compiled *c, const struct strv *revoked,
		      struct strbuf *script, struct delta_stats *st)
{
	char live[17], *path = NULL, *old = NULL, *hash = NULL;
	size_t len = 0, hlen = 0;
	int ret = 1;

	if (applied_hash(p->cfg.table, live))
		return 1;
	if (asprintf(&path, "%s/" STATE_GOOD "/hash", p->cfg.state_dir) < 0)
		return -ENOMEM;
	hash = file_read(path, 64, &hlen);
	free(path);
	if (!hash || hlen != 16 || memcmp(hash, live, 16))
		goto out;
	if (asprintf(&path, "%s/" STATE_GOOD "/ruleset.nft", p->cfg.state_dir) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	old = file_read(path, 1u << 30, &len);
	free(path);
	if (!old || strlen(old) != len)
		goto out;
	ret = delta_build(p->cfg.table, old, c->nft.buf, script, st);
	for (size_t i = 0; !ret && i < revoked->n; i++)
		sb_printf(script, "flush set inet %s %s\n", p->cfg.table, revoked->v[i]);
	st->learned_emptied = revoked->n;
	if (!ret)
		sb_printf(script,
			  "delete set inet %s applied\n"
			  "add set inet %s applied { type mark; comment \"galaf %s\"; }\n",
			  p->cfg.table, p->cfg.table, c->hash);
	if (!ret && script->oom)
		ret = -ENOMEM;
out:
	free(hash);
	free(old);
	return ret;
}

/*
 * The learned sets the new ruleset keeps that a domain no longer in the
 * policy fed, per the dnsmasq file in place (docs/dns.md, "Removing a
 * domain"). Errors are reported; returns 0 or non-zero.
 */
static int find_revoked(const struct policy *p, const struct compiled *c, struct strv *out,
			struct diags *d)
{
	struct strv all = { 0 }, learned = { 0 };
	size_t len = 0, i;
	char *old;
	int ret;

	old = file_read(p->cfg.dns_conf, 1u << 30, &len);
	if (!old && errno == ENOENT)
		return 0;
	if (!old) {
		diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
			 "cannot read %s: %s; nothing was changed", p->cfg.dns_conf, strerror(errno));
		return -1;
	}
	ret = revoked_sets(p->cfg.table, old, c->dnsmasq.buf, &all);
	if (!ret)
		ret = render_learned_sets(p, &learned);
	for (i = 0; !ret && i < all.n; i++)
		if (strv_sorted_has(&learned, all.v[i]) && strv_push(out, all.v[i]))
			ret = -ENOMEM;
	if (ret)
		diag_say(d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE, "out of memory");
	free(old);
	strv_free(&all);
	strv_free(&learned);
	return ret;
}

/* Tries the delta; returns 0 when it was applied (or would be, dry). */
static int try_delta(const struct policy *p, const struct compiled *c, const struct strv *revoked,
		     unsigned flags, struct delta_stats *st, struct apply_report *r)
{
	struct strbuf script = STRBUF_INIT;
	int ret = delta_plan(p, c, revoked, &script, st);

	/* A refused delta is not an error yet: the full rebuild decides. */
	if (!ret)
		ret = nft_run(script.buf, flags & APPLY_DRY_RUN ? NFT_RUN_DRY : 0, NULL, NULL);
	if (!ret)
		note_result(r, &script, flags);
	sb_free(&script);
	return ret;
}

/* The one line apply prints: what the delta D changed, or what the rebuild PL kept. */
static void summarize(struct strbuf *sb, const struct policy *p, const struct delta_stats *d,
		      const struct plan *pl, bool dns_changed, bool dry)
{
	if (d)
		sb_printf(sb,
			  "%s table inet %s: %zu entries; only the changes: %zu chains changed, %zu added, %zu removed; %zu sets added, %zu removed; %zu elements added, %zu removed",
			  dry ? "dry run: the changes would load into" : "applied to", p->cfg.table,
			  p->n_entries, d->chains_changed, d->chains_added, d->chains_removed,
			  d->sets_added, d->sets_removed, d->elems_added, d->elems_removed);
	else if (dry)
		sb_printf(sb,
			  "dry run: the ruleset would load (table inet %s, %zu entries, %zu learned sets kept, %zu dropped)",
			  p->cfg.table, p->n_entries, pl->kept, pl->dropped);
	else
		sb_printf(sb,
			  "applied to table inet %s: %zu entries, %zu learned sets kept, %zu dropped",
			  p->cfg.table, p->n_entries, pl->kept, pl->dropped);
	if (d ? d->learned_emptied : pl->emptied)
		sb_printf(sb, "; %zu learned sets %semptied (a domain feeding them left the policy)",
			  d ? d->learned_emptied : pl->emptied, dry ? "would be " : "");
	if (dry)
		sb_printf(sb, "; dnsmasq file %s; nothing was changed",
			  dns_changed ? "would change" : "unchanged");
	else
		sb_add(sb, dns_changed ? ", dnsmasq file updated" : "");
}

/*
 * The rebuild. Should the transaction that keeps concatenated interval sets
 * be refused, the one that re-creates them decides (and reports): a refusal
 * must never come from how galaf compared elements. Returns 0, -ENOMEM
 * (the plan or the transaction could not be built), or else non-zero when
 * nft refused, with PL holding the plan that was tried last.
 */
static int rebuild(const struct policy *p, const struct live *l, const struct compiled *c,
		   const struct strv *revoked, unsigned flags, struct plan *pl,
		   struct apply_report *r)
{
	size_t reported = r->d.n;
	int ret;

	for (bool no_keep = false;; no_keep = true) {
		diag_truncate(&r->d, reported);
		plan_free(pl);
		memset(pl, 0, sizeof(*pl));
		pl->p = p;
		pl->nft = c->nft.buf;
		pl->revoked = revoked;
		pl->no_keep = no_keep;
		ret = plan_build(pl, l, c);
		if (ret)
			return ret;
		ret = run_transaction(p, pl, c, flags, r);
		if (!ret || no_keep || !pl->kept_static)
			return ret;
	}
}

/*
 * The ruleset is in force: the files renamed into place, the summary, and
 * the follow-up steps. Returns APPLY_OK or APPLY_PARTIAL.
 */
static enum apply_outcome after_transaction(const struct policy *p, const char *file,
					    const struct compiled *c, struct staged *sd,
					    struct staged *sg, bool dns_changed, unsigned flags,
					    struct apply_report *r, const struct delta_stats *ds,
					    const struct plan *pl)
{
	enum apply_outcome how;

	if (commit_files(p, sd, sg, &r->d)) {
		sb_add(&r->failed, "the dnsmasq file and gate index were not put in place\n");
		return APPLY_PARTIAL;
	}
	summarize(&r->summary, p, ds, pl, dns_changed, false);
	if (r->progress)
		r->progress(r, r->ctx);
	how = after_commit(p, file, c, dns_changed, flags & APPLY_ROTATE, r);
	return fill_cgroup_sets(p, how, r);
}

enum apply_outcome apply_compiled(const struct policy *p, const char *file,
				  const struct compiled *c, unsigned flags, struct apply_report *r)
{
	bool dry_run = flags & APPLY_DRY_RUN, delta = false, dns_changed;
	enum apply_outcome how = APPLY_FAILED;
	struct delta_stats ds = { 0 };
	struct staged sd = { 0 }, sg = { 0 };
	struct strv revoked = { 0 };
	struct plan pl = { 0 };
	struct live l = { 0 };
	int ret;

	dns_changed = !file_equals(p->cfg.dns_conf, c->dnsmasq.buf, c->dnsmasq.len);
	if (dns_changed && find_revoked(p, c, &revoked, &r->d))
		goto out;
	if (!dry_run && stage_files(p, c, &sd, &sg, &r->d))
		goto out;
	if (!(flags & APPLY_FULL))
		delta = try_delta(p, c, &revoked, flags, &ds, r) == 0;
	if (!delta) {
		heap_prefault_for(file, HEAP_FACTOR_FULL);
		if (live_read(p->cfg.table, &l, &r->d))
			goto out;
		how = APPLY_REFUSED;
		if (l.exists && !live_is_galaf(&l)) {
			diag_say(&r->d, DIAG_ERROR, DIAG_BARE,
				 "table inet %s exists and is not galaf's; nothing was changed: set another config.table, or delete that table first (nft delete table inet %s)",
				 p->cfg.table, p->cfg.table);
			goto out;
		}
		/*
		 * The real transaction is all or nothing by itself, and the files
		 * are only renamed into place after it commits: a dry run before
		 * it would add no safety and double the time.
		 */
		ret = rebuild(p, &l, c, &revoked, flags, &pl, r);
		if (ret == -ENOMEM) {
			diag_say(&r->d, DIAG_ERROR, DIAG_PROGRAM | DIAG_BARE,
				 "out of memory; nothing was changed");
			how = APPLY_FAILED;
			goto out;
		}
		if (ret) {
			diag_say(&r->d, DIAG_ERROR, DIAG_BARE, "refused by nft; nothing was changed");
			goto out;
		}
	}
	if (dry_run) {
		summarize(&r->summary, p, delta ? &ds : NULL, &pl, dns_changed, true);
		how = APPLY_OK;
	} else {
		how = after_transaction(p, file, c, &sd, &sg, dns_changed, flags, r,
					delta ? &ds : NULL, &pl);
	}
out:
	staged_drop(&sd);
	staged_drop(&sg);
	plan_free(&pl);
	strv_free(&revoked);
	json_decref(l.root);
	return how;
}

void apply_report_free(struct apply_report *r)
{
	diag_free(&r->d);
	sb_free(&r->script);
	sb_free(&r->summary);
	sb_free(&r->failed);
}
