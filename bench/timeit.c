// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timeit: wall time and peak memory of one command.
 *
 *   timeit [-t SECS] [-o FILE] CMD [ARGS...]
 *
 * Runs CMD with its output untouched and prints
 * "SECONDS MAXRSS_KB USER_S SYS_S STATUS" to FILE (default stderr): wall
 * time from fork to exit in seconds with microsecond resolution, the largest
 * resident set of CMD or any child it waited for, the CPU time they spent
 * in user space and in the kernel, and the exit code (128+N for signal N,
 * "timeout" when it was killed after SECS). Exits 0 once it has reported.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(-child, SIGKILL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *out_path = NULL;
	unsigned limit = 0;
	struct rusage ru;
	double start, secs;
	FILE *out = stderr;
	int opt, st;

	while ((opt = getopt(argc, argv, "+t:o:")) != -1) {
		if (opt == 't')
			limit = (unsigned)atoi(optarg);
		else if (opt == 'o')
			out_path = optarg;
		else
			goto usage;
	}
	if (optind >= argc)
		goto usage;
	start = now();
	child = fork();
	if (child < 0)
		return perror("timeit: fork"), 1;
	if (child == 0) {
		setpgid(0, 0); /* a timeout kills the whole command */
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "timeit: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	setpgid(child, child);
	sigaction(SIGALRM, &sa, NULL);
	alarm(limit);
	while (wait4(child, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return perror("timeit: wait4"), 1;
	secs = now() - start;
	if (out_path && !(out = fopen(out_path, "w")))
		return perror("timeit: output"), 1;
	fprintf(out, "%.6f %ld %.3f %.3f ", secs, ru.ru_maxrss,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	if (timed_out)
		fputs("timeout\n", out);
	else
		fprintf(out, "%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return out == stderr || !fclose(out) ? 0 : 1;
usage:
	fputs("usage: timeit [-t SECS] [-o FILE] CMD [ARGS...]\n", stderr);
	return 2;
}
