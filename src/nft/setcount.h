/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How many elements named sets hold, without listing the table. */
#ifndef GALAF_NFT_SETCOUNT_H
#define GALAF_NFT_SETCOUNT_H

#include <stddef.h>

/*
 * Fills RET_COUNTS[i] with the number of elements of set NAMES[i] in table
 * inet TABLE of this network namespace, or -1 when there is no such set.
 * 0, or -errno when the kernel could not be asked (-EPERM: not root).
 */
int nft_set_counts(const char *table, const char *const *names, size_t n, long *ret_counts);

#endif
