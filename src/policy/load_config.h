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

/*
 * POLICY_FILE.state_dir: where apply notes config.state_dir when it is not
 * the default, so that what keeps state for a policy (galaf-config when the
 * policy does not parse, galaf-stats without loading it) finds it.
 * policy_state_note returns that path, policy_state_dir the directory it
 * names (an absolute path), else DEFAULT_STATE_DIR; both malloc'd, NULL
 * when out of memory.
 */
char *policy_state_note(const char *policy_file);
char *policy_state_dir(const char *policy_file);

#endif
