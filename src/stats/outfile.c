// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --output FILE for node_exporter's textfile collector, which may read the
 * directory at any moment: the text goes to ".NAME.XXXXXX" in the same
 * directory (the collector reads only *.prom), and rename(2) puts it in
 * place whole. No fsync: after a crash the next run, 15 s later, rewrites it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats/outfile.h"

int outfile_begin(struct outfile *o, const char *path)
{
	char *copy = strdup(path), *copy2 = strdup(path);
	int fd = -1, ret = -ENOMEM;

	o->tmp = NULL;
	/* Every allocation first: a failure after mkostemp would leave the file. */
	o->path = strdup(path);
	if (!o->path || !copy || !copy2 ||
	    asprintf(&o->tmp, "%s/.%s.XXXXXX", dirname(copy), basename(copy2)) < 0) {
		o->tmp = NULL;
		goto fail;
	}
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0644) < 0 || fflush(stdout) || dup2(fd, STDOUT_FILENO) < 0) {
		ret = -errno;
		if (fd >= 0)
			unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	free(o->path);
	o->path = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(copy);
	free(copy2);
	return ret;
}

int outfile_end(struct outfile *o, bool ok)
{
	int ret = 0;

	if (!o->tmp)
		return 0;
	if (fflush(stdout))
		ret = -errno;
	if (ok && !ret && rename(o->tmp, o->path) < 0)
		ret = -errno;
	if (!ok || ret)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return ret;
}
