/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks across entries. */
#ifndef GALAF_POLICY_CHECK_CROSS_H
#define GALAF_POLICY_CHECK_CROSS_H

#include "policy/ck.h"

void resolve_refs(struct ck *ck);
void check_unique_ids(struct ck *ck);
void check_mark_collisions(struct ck *ck);
void check_names_disjoint(struct ck *ck);
void check_inbound_overlap(struct ck *ck);
void check_ping_range(struct ck *ck);
void check_desktop_unique(struct ck *ck);

#endif
