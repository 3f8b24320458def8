/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The only code that talks to the kernel's nftables, through libnftables. */
#ifndef GALAF_NFT_H
#define GALAF_NFT_H

#include <stdbool.h>

#include "lib/diag.h"

enum nft_run_flags {
	NFT_RUN_DRY = 1 << 0,	/* check only: the kernel sees it, nothing is committed */
	NFT_RUN_JSON = 1 << 1,	/* JSON output (for list commands) */
	NFT_RUN_TERSE = 1 << 2, /* list without set elements */
};

/*
 * Runs SCRIPT as one transaction. Returns 0 or -errno; RET_OUT (may be
 * NULL) receives libnftables' output. When it fails, libnftables' error
 * text goes into D (may be NULL) as one error record, verbatim: several
 * lines, the last one ending in a newline, and callers search it
 * ("No such file or directory") or map it to policy entries.
 */
int nft_run(const char *script, unsigned flags, char **ret_out, struct diags *d);

/* The error text nft_run left in D (its first record), or "unknown error". */
const char *nft_error_text(const struct diags *d);

/*
 * Forks a child in a new network namespace (and user namespace when not
 * root) that runs SCRIPT there; the host's ruleset is never touched.
 * Returns 0 when it loaded, -EINVAL when nft refused it, -EPERM when no
 * namespace could be made; then D holds one error record with the text.
 */
int nft_run_private(const char *script, struct diags *d);

/* The same, then runs LIST there and returns its JSON output in RET_OUT. */
int nft_list_private(const char *script, const char *list, char **ret_out, struct diags *d);

#endif
