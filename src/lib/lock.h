/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One galaf-config at a time changes a state directory. */
#ifndef GALAF_LIB_LOCK_H
#define GALAF_LIB_LOCK_H

#include <stdbool.h>

/*
 * Takes the lock file STATE_DIR/lock (creating the directory); returns its
 * fd, or -EWOULDBLOCK when another holds it and WAIT is false, or -errno.
 */
int state_lock(const char *state_dir, bool wait);

#endif
