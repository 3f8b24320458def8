// SPDX-License-Identifier: GPL-2.0-or-later
#include "render/compile.h"

#include <errno.h>
#include <string.h>

#include "render/render.h"

int compile_policy(struct policy *p, struct compiled *c, struct diags *d)
{
	struct strbuf all = STRBUF_INIT;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = render_nft(p, &c->nft);
	if (!ret)
		ret = render_dnsmasq(p, &c->dnsmasq, d);
	if (!ret)
		ret = render_gate(p, &c->gate);
	if (ret)
		return ret;
	sb_addn(&all, c->nft.buf, c->nft.len);
	sb_addn(&all, c->dnsmasq.buf, c->dnsmasq.len);
	sb_addn(&all, c->gate.buf, c->gate.len);
	if (all.oom)
		ret = -ENOMEM;
	else
		render_hash(all.buf, all.len, c->hash);
	sb_free(&all);
	return ret;
}

void compiled_free(struct compiled *c)
{
	sb_free(&c->nft);
	sb_free(&c->dnsmasq);
	sb_free(&c->gate);
}
