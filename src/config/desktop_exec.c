// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * galaf-config desktop: Exec= values of desktop entries and D-Bus
 * services, read with the specification's escaping and quoting and
 * written again to start the app through the gatekeeper.
 */
#include "config/desktop_exec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strv.h"

/* Undoes the key-file string escapes (\s \n \t \r \\) of VALUE. */
static char *unescape_value(const char *v)
{
	char *out = malloc(strlen(v) + 1), *o = out;

	for (; out && *v; v++) {
		if (*v != '\\' || !v[1]) {
			*o++ = *v;
			continue;
		}
		v++;
		*o++ = *v == 's'   ? ' '
		       : *v == 'n' ? '\n'
		       : *v == 't' ? '\t'
		       : *v == 'r' ? '\r'
				   : *v;
	}
	if (out)
		*o = '\0';
	return out;
}

/* Splits an unescaped Exec value into arguments (desktop entry quoting); -EINVAL if unbalanced. */
static int exec_split(const char *s, struct strv *out)
{
	struct strbuf arg = STRBUF_INIT;
	bool in_arg = false, quoted = false;
	int ret = 0;

	for (;; s++) {
		if (!*s || (!quoted && (*s == ' ' || *s == '\t' || *s == '\n'))) {
			if (in_arg && strv_push(out, sb_str(&arg)))
				ret = -ENOMEM;
			sb_reset(&arg);
			in_arg = false;
			if (!*s || ret)
				break;
			continue;
		}
		in_arg = true;
		if (*s == '"')
			quoted = !quoted;
		else if (quoted && *s == '\\' && s[1] && strchr("\"`$\\", s[1]))
			sb_addc(&arg, *++s);
		else
			sb_addc(&arg, *s);
	}
	sb_free(&arg);
	return quoted ? -EINVAL : ret;
}

/* Field codes the specification deprecates: launchers expand them to nothing. */
static bool deprecated_code(const char *a)
{
	return strlen(a) == 2 && a[0] == '%' && strchr("dDnNvm", a[1]);
}

/* Appends one argument to an Exec value, quoted when it must be (then string-escaped). */
static void exec_add_arg(struct strbuf *sb, const char *a)
{
	bool quote = !*a || strpbrk(a, " \t\n\"'\\><~|&;$*?#()`=") != NULL;

	if (sb->len)
		sb_addc(sb, ' ');
	if (!quote) {
		sb_add(sb, a);
		return;
	}
	sb_addc(sb, '"');
	for (; *a; a++) {
		if (strchr("\"`$\\", *a))
			sb_add(sb, *a == '\\' ? "\\\\\\\\"
					      : "\\\\"); /* quote escape, then string escape */
		if (*a == '\\')
			continue;
		if (*a == '\n')
			sb_add(sb, "\\n");
		else
			sb_addc(sb, *a);
	}
	sb_addc(sb, '"');
}

int exec_rewrite(const char *value, const struct entry *e, const char *galaf, struct strbuf *out,
		 size_t *ret_dropped)
{
	struct strv argv = { 0 };
	char *raw = unescape_value(value);
	bool pass = strv_contains(&e->execv, ELLIPSIS);
	int ret = raw ? exec_split(raw, &argv) : -ENOMEM;
	size_t i;

	*ret_dropped = 0;
	if (!ret && argv.n == 0)
		ret = -EINVAL;
	if (!ret) {
		exec_add_arg(out, galaf);
		exec_add_arg(out, e->name);
		for (i = 1; i < argv.n; i++) {
			if (deprecated_code(argv.v[i]))
				continue;
			if (!pass) {
				++*ret_dropped;
				continue;
			}
			if (argv.v[i][0] == '%' && strlen(argv.v[i]) == 2)
				sb_add(out, " "), sb_add(out, argv.v[i]); /* field codes stay bare */
			else
				exec_add_arg(out, argv.v[i]);
		}
	}
	strv_free(&argv);
	free(raw);
	return out->oom ? -ENOMEM : ret;
}
