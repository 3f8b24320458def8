/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * galaf's table over raw netlink, without libnftables' cache: whether it
 * exists, how many elements its sets hold, a set's elements and counters.
 */
#ifndef GALAF_NFT_NETLINK_H
#define GALAF_NFT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether table inet TABLE exists in this network namespace: 0, -ENOENT,
 * or -errno (-EPERM: not root).
 */
int nft_table_exists(const char *table);

/*
 * Fills RET_COUNTS[i] with the number of elements of set NAMES[i] in table
 * inet TABLE of this network namespace, or -1 when there is no such set.
 * 0, or -errno when the kernel could not be asked (-EPERM: not root).
 * From Linux 6.16 on the count is the kernel's (NFTA_SET_COUNT), which
 * includes timed-out elements not yet collected, as the set's size limit
 * does; before, the elements a dump lists.
 */
int nft_set_counts(const char *table, const char *const *names, size_t n, long *ret_counts);
/* The same as a kernel before 6.16 gets it: one dump per set (tests use it). */
int nft_set_counts_dumped(const char *table, const char *const *names, size_t n, long *ret_counts);

/* One set element as the kernel holds it: the key's bytes and its counter. */
struct nft_elem {
	const void *key; /* in the set's byte order: host order for a mark */
	size_t key_len;
	bool interval_end; /* the end of an interval, not an element of its own */
	bool counter;	   /* it has a counter (else packets and bytes are 0) */
	uint64_t packets, bytes;
};

/* Takes one element; a non-zero return stops the walk and is returned. */
typedef int (*nft_elem_fn)(const struct nft_elem *e, void *ctx);

/*
 * Calls FN for each element of set NAME in table inet TABLE of this network
 * namespace. 0, -ENOENT when there is no such set (or table), or -errno
 * (-EPERM: not root), or what FN returned.
 */
int nft_set_elems(const char *table, const char *name, nft_elem_fn fn, void *ctx);

#endif
