// SPDX-License-Identifier: GPL-2.0-or-later
/* galaf-stats --tried: what each app tried to reach, as a table or JSON. */
#include "stats/tried_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats/export.h"

/* Domains for a tried row: the learned sets that hold its address. */
static int tried_domains(struct ctx *c, const struct learned *l, const struct tried_row *t,
			 struct strv *out)
{
	if (!c->has_policy)
		return 0;
	return learned_domains(l, &c->pol, t->family, t->addr, out);
}

static void strv_join(const struct strv *v, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < v->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", v->v[i]);
}

static int tried_cells(struct ctx *c, struct table *tb, const struct tried_row *t,
		       const struct strv *doms)
{
	char addr[64], proto[16], port[16], pk[32], by[32], dl[512];
	struct mark_name mn;

	if (namer_name(&c->names, t->mark, &mn))
		return -ENOMEM;
	tried_addr_format(t, addr, sizeof(addr));
	proto_format(t->proto, proto, sizeof(proto));
	port[0] = '\0';
	if (t->port || proto_has_ports(t->proto))
		snprintf(port, sizeof(port), "%u", t->port);
	fmt_num(c, pk, sizeof(pk), (double)t->packets, t->packets, false, false);
	fmt_num(c, by, sizeof(by), (double)t->bytes, t->bytes, true, false);
	strv_join(doms, dl, sizeof(dl));
	cell(tb, mn.label);
	cell(tb, addr);
	cell(tb, proto);
	cell(tb, port);
	cell(tb, pk);
	cell(tb, by);
	cell(tb, t->refused ? "refused" : "");
	cell(tb, dl);
	return tb->oom ? -ENOMEM : 0;
}

static json_t *tried_json_row(struct ctx *c, const struct tried_row *t, const struct strv *doms)
{
	char addr[64], proto[16];
	json_t *o = json_mark(c, t->mark), *d = json_array(), *port;
	size_t i;
	int err;

	tried_addr_format(t, addr, sizeof(addr));
	proto_format(t->proto, proto, sizeof(proto));
	for (i = 0; d && i < doms->n; i++)
		json_array_append_new(d, json_string(doms->v[i]));
	if (!o || !d) {
		json_decref(o);
		json_decref(d);
		return NULL;
	}
	port = t->port || proto_has_ports(t->proto) ? json_integer(t->port) : json_null();
	err = json_object_update_new(o,
				     json_pack("{s:i, s:s, s:s, s:i, s:o, s:I, s:I, s:b, s:I, s:I, s:o}",
					       "family", t->family, "address", addr, "proto", proto,
					       "proto_number", t->proto, "port", port, "packets",
					       (json_int_t)t->packets, "bytes", (json_int_t)t->bytes,
					       "refused", t->refused, "refused_packets",
					       (json_int_t)t->rpackets, "refused_bytes",
					       (json_int_t)t->rbytes, "domains", d));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct tried_out {
	struct table tb;
	json_t *rows;
};

static int tried_emit(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		      const struct who *w, struct tried_out *out)
{
	struct strv doms = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < tr->n; i++) {
		if (w && !who_match(w, tr->v[i].mark))
			continue;
		strv_free(&doms);
		ret = tried_domains(c, l, &tr->v[i], &doms);
		if (ret)
			break;
		if (!out->rows)
			ret = tried_cells(c, &out->tb, &tr->v[i], &doms);
		else if (json_array_append_new(out->rows, tried_json_row(c, &tr->v[i], &doms)))
			ret = -ENOMEM;
	}
	strv_free(&doms);
	return ret;
}

/* Names dnsmasq refused (stats/refused.h): a second table, or "refused_names" in JSON. */
static int refused_names_emit(struct ctx *c, const struct refused_names *rn, const struct who *w,
			      struct table *tb, json_t *rows)
{
	char type[16], pk[32];
	struct mark_name mn;
	json_t *o;
	size_t i;

	for (i = 0; i < rn->n; i++) {
		const struct refused_name *r = &rn->v[i];

		if (w && !who_match(w, r->mark))
			continue;
		dns_type_format(r->qtype, type, sizeof(type));
		if (rows) {
			o = json_mark(c, r->mark);
			if (!o ||
			    json_object_update_new(o, json_pack("{s:s, s:o, s:b, s:I}", "qname",
								r->name, "qtype",
								r->qtype ? json_string(type)
									 : json_null(),
								"truncated", r->truncated, "packets",
								(json_int_t)r->packets)) ||
			    json_array_append_new(rows, o))
				return -ENOMEM;
			continue;
		}
		if (namer_name(&c->names, r->mark, &mn))
			return -ENOMEM;
		fmt_num(c, pk, sizeof(pk), (double)r->packets, r->packets, false, false);
		cell(tb, mn.label);
		cell(tb, r->name);
		cell(tb, type);
		cell(tb, pk);
	}
	return tb->oom ? -ENOMEM : 0;
}

static int refused_names_print(struct ctx *c, const struct refused_names *rn, const struct who *w,
			       struct strbuf *sb)
{
	static const char *const heads[] = { "user/app", "name", "type", "answers" };
	struct table tb = { .ncols = 4, .heads = heads, .align = "lllr" };
	char title[160];
	int ret = refused_names_emit(c, rn, w, &tb, NULL);

	if (!ret && tb.cells.n) {
		snprintf(title, sizeof(title),
			 "names %s%srefused by dnsmasq's name lists (REFUSED answers, dns_refused sets)",
			 c->o.app ? c->o.app : "", c->o.app ? " was " : "");
		sb_addc(sb, '\n');
		table_render(sb, title, &tb, c->box);
	}
	strv_free(&tb.cells);
	return ret;
}

int tried_print(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		const struct who *w, const struct refused_names *rn)
{
	static const char *const heads[] = { "user/app", "destination", "proto",   "port",
					     "packets",	 "bytes",	"refused", "domains" };
	struct tried_out out = { .tb = { .ncols = 8, .heads = heads, .align = "llllrrll" } };
	struct strbuf sb = STRBUF_INIT;
	json_t *doc = NULL;
	char title[160];
	int ret;

	if (c->o.out == OUT_JSON) {
		doc = doc_head(c);
		out.rows = json_array();
		if (!doc || !out.rows ||
		    json_object_set_new(doc, "app", c->o.app ? json_string(c->o.app) : json_null())) {
			json_decref(doc);
			json_decref(out.rows);
			return -ENOMEM;
		}
	}
	ret = tried_emit(c, tr, l, w, &out);
	if (!ret && doc) {
		json_t *names = json_array();

		ret = json_object_set_new(doc, "tried", out.rows) ? -ENOMEM : 0;
		out.rows = NULL;
		if (!ret)
			ret = names ? refused_names_emit(c, rn, w, &out.tb, names) : -ENOMEM;
		if (!ret)
			ret = json_object_set(doc, "refused_names", names) ? -ENOMEM : 0;
		json_decref(names);
		if (!ret)
			ret = json_print(doc);
	} else if (!ret) {
		snprintf(title, sizeof(title),
			 "destinations %s%stried (tried4/6), refused ones marked (refused4/6)",
			 c->o.app ? c->o.app : "", c->o.app ? " " : "");
		table_render(&sb, title, &out.tb, c->box);
		ret = refused_names_print(c, rn, w, &sb);
		if (!ret)
			ret = write_out(&sb);
	}
	json_decref(out.rows);
	json_decref(doc);
	strv_free(&out.tb.cells);
	sb_free(&sb);
	return ret;
}
