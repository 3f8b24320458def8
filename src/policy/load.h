/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stage 1: the policy file to a struct policy, strictly (types, keys, syntax). */
#ifndef GALAF_LOAD_H
#define GALAF_LOAD_H

#include <stddef.h>

#include "lib/diag.h"
#include "policy/policy.h"

#define POLICY_MAX_BYTES (64u << 20)

/*
 * Loads FILE into P. Every problem found is appended to D. Returns 0 when
 * the file loaded without errors, -EINVAL when D holds errors, or another
 * -errno when the file could not be read (also described in D).
 */
int policy_load(const char *file, struct policy *p, struct diags *d);
/* The same from a buffer; NAME is used in messages. */
int policy_load_buffer(const char *buf, size_t len, const char *name, struct policy *p,
		       struct diags *d);

#endif
