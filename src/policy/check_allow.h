/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks of allow and inbound lists, and the domain sets they make. */
#ifndef GALAF_POLICY_CHECK_ALLOW_H
#define GALAF_POLICY_CHECK_ALLOW_H

#include <stdbool.h>

#include "lib/strbuf.h"
#include "policy/ck.h"

void check_domain(struct ck *ck, const char *s, const char *path, struct strv *out);
void check_domain_at(struct ck *ck, const char *s, const char *path, const char *suffix,
		     struct strv *out);
unsigned proto_families(int proto);
void check_allow(struct ck *ck, struct entry *e, const char *path, bool inbound);
void add_ping_boxes(struct ck *ck, struct entry *e);
void make_dsets(struct ck *ck, struct entry *e, const char *path);

#endif
