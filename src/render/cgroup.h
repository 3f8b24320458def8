/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries matched by cgroup (docs/cgroups.md): their sets, marks and chains. */
#ifndef GALAF_RENDER_CGROUP_H
#define GALAF_RENDER_CGROUP_H

#include "lib/strbuf.h"
#include "policy/policy.h"

void render_cgroup_sets(struct strbuf *sb, const struct policy *p);
int render_cgroup_marks(struct strbuf *sb, const struct policy *p);
int render_cgroup_jumps(struct strbuf *sb, const struct policy *p);
void render_cgroup_chain(struct strbuf *sb, const struct policy *p, const struct entry *e);
int render_cgroup_learned_sets(const struct policy *p, struct strv *out);
/* For owner_out: a cgroup entry's flows sent from its cgroup. */
int render_cgroup_owners(struct strbuf *sb, const struct policy *p);

#endif
