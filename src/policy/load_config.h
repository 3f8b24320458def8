/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy's "config" object. */
#ifndef GALAF_POLICY_LOAD_CONFIG_H
#define GALAF_POLICY_LOAD_CONFIG_H

#include <jansson.h>

#include "policy/ld.h"
#include "policy/policy.h"

/* config.state_dir when the policy names none. */
#define DEFAULT_STATE_DIR "/var/lib/galaf"

void load_config(struct ld *ld, json_t *v, struct config *c);
void config_defaults(struct config *c);

#endif
