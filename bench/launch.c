// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * launch: average time to start a program and wait for it.
 *
 *   launch COUNT PATH [ARGS...]
 *
 * Runs PATH COUNT times, one after another (fork, execv, waitpid), and
 * prints the mean microseconds per launch. Any launch that does not exit 0
 * fails the measurement (exit 1), so a refused gatekeeper is never timed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long i, count = argc > 2 ? atol(argv[1]) : 0;
	double start;
	pid_t pid;
	int st;

	if (count <= 0) {
		fputs("usage: launch COUNT PATH [ARGS...]\n", stderr);
		return 2;
	}
	start = now();
	for (i = 0; i < count; i++) {
		pid = fork();
		if (pid < 0)
			return perror("launch: fork"), 1;
		if (pid == 0) {
			execv(argv[2], argv + 2);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return perror("launch: waitpid"), 1;
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "launch: %s exited with status %d\n", argv[2],
				WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return 1;
		}
	}
	printf("%.1f\n", (now() - start) * 1e6 / (double)count);
	return 0;
}
