/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An APP|USER|0xMARK argument of galaf-stats, galaf-tcpdump and
 * galaf-config suggest, resolved to the conntrack marks it stands for.
 */
#ifndef GALAF_STATS_WHO_H
#define GALAF_STATS_WHO_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

/* An APP|USER|0xMARK argument: which conntrack marks it stands for. */
enum who_kind { WHO_APP, WHO_USER, WHO_MARK };

struct who {
	enum who_kind kind;
	uint32_t id;		   /* gid (app); the uid half (user, root is 1) */
	uint32_t mask, value;	   /* ct mark & mask == value */
	const struct entry *entry; /* its policy entry, or NULL */
};

/*
 * Resolves ARG: a policy group or user, a system group in the gid range, a
 * system user, another system group; with MARKS, "0x..." is a mark (a name
 * that reads as hex is still a name). The match keeps only the bits of
 * the policy's config.mark_mask. Returns 0, -ENOENT (no such name), -EINVAL
 * (a malformed mark), -ERANGE (an id that does not fit 16 bits or the mask)
 * or -ENOTUNIQ (not in the policy, but both a user and a group in the range).
 */
int who_resolve(const struct policy *p, const char *arg, bool marks, struct who *ret);
/* What -ENOTUNIQ from who_resolve means, after "'NAME' ". */
#define WHO_AMBIGUOUS                                                                              \
	"is both a user and a group in the app gid range: name it in the policy "                  \
	"(under users or groups) to say which"

static inline bool who_match(const struct who *w, uint32_t mark)
{
	return (mark & w->mask) == w->value;
}

#endif
