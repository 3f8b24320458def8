// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * launchpair: launch costs measured side by side, one launch at a time.
 *
 *   launchpair COUNT CMD [ARGS...] [-- CMD [ARGS...]]...
 *
 * COUNT cycles; each cycle launches every command once (fork, execv,
 * waitpid), starting one further along each cycle so that no command
 * always follows the same one. For each command it prints one line:
 *
 *   INDEX MEDIAN_US DIFF_MEDIAN_US DIFF_P25_US DIFF_P75_US
 *
 * MEDIAN_US is the median time of one launch; DIFF is, cycle by cycle,
 * the launch's time minus the first command's in the same cycle. Where
 * rounds of many launches per command drift with the machine's other
 * work between one command's round and the next, launches milliseconds
 * apart see the same machine. Any launch that does not exit 0 fails the
 * measurement (exit 1), so a refused gatekeeper is never timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 32

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The launch of CMD, in µs; -1 when it did not exit 0. */
static double launch(char **cmd)
{
	double start = now_us();
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(cmd[0], cmd);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return now_us() - start;
}

int main(int argc, char **argv)
{
	long count = argc > 2 ? atol(argv[1]) : 0, i;
	char **cmds[MAX_CMDS];
	double *t, *v;
	int n = 0, k, j;

	if (count <= 0) {
		fputs("usage: launchpair COUNT CMD [ARGS...] [-- CMD [ARGS...]]...\n", stderr);
		return 2;
	}
	cmds[n++] = argv + 2;
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--") != 0)
			continue;
		argv[k] = NULL;
		if (n == MAX_CMDS || k + 1 == argc) {
			fputs("launchpair: at most 32 commands, none empty\n", stderr);
			return 2;
		}
		cmds[n++] = argv + k + 1;
	}
	t = calloc((size_t)count * n, sizeof(*t));
	v = calloc((size_t)count, sizeof(*v));
	if (!t || !v) {
		fputs("launchpair: out of memory\n", stderr);
		return 1;
	}
	for (i = 0; i < count; i++)
		for (k = 0; k < n; k++) {
			j = (int)((k + i) % n);
			if ((t[i * n + j] = launch(cmds[j])) < 0) {
				fprintf(stderr, "launchpair: %s failed\n", cmds[j][0]);
				return 1;
			}
		}
	for (k = 0; k < n; k++) {
		double med;

		for (i = 0; i < count; i++)
			v[i] = t[i * n + k];
		qsort(v, count, sizeof(*v), cmp_double);
		med = v[count / 2];
		for (i = 0; i < count; i++)
			v[i] = t[i * n + k] - t[i * n];
		qsort(v, count, sizeof(*v), cmp_double);
		printf("%d %.1f %.1f %.1f %.1f\n", k, med, v[count / 2], v[count / 4],
		       v[3 * count / 4]);
	}
	free(t);
	free(v);
	return 0;
}
