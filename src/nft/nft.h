/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only code that talks to the kernel's nftables, through libnftables. */
#ifndef GALAF_NFT_H
#define GALAF_NFT_H

#include <stdbool.h>

enum nft_run_flags {
	NFT_RUN_DRY = 1 << 0,	/* check only: the kernel sees it, nothing is committed */
	NFT_RUN_JSON = 1 << 1,	/* JSON output (for list commands) */
	NFT_RUN_TERSE = 1 << 2, /* list without set elements */
};

/*
 * Runs SCRIPT as one transaction. Returns 0 or -errno; RET_OUT and RET_ERR
 * (either may be NULL) receive libnftables' output and error text.
 */
int nft_run(const char *script, unsigned flags, char **ret_out, char **ret_err);

/*
 * Forks a child in a new network namespace (and user namespace when not
 * root) that runs SCRIPT there; the host's ruleset is never touched.
 * Returns 0 when it loaded, -EINVAL with RET_ERR set when nft refused it.
 */
int nft_run_private(const char *script, char **ret_err);

/* The same, then runs LIST there and returns its JSON output in RET_OUT. */
int nft_list_private(const char *script, const char *list, char **ret_out, char **ret_err);

#endif
