/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading galaf's sets: from the kernel, listed by a few children in
 * parallel, or from a saved `nft -j list table` (tests and offline use).
 */
#ifndef GALAF_NFT_LISTING_H
#define GALAF_NFT_LISTING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"

/*
 * True when this process has CAP_NET_ADMIN, which nftables wants; checked
 * first, as libnftables would print its own message on stderr.
 */
bool have_net_admin(void);

/* Where set contents come from: the kernel, or a saved listing. */
struct nft_src {
	const char *table;
	json_t *saved; /* {"nftables": [...]} from `nft -j list table`, or NULL */
	char *text;    /* the same as text */
	size_t text_len;
};

/*
 * Loads a saved listing from FILE into SRC. Returns 0 or -errno, with a
 * message that names FILE in D.
 */
int nft_src_load(struct nft_src *src, const char *file, struct diags *d);
void nft_src_free(struct nft_src *src);
/*
 * Checks that table inet SRC->table exists. Returns 0, -ENOENT when it is
 * not loaded, -EPERM when nftables refused us, or -EIO; nft's message, when
 * it gave one, goes into D.
 */
int nft_src_check(struct nft_src *src, struct diags *d);
/*
 * The sets NAMES[0..N) of the table: RET[i] is a new reference, or NULL
 * when that set does not exist. Returns 0 or -errno (RET all NULL), with
 * nft's first message, when it gave one, in D.
 */
int nft_src_sets(struct nft_src *src, const char *const *names, size_t n, json_t **ret,
		 struct diags *d);

/* An element's key and its counter: {"elem": {"val": V, "counter": {...}}} or plain V. */
json_t *nft_elem_val(json_t *e, uint64_t *packets, uint64_t *bytes);
/* A mark as nft prints it: a number, or a string in hex or decimal. */
int nft_json_u32(json_t *v, uint32_t *ret);
#endif
