/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rebuilding a table without a window for concatenated interval sets.
 *
 * nftables keeps a set that is both concatenated and an interval set in its
 * pipapo backend, whose elements become visible only once the whole
 * transaction has committed, after the new rules are already live. A set
 * deleted and declared again in the rebuild's transaction is therefore
 * empty for a moment, and new flows that both the old and the new policy
 * allow are refused (issue 16). So the rebuild keeps such a set when its
 * declaration stays the same: it deletes the elements that leave and
 * declares the set again with its new elements, of which those already
 * there are no change at all, so lookups see them throughout.
 */
#ifndef GALAF_KEEPSETS_H
#define GALAF_KEEPSETS_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/strbuf.h"

/* Whether the listed set or map LIVE (its terse JSON object) lives in pipapo. */
bool keepsets_is_pipapo(json_t *live);

/*
 * For the set or map NAME of table inet TABLE, listed live as LIVE (terse)
 * and declared in the rendered ruleset NFT: when both declare it alike,
 * appends to OUT the "delete element" commands for the live elements NFT
 * does not declare, adds their number to *RET_DELETED and returns 1 (the
 * caller keeps the set). Returns 0 when the set must be re-created
 * (declarations differ, NFT does not declare it, or an element galaf cannot
 * read), -ENOMEM, or -EIO when the set cannot be listed.
 */
int keepsets_plan(const char *table, const char *kind, json_t *live, const char *nft,
		  struct strbuf *out, size_t *ret_deleted);

#endif
