// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Keeping concatenated interval sets across a rebuild (see keepsets.h).
 * Live elements come from nft's JSON listing, new ones from the rendered
 * text; both are brought to one canonical text (numbers in decimal,
 * protocols by number, addresses as inet_ntop writes them) to be compared.
 * A mismatch in spelling would only delete and re-add an element in the
 * same transaction, which costs time and refuses nothing.
 */
#include "nft/keepsets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft/nft.h"
#include "lib/strv.h"

static bool is_addr_type(const char *type)
{
	return type && (!strcmp(type, "ipv4_addr") || !strcmp(type, "ipv6_addr"));
}

/* One address, as inet_ntop writes it; LEN is set to the family's width. */
static int canon_addr(const char *s, size_t n, struct strbuf *out, int *len)
{
	char in[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int fam;

	if (n >= sizeof(in))
		return -1;
	memcpy(in, s, n);
	in[n] = '\0';
	fam = strchr(in, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, in, bin) != 1 || !inet_ntop(fam, bin, txt, sizeof(txt)))
		return -1;
	sb_add(out, txt);
	*len = fam == AF_INET6 ? 128 : 32;
	return 0;
}

/* One scalar of TYPE: an address, a protocol (by number) or a number. */
static int canon_scalar(const char *s, size_t n, const char *type, struct strbuf *out)
{
	char buf[64], *end;
	int width;

	if (is_addr_type(type))
		return canon_addr(s, n, out, &width);
	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (type && !strcmp(type, "inet_proto") && (buf[0] < '0' || buf[0] > '9')) {
		struct protoent *pe = getprotobyname(buf);

		if (!pe)
			return -1;
		sb_printf(out, "%d", pe->p_proto);
		return 0;
	}
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || *end)
		return -1;
	sb_printf(out, "%llu", v);
	return 0;
}

/* A range A-B, written A when both ends are the same. */
static int canon_range(const char *a, size_t an, const char *b, size_t bn, const char *type,
		       struct strbuf *out)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int ret = canon_scalar(a, an, type, &x) || canon_scalar(b, bn, type, &y) ? -1 : 0;

	if (!ret && !strcmp(sb_str(&x), sb_str(&y)))
		sb_add(out, sb_str(&x));
	else if (!ret)
		sb_printf(out, "%s-%s", sb_str(&x), sb_str(&y));
	sb_free(&x);
	sb_free(&y);
	return ret;
}

/* A prefix A/LEN, written A when it is one address. */
static int canon_prefix(const char *a, size_t an, long len, struct strbuf *out)
{
	int width;

	if (canon_addr(a, an, out, &width) || len < 0 || len > width)
		return -1;
	if (len != width)
		sb_printf(out, "/%ld", len);
	return 0;
}

/* One component of a rendered element ("10.0.0.0/8", "tcp", "80-90"). */
static int canon_text(const char *s, size_t n, const char *type, struct strbuf *out)
{
	const char *slash = memchr(s, '/', n), *dash = memchr(s, '-', n);

	if (slash && is_addr_type(type))
		return canon_prefix(s, (size_t)(slash - s), strtol(slash + 1, NULL, 10), out);
	if (dash)
		return canon_range(s, (size_t)(dash - s), dash + 1, n - (size_t)(dash - s) - 1,
				   type, out);
	return canon_scalar(s, n, type, out);
}

/* One component of a listed element (a number, a string, a prefix or a range). */
static int canon_json(json_t *v, const char *type, struct strbuf *out)
{
	json_t *p = json_object_get(v, "prefix"), *r = json_object_get(v, "range");
	char num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return canon_scalar(num, strlen(num), type, out);
	}
	if (json_is_string(v))
		return canon_scalar(json_string_value(v), json_string_length(v), type, out);
	if (p) {
		json_t *a = json_object_get(p, "addr");

		return json_is_string(a)
			       ? canon_prefix(json_string_value(a), json_string_length(a),
					      (long)json_integer_value(json_object_get(p, "len")),
					      out)
			       : -1;
	}
	if (json_array_size(r) == 2) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		int ret = canon_json(json_array_get(r, 0), type, &a) ||
					  canon_json(json_array_get(r, 1), type, &b)
				  ? -1
				  : canon_range(sb_str(&a), a.len, sb_str(&b), b.len, type, out);

		sb_free(&a);
		sb_free(&b);
		return ret;
	}
	return -1;
}

/* "type A . B [: D]\nflags F\n", as the live listing declares the set. */
static int live_decl(json_t *live, struct strbuf *out)
{
	json_t *type = json_object_get(live, "type"), *flags = json_object_get(live, "flags"), *v;
	const char *key;
	size_t i;

	json_object_foreach(live, key,
			    v) if (strcmp(key, "family") && strcmp(key, "name") &&
				   strcmp(key, "table") && strcmp(key, "type") &&
				   strcmp(key, "handle") && strcmp(key, "flags") &&
				   strcmp(key, "map") &&
				   strcmp(key, "elem")) return -1; /* a timeout, a size, a comment...: not what galaf keeps */
	sb_add(out, "type ");
	json_array_foreach(type, i, v) sb_printf(out, "%s%s", i ? " . " : "", json_string_value(v));
	if (json_is_string(json_object_get(live, "map")))
		sb_printf(out, " : %s", json_string_value(json_object_get(live, "map")));
	sb_add(out, "\nflags ");
	json_array_foreach(flags, i, v) sb_printf(out, "%s%s", i ? ", " : "", json_string_value(v));
	sb_addc(out, '\n');
	return 0;
}

/*
 * The rendered block of KIND NAME: its declaration lines (other than the
 * elements) into DECL, its element lines into ELEMS. Returns 0, or -1 when
 * NFT does not declare it in the layout render.c writes.
 */
static int rendered_block(const char *nft, const char *kind, const char *name, struct strbuf *decl,
			  struct strv *elems)
{
	struct strbuf head = STRBUF_INIT;
	const char *s, *end, *nl;
	bool in_elems = false;
	int ret = -1;

	sb_printf(&head, "\n\t%s %s {\n", kind, name);
	s = head.oom ? NULL : strstr(nft, sb_str(&head));
	end = s ? strstr(s + head.len, "\n\t}\n") : NULL;
	if (!end)
		goto out;
	for (s += head.len; s < end; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!strncmp(s, "\t\telements = {\n", 15))
			in_elems = true;
		else if (in_elems && !strncmp(s, "\t\t}\n", 4))
			in_elems = false;
		else if (in_elems && !strncmp(s, "\t\t\t", 3) && nl[-1] == ',') {
			char *item = strndup(s + 3, (size_t)(nl - s) - 4);

			if (!item || strv_push(elems, item)) {
				free(item);
				goto out;
			}
			free(item);
		} else if (!in_elems && (!strncmp(s, "\t\ttype ", 7) || !strncmp(s, "\t\tflags ", 8)))
			sb_addn(decl, s + 2, (size_t)(nl - s) - 1);
		else
			goto out; /* anything else: re-create, do not guess */
	}
	ret = in_elems || decl->oom ? -1 : 0;
out:
	sb_free(&head);
	return ret;
}

/* The types of a key's components and of a map's data, from the live listing. */
struct types {
	const char *v[8];
	size_t n;
	const char *data;
};

/* ITEM ("a . b . c [: d]") in canonical text; KEY_LEN is set to the key's length. */
static int canon_item(const char *item, const struct types *t, struct strbuf *out, size_t *key_len)
{
	const char *data = strstr(item, " : "), *end = data ? data : item + strlen(item);
	const char *s = item;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *dot = strstr(s, " . ");
		size_t n = (size_t)((dot && dot < end ? dot : end) - s);

		if ((i + 1 < t->n) != (dot && dot < end))
			return -1;
		if (i)
			sb_add(out, " . ");
		if (canon_text(s, n, t->v[i], out))
			return -1;
		s += n + 3;
	}
	*key_len = out->len;
	if (!data != !t->data)
		return -1;
	if (data) {
		sb_add(out, " : ");
		return canon_text(data + 3, strlen(data + 3), t->data, out);
	}
	return 0;
}

/* A listed element in canonical text: {"concat": [...]} or, in a map, [key, data]. */
static int canon_elem(json_t *el, const struct types *t, struct strbuf *out, size_t *key_len)
{
	json_t *key = t->data ? json_array_get(el, 0) : el;
	json_t *parts = json_object_get(key, "concat"), *v;
	size_t i;

	if (json_array_size(parts) != t->n)
		return -1;
	json_array_foreach(parts, i, v)
	{
		if (i)
			sb_add(out, " . ");
		if (canon_json(v, t->v[i], out))
			return -1;
	}
	*key_len = out->len;
	if (t->data) {
		sb_add(out, " : ");
		return canon_json(json_array_get(el, 1), t->data, out);
	}
	return 0;
}

static int types_of(json_t *live, struct types *t)
{
	json_t *type = json_object_get(live, "type"), *v;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (json_array_size(type) < 2 || json_array_size(type) > 8)
		return -1;
	json_array_foreach(type, i, v) t->v[t->n++] = json_string_value(v);
	t->data = json_string_value(json_object_get(live, "map"));
	/* A verdict map's elements point at chains the rebuild may delete. */
	return t->data && !strcmp(t->data, "verdict") ? -1 : 0;
}

bool keepsets_is_pipapo(json_t *live)
{
	json_t *flags = json_object_get(live, "flags"), *v;
	size_t i;

	if (json_array_size(json_object_get(live, "type")) < 2)
		return false;
	json_array_foreach(flags, i, v) if (json_is_string(v) &&
					    !strcmp(json_string_value(v), "interval")) return true;
	return false;
}

/*
 * The elements of the set or map as the kernel lists them now, in
 * *RET_ELEMS (NULL when it has none; borrowed from *ROOT). Returns 0 or -EIO.
 */
static int list_elems(const char *table, const char *kind, const char *name, json_t **root,
		      json_t **ret_elems)
{
	char *cmd, *out = NULL;
	json_t *arr, *it;
	bool found = false;
	size_t i;

	*root = NULL;
	*ret_elems = NULL;
	if (asprintf(&cmd, "list %s inet %s %s", kind, table, name) < 0)
		return -ENOMEM;
	if (nft_run(cmd, NFT_RUN_JSON, &out, NULL) == 0)
		*root = json_loads(out ? out : "", 0, NULL);
	arr = json_object_get(*root, "nftables");
	json_array_foreach(arr, i, it)
	{
		json_t *o = json_object_get(it, kind);

		if (o) {
			found = true;
			*ret_elems = json_object_get(o, "elem");
		}
	}
	free(out);
	free(cmd);
	return found ? 0 : -EIO;
}

/* Appends the deletions of the live elements NEW lacks; -1 when one cannot be read. */
static int plan_deletes(json_t *elems, const struct types *t, const struct strv *fresh,
			struct strbuf *out, size_t *n)
{
	struct strbuf canon = STRBUF_INIT;
	json_t *el;
	size_t i, key_len;
	int ret = 0;

	json_array_foreach(elems, i, el)
	{
		sb_reset(&canon);
		if (canon_elem(el, t, &canon, &key_len)) {
			ret = -1;
			break;
		}
		if (strv_sorted_has(fresh, sb_str(&canon)))
			continue;
		sb_printf(out, "%s%.*s", (*n)++ ? ", " : "", (int)key_len, canon.buf);
	}
	sb_free(&canon);
	return ret;
}

int keepsets_plan(const char *table, const char *kind, json_t *live, const char *nft,
		  struct strbuf *out, size_t *ret_deleted)
{
	struct strbuf want = STRBUF_INIT, have = STRBUF_INIT, dels = STRBUF_INIT, c = STRBUF_INIT;
	const char *name = json_string_value(json_object_get(live, "name"));
	struct strv items = { 0 }, fresh = { 0 };
	json_t *root = NULL, *elems;
	struct types t;
	size_t i, key_len, n = 0;
	int ret = 0;

	if (!name || !keepsets_is_pipapo(live) || types_of(live, &t) ||
	    rendered_block(nft, kind, name, &want, &items) || live_decl(live, &have) ||
	    strcmp(sb_str(&want), sb_str(&have)))
		goto out;
	for (i = 0; i < items.n; i++) {
		sb_reset(&c);
		if (canon_item(items.v[i], &t, &c, &key_len))
			goto out;
		if (strv_push(&fresh, sb_str(&c))) {
			ret = -ENOMEM;
			goto out;
		}
	}
	strv_sort_unique(&fresh);
	ret = list_elems(table, kind, name, &root, &elems);
	if (ret)
		goto out;
	if (plan_deletes(elems, &t, &fresh, &dels, &n))
		goto out;
	if (n)
		sb_printf(out, "delete element inet %s %s { %s }\n", table, name, sb_str(&dels));
	*ret_deleted += n;
	ret = out->oom || dels.oom || c.oom ? -ENOMEM : 1;
out:
	json_decref(root);
	strv_free(&items);
	strv_free(&fresh);
	sb_free(&want);
	sb_free(&have);
	sb_free(&dels);
	sb_free(&c);
	return ret;
}
