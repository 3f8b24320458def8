/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status --verify: the loaded table against a fresh load of the policy's ruleset. */
#ifndef GALAF_VERIFY_H
#define GALAF_VERIFY_H

#include "lib/diag.h"
#include "policy/policy.h"

/*
 * Loads NFT (the policy's rendered ruleset) into a private network
 * namespace and compares that table with the loaded one, leaving out what
 * a running system changes by itself. Appends one line per object that
 * differs to DIFFS, sorted: "set NAME: differs", "the rules of chain
 * NAME: differs", "chain NAME: added by hand", "map NAME: missing"... Returns 0 (compared),
 * or -errno, with nft's message in D when it says why the comparison could
 * not be made.
 */
int ruleset_verify(const struct policy *p, const char *nft, struct strv *diffs, struct diags *d);

#endif
