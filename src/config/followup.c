// SPDX-License-Identifier: GPL-2.0-or-later
/* apply's steps after the commit, and the notes it leaves (see followup.h). */
#include "config/followup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/fileio.h"

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for PID until DEADLINE; returns its status, or -ETIMEDOUT once it is killed. */
static int wait_bounded(pid_t pid, double deadline)
{
	const struct timespec tick = { 0, 10000000L };
	int status;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) {
		if (r == 0 && monotonic() >= deadline) {
			/* The group: a shell's children would hold the reload up too. */
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		if (r == 0)
			nanosleep(&tick, NULL);
	}
	if (r < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int followup_run(const struct strv *argv, long timeout)
{
	char **v = calloc(argv->n + 1, sizeof(*v));
	double deadline = monotonic() + (double)timeout;
	pid_t pid;

	if (!v)
		return -ENOMEM;
	memcpy(v, argv->v, argv->n * sizeof(*v));
	pid = fork();
	if (pid < 0) {
		free(v);
		return -errno;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execv(v[0], v);
		_exit(127);
	}
	setpgid(pid, pid); /* also here: no race with the kill */
	free(v);
	return wait_bounded(pid, deadline);
}

static bool ping_range_is(unsigned lo, unsigned hi)
{
	size_t len;
	char *text = file_read(PING_RANGE_FILE, 64, &len), *end;
	bool same;

	if (!text)
		return false;
	same = strtoul(text, &end, 10) == lo && strtoul(end, NULL, 10) == hi;
	free(text);
	return same;
}

static int write_ping_sysctl(const struct config *c, struct diags *d)
{
	char *conf = NULL;
	int ret = 0;

	if (asprintf(&conf,
		     "# Written by galaf-config apply from config.ping_gids: only these groups may\n"
		     "# open ICMP echo sockets.\nnet.ipv4.ping_group_range = %u %u\n",
		     c->ping_min, c->ping_max) < 0)
		return -ENOMEM;
	if (!file_equals(c->ping_sysctl, conf, strlen(conf)))
		ret = file_replace(c->ping_sysctl, conf, strlen(conf), 0644);
	if (ret)
		diag_say(d, DIAG_ERROR, 0, "cannot write %s: %s", c->ping_sysctl, strerror(-ret));
	free(conf);
	return ret;
}

/*
 * The range belongs to the network namespace apply runs in; config.ping_sysctl
 * keeps it across reboots and "sysctl --system" runs (its 60- name sorts after
 * systemd's 50-default.conf, which opens ping to all).
 */
int followup_ping_range(const struct policy *p, struct diags *d)
{
	const struct config *c = &p->cfg;
	char range[32];
	int ret = 0, n;

	if (!policy_uses_ping(p))
		return 0;
	if (c->ping_sysctl)
		ret = write_ping_sysctl(c, d);
	/* Unchanged: no write, so a read-only /proc/sys is no obstacle. */
	if (ping_range_is(c->ping_min, c->ping_max))
		return ret;
	n = snprintf(range, sizeof(range), "%u %u\n", c->ping_min, c->ping_max);
	int w = file_write_existing(PING_RANGE_FILE, range, (size_t)n);

	if (w == -EROFS && c->ping_sysctl && !ret) {
		diag_say(d, DIAG_NOTE, 0,
			 "/proc/sys is read-only here: net.ipv4.ping_group_range is left to systemd-sysctl, which applies %s (galaf.service runs it after apply)",
			 c->ping_sysctl);
		return 0;
	}
	if (w)
		diag_say(d, DIAG_ERROR, 0, "cannot set net.ipv4.ping_group_range (%s): %s",
			 PING_RANGE_FILE, strerror(-w));
	return w ? w : ret;
}

int followup_state_note(const struct policy *p, const char *policy_file)
{
	const char *dir = p->cfg.state_dir;
	size_t n = strlen(dir);
	char *path = policy_state_note(policy_file), *text = NULL;
	int ret = 0;

	if (!path)
		return -ENOMEM;
	/* A rollback applies a copy inside the state directory: no note there. */
	if (!strncmp(policy_file, dir, n) && policy_file[n] == '/')
		goto out;
	if (!strcmp(dir, DEFAULT_STATE_DIR)) {
		if (unlink(path) < 0 && errno != ENOENT)
			ret = -errno;
		goto out;
	}
	if (asprintf(&text, "%s\n", dir) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	if (!file_equals(path, text, strlen(text)))
		ret = file_replace(path, text, strlen(text), 0644);
out:
	free(text);
	free(path);
	return ret;
}

int followup_mark(const char *state_dir, const char *what)
{
	char *path;
	int ret = 0;

	if (asprintf(&path, "%s/" STATE_INCOMPLETE, state_dir) < 0)
		return -ENOMEM;
	if (!what) {
		if (unlink(path) < 0 && errno != ENOENT)
			ret = -errno;
	} else {
		ret = file_replace(path, what, strlen(what), 0644);
	}
	free(path);
	return ret;
}
