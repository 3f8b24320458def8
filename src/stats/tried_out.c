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

int tried_print(struct ctx *c, const struct tried_rows *tr, const struct learned *l,
		const struct who *w)
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
		ret = json_object_set_new(doc, "tried", out.rows) ? -ENOMEM : 0;
		out.rows = NULL;
		if (!ret)
			ret = json_print(doc);
	} else if (!ret) {
		snprintf(title, sizeof(title),
			 "destinations %s%stried (tried4/6), refused ones marked (refused4/6)",
			 c->o.app ? c->o.app : "", c->o.app ? " " : "");
		table_render(&sb, title, &out.tb, c->box);
		ret = write_out(&sb);
	}
	json_decref(out.rows);
	json_decref(doc);
	strv_free(&out.tb.cells);
	sb_free(&sb);
	return ret;
}
