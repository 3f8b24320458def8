// SPDX-License-Identifier: GPL-2.0-or-later
#include "marker/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int marker_fail(struct marker_report *rep, enum marker_fault fault, int err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (rep) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) < 0)
			msg = NULL;
		va_end(ap);
		diag_add(&rep->d, DIAG_ERROR, NULL, "%s", msg ? msg : "out of memory");
		free(msg);
		rep->fault = fault;
	}
	return err < 0 ? err : -EINVAL;
}

void marker_say(struct marker_report *rep, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		strv_push(&rep->lines, line);
	free(line);
}

void marker_report_free(struct marker_report *rep)
{
	strv_free(&rep->lines);
	diag_free(&rep->d);
}
