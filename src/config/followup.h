/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What apply does once the ruleset is committed: the dnsmasq reload (bounded
 * in time), the ping range, and the notes it leaves for later commands: where
 * the state is kept (for a rollback when the policy no longer parses) and
 * whether the last apply's follow-up steps failed (for status).
 */
#ifndef GALAF_FOLLOWUP_H
#define GALAF_FOLLOWUP_H

#include "policy/load_config.h"
#include "policy/policy.h"
#include "lib/diag.h"
#include "lib/strbuf.h"
#include "stats/state.h" /* PING_RANGE_FILE */
/* The note in state_dir that the last apply's follow-up steps failed. */
#define STATE_INCOMPLETE "incomplete"

/*
 * Runs ARGV in a process group of its own; when it has not exited after
 * TIMEOUT seconds, kills the group. Returns its exit status (128 + signal
 * when a signal ended it), -ETIMEDOUT when it was killed, or -errno.
 */
int followup_run(const struct strv *argv, long timeout);

/*
 * Sets net.ipv4.ping_group_range when it differs from config.ping_gids, and
 * writes config.ping_sysctl. A read-only /proc/sys (galaf.service's
 * ProtectKernelTunables) is not an error when that file is written:
 * systemd-sysctl applies it (the unit runs it after apply): D gets a
 * note saying so. Errors go into D (about the policy file); returns 0 or
 * -errno.
 */
int followup_ping_range(const struct policy *p, struct diags *d);

/*
 * Writes POLICY_FILE.state_dir (policy_state_note) when config.state_dir is
 * not the default, or removes it; policy_state_dir reads it.
 */
int followup_state_note(const struct policy *p, const char *policy_file);

/* Records WHAT (one line per failed step) in state_dir/incomplete, or removes it when NULL. */
int followup_mark(const char *state_dir, const char *what);

#endif
