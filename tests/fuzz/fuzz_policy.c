// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: load -> check -> render, on arbitrary bytes. The gate
 * index rendered must be one the gatekeeper's parser accepts, every line.
 */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/check.h"
#include "lib/diag.h"
#include "policy/load.h"
#include "policy/policy.h"
#include "render/render.h"
#include "lib/strbuf.h"
#include "gate/index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void gate_accepts(const struct strbuf *out)
{
	struct gate_index g;
	struct gate_entry e;
	struct gate_error err;
	struct gate_walk w;
	int r;

	if (gate_index_open(&g, out->buf, out->len, &err))
		abort();
	gate_walk_init(&g, &w);
	while ((r = gate_walk_next(&g, &w, &e, &err)) > 0)
		;
	if (r != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	struct diags d = { 0 };
	struct policy p;

	if (policy_load_buffer((const char *)data, size, "fuzz", &p, &d) == 0 &&
	    policy_check(&p, &d, CHECK_NO_SYSTEM) == 0) {
		render_nft(&p, &out);
		sb_reset(&out);
		render_dnsmasq(&p, &out, &d);
		sb_reset(&out);
		if (render_gate(&p, &out) == 0)
			gate_accepts(&out);
	}
	sb_free(&out);
	diag_free(&d);
	policy_free(&p);
	return 0;
}
