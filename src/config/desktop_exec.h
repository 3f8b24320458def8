/* SPDX-License-Identifier: GPL-2.0-or-later */
/* galaf-config desktop: rewriting an Exec= value. */
#ifndef GALAF_CONFIG_DESKTOP_EXEC_H
#define GALAF_CONFIG_DESKTOP_EXEC_H

#include <stddef.h>

#include "lib/strbuf.h"
#include "policy/policy.h"

/*
 * The new Exec value: GALAF APP, then the original arguments after the
 * program (field codes included), which the gatekeeper puts where the
 * policy's "…" stands. Without a "…" it refuses arguments, so none are
 * passed. *RET_DROPPED counts arguments that could not be passed.
 */
int exec_rewrite(const char *value, const struct entry *e, const char *galaf, struct strbuf *out,
		 size_t *ret_dropped);

#endif
