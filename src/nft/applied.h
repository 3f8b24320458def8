/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which policy is loaded: the hash apply stores in the table. */
#ifndef GALAF_NFT_APPLIED_H
#define GALAF_NFT_APPLIED_H

/* Reads the hash galaf stored in TABLE; -ENOENT when it is not loaded. */
int applied_hash(const char *table, char out[17]);

#endif
