/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The brief: what galaf-stats --prometheus needs of a checked policy (the
 * table, the paths, the DNS and ping settings, each entry's name and id,
 * the domain sets), saved by apply beside the policy it applied. Loading
 * and checking 10,000 apps costs about 0.3 s of CPU time; reading the brief
 * costs milliseconds, and the textfile is written every 15 s. The brief
 * names the SHA-256 of the policy bytes it was made from, so it is used
 * only for exactly those bytes.
 */
#ifndef GALAF_POLICY_BRIEF_H
#define GALAF_POLICY_BRIEF_H

#include <stddef.h>

#include "lib/sha256.h"
#include "lib/strbuf.h"
#include "policy/policy.h"

/* Its name in state_dir/good. */
#define BRIEF_FILE "brief"

/*
 * Writes the brief of the checked policy P (of the bytes P->src) into SB.
 * -EINVAL when a string it would hold has a tab or a line break (no brief
 * then: galaf-stats loads the policy), -ENOMEM.
 */
int brief_render(const struct policy *p, struct strbuf *sb);

/*
 * Fills the empty policy P from the brief TEXT (NUL-terminated) when it was
 * made from policy bytes whose SHA-256 is SHA (hex). Only what the brief
 * holds is set: the entries' kind, name, ids and ping, the domain sets'
 * names and families, and config's table, mark_mask, dns_conf, dns_names,
 * dns_listen, gate_index, state_dir and ping range. 0, -ESTALE when it is
 * another policy's, -EINVAL when malformed, -ENOMEM; P is empty on error.
 */
int brief_load(const char *text, const char sha[SHA256_HEX_LEN + 1], struct policy *p);

#endif
