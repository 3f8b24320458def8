/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-stats' policy from the brief the last apply saved (policy/brief.h). */
#ifndef GALAF_STATS_BRIEF_LOAD_H
#define GALAF_STATS_BRIEF_LOAD_H

#include "policy/policy.h"

/*
 * Fills P (its file, its bytes, and what policy/brief.h lists) from the
 * brief in the state directory when that brief was made from the bytes of
 * FILE as they are now. The state directory is the one FILE.state_dir
 * names (apply writes it when config.state_dir is not the default), else
 * the default. 0, or -errno (P empty): then the policy must be loaded.
 */
int policy_from_brief(const char *file, struct policy *p);

#endif
