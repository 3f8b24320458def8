/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What only the kernel can judge: raw fragments and the ruleset as a whole. */
#ifndef GALAF_NFT_VALIDATE_H
#define GALAF_NFT_VALIDATE_H

#include <stddef.h>

#include "lib/diag.h"
#include "policy/policy.h"

/*
 * Test-loads P's rendered ruleset in a private network namespace; every
 * problem goes to D, at the entry whose fragment caused it. 0 when it loads.
 */
int validate_in_private_netns(struct policy *p, struct diags *d);
/*
 * Adds nft's errors in ERR (lines counted from LINE_OFFSET) to D, at the
 * entries whose fragments caused them; returns how many it added.
 */
size_t report_nft_errors(const struct policy *p, const char *err, int line_offset, struct diags *d);

#endif
