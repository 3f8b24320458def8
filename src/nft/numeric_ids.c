// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libnftables parses every gid and uid in a ruleset by first asking
 * getgrnam()/getpwnam() whether the number is a name, which reads the whole
 * group or user database once per number: quadratic in the number of app
 * groups (12,000 scans of /etc/group for 1,000 groups). galaf renders ids
 * as numbers and never names a group or user with digits only (useradd
 * refuses such names too), so all-digit names are answered "no such entry"
 * here at once; every other name goes to the C library as before.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <string.h>

static bool all_digits(const char *s)
{
	return s && *s && strspn(s, "0123456789") == strlen(s);
}

struct group *getgrnam(const char *name)
{
	static struct group *(*next)(const char *);

	if (all_digits(name)) {
		errno = 0;
		return NULL;
	}
	if (!next)
		next = (struct group * (*)(const char *)) dlsym(RTLD_NEXT, "getgrnam");
	return next ? next(name) : NULL;
}

struct passwd *getpwnam(const char *name)
{
	static struct passwd *(*next)(const char *);

	if (all_digits(name)) {
		errno = 0;
		return NULL;
	}
	if (!next)
		next = (struct passwd * (*)(const char *)) dlsym(RTLD_NEXT, "getpwnam");
	return next ? next(name) : NULL;
}
