// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status --verify: is the loaded table what the policy renders, object by
 * object? The hash apply stores in the table says which policy was applied,
 * not that nobody changed the table since. Both tables are listed as JSON
 * (the policy's after a load into a private network namespace) and compared
 * without what a running system changes by itself: handles, counter values,
 * the "applied" set, and the elements of the sets it fills (learned, stats,
 * tried and refused, cgroup sets).
 */
#include "nft/verify.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/nft.h"
#include "render/render.h"

static bool flags_has(json_t *flags, const char *flag)
{
	json_t *f;
	size_t i;

	if (json_is_string(flags))
		return !strcmp(json_string_value(flags), flag);
	json_array_foreach(flags, i, f) if (json_is_string(f) &&
					    !strcmp(json_string_value(f), flag)) return true;
	return false;
}

/* Handles out, counter values zeroed, at every depth. */
static void scrub(json_t *j)
{
	json_t *v;
	size_t i;
	const char *k;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v) scrub(v);
		return;
	}
	if (!json_is_object(j))
		return;
	json_object_del(j, "handle");
	v = json_object_get(j, "counter");
	if (json_is_object(v) && json_object_get(v, "packets")) {
		json_object_set_new(v, "packets", json_integer(0));
		json_object_set_new(v, "bytes", json_integer(0));
	}
	json_object_foreach(j, k, v) scrub(v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The table in LISTING as sorted lines "KIND NAME[ #N] JSON", one per
 * object, rules numbered within their chain.
 */
static int canonical(const char *listing, const struct strv *learned, struct strv *out)
{
	json_t *root = json_loads(listing, 0, NULL), *arr, *it, *obj, *el;
	const char *kind, *name, *chain = "";
	char *text, *line;
	size_t i, rule = 0;
	int ret = 0;

	if (!root)
		return -EINVAL;
	arr = json_object_get(root, "nftables");
	json_array_foreach(arr, i, it)
	{
		kind = NULL; /* an empty object leaves it unset */
		json_object_foreach(it, kind, obj) break;
		if (!kind || !strcmp(kind, "metainfo") || !strcmp(kind, "table"))
			continue;
		name = json_string_value(json_object_get(obj, kind[0] == 'r' ? "chain" : "name"));
		if (!name || (!strcmp(kind, "set") && !strcmp(name, "applied")))
			continue;
		if (!strcmp(kind, "set") &&
		    (strv_contains(learned, name) ||
		     flags_has(json_object_get(obj, "flags"), "dynamic") ||
		     !strcmp(json_string_value(json_object_get(obj, "type")) ?: "", "cgroupsv2")))
			json_object_del(obj, "elem");
		if ((el = json_object_get(obj, "elem")) && json_is_array(el)) {
			/* Element order is the set backend's, not the policy's. */
			json_t *sorted = json_array();
			char **v = calloc(json_array_size(el) + 1, sizeof(*v));
			size_t j, n = json_array_size(el);

			for (j = 0; v && j < n; j++)
				v[j] = json_dumps(json_array_get(el, j),
						  JSON_SORT_KEYS | JSON_COMPACT);
			if (v)
				qsort(v, n, sizeof(*v), cmp_str);
			for (j = 0; v && j < n; j++) {
				json_array_append_new(sorted, json_string(v[j] ?: ""));
				free(v[j]);
			}
			free(v);
			json_object_set_new(obj, "elem", sorted);
		}
		scrub(obj);
		if (kind[0] == 'r')
			rule = strcmp(chain, name) ? 1 : rule + 1;
		else
			rule = 0;
		if (kind[0] == 'r')
			chain = name;
		text = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
		if (!text || (rule ? asprintf(&line, "rule %s #%zu %s", name, rule, text)
				   : asprintf(&line, "%s %s %s", kind, name, text)) < 0) {
			free(text);
			ret = -ENOMEM;
			break;
		}
		free(text);
		ret = strv_push(out, line);
		free(line);
		if (ret)
			break;
	}
	json_decref(root);
	if (!ret)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return ret;
}

/* What LINE is, for the report: "set NAME", "chain NAME" or "the rules of chain NAME". */
static int push_label(struct strv *out, const char *line)
{
	const char *name = strchr(line, ' ') + 1;
	int n = (int)strcspn(name, " ");
	char *label;
	int ret;

	if (!strncmp(line, "rule ", 5))
		ret = asprintf(&label, "the rules of chain %.*s", n, name);
	else
		ret = asprintf(&label, "%.*s %.*s", (int)(name - line - 1), line, n, name);
	if (ret < 0)
		return -ENOMEM;
	ret = strv_push(out, label);
	free(label);
	return ret;
}

/* Labels of the lines of A that B lacks, sorted and unique. */
static int only_in(const struct strv *a, const struct strv *b, struct strv *out)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < a->n; i++)
		if (!strv_sorted_has(b, a->v[i]))
			ret = push_label(out, a->v[i]);
	if (!ret)
		strv_sort_unique(out);
	return ret;
}

static int report(const struct strv *extra, const struct strv *lack, struct strv *diffs)
{
	size_t i;
	char *line;
	int ret = 0;

	for (i = 0; !ret && i < extra->n; i++) {
		if (asprintf(&line, "%s: %s", extra->v[i],
			     strv_sorted_has(lack, extra->v[i]) ? "differs" : "added by hand") < 0)
			return -ENOMEM;
		ret = strv_push(diffs, line);
		free(line);
	}
	for (i = 0; !ret && i < lack->n; i++) {
		if (strv_sorted_has(extra, lack->v[i]))
			continue;
		if (asprintf(&line, "%s: missing", lack->v[i]) < 0)
			return -ENOMEM;
		ret = strv_push(diffs, line);
		free(line);
	}
	if (!ret)
		strv_sort_unique(diffs);
	return ret;
}

int ruleset_verify(const struct policy *p, const char *nft, struct strv *diffs, struct diags *d)
{
	struct strv learned = { 0 }, want = { 0 }, have = { 0 }, extra = { 0 }, lack = { 0 };
	char *list = NULL, *live = NULL, *fresh = NULL;
	int ret;

	if (asprintf(&list, "list table inet %s", p->cfg.table) < 0)
		return -ENOMEM;
	ret = render_learned_sets(p, &learned);
	if (!ret)
		ret = nft_run(list, NFT_RUN_JSON, &live, d);
	if (!ret)
		ret = nft_list_private(nft, list, &fresh, d);
	if (!ret)
		ret = canonical(live, &learned, &have);
	if (!ret)
		ret = canonical(fresh, &learned, &want);
	if (!ret)
		ret = only_in(&have, &want, &extra);
	if (!ret)
		ret = only_in(&want, &have, &lack);
	if (!ret)
		ret = report(&extra, &lack, diffs);
	strv_free(&learned);
	strv_free(&want);
	strv_free(&have);
	strv_free(&extra);
	strv_free(&lack);
	free(list);
	free(live);
	free(fresh);
	return ret;
}
