/* SPDX-License-Identifier: GPL-2.0-or-later */
/* All three outputs of one policy, and the hash that says which policy is loaded. */
#ifndef GALAF_RENDER_COMPILE_H
#define GALAF_RENDER_COMPILE_H

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "policy/policy.h"

struct compiled {
	struct strbuf nft, dnsmasq, gate;
	char hash[17];
};

/* Renders P into C; problems (a dnsmasq line too long) go to D. */
int compile_policy(struct policy *p, struct compiled *c, struct diags *d);
void compiled_free(struct compiled *c);

#endif
