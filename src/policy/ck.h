/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checker's state and what its parts share (check.c, check_allow.c, check_cross.c). */
#ifndef GALAF_POLICY_CK_H
#define GALAF_POLICY_CK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "policy/policy.h"

/* name -> id, from one pass over the user or group database. */
struct idmap {
	struct idname {
		char *name;
		long id;
	} * v;
	size_t n;
};

struct ck {
	struct policy *p;
	struct diags *d;
	unsigned flags;
	int oom;
	struct idmap users, groups;
};

void idmaps_load(struct ck *ck);
void idmaps_free(struct ck *ck);
long sys_lookup_ask(struct ck *ck, bool group, const char *name, bool ask);
long sys_lookup(struct ck *ck, bool group, const char *name);
__attribute__((format(printf, 4, 5))) void ck_at(struct ck *ck, enum diag_level lvl,
						 const char *prefix, const char *fmt, ...);
char *entry_path(const struct entry *e);
bool nft_ident_valid(const char *s);
char *lower_dup(const char *s);

#endif
