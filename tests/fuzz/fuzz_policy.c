// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: load -> check -> render, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "policy/check.h"
#include "lib/diag.h"
#include "policy/load.h"
#include "policy/policy.h"
#include "render/render.h"
#include "lib/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		render_gate(&p, &out);
	}
	sb_free(&out);
	diag_free(&d);
	policy_free(&p);
	return 0;
}
