/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable byte buffer for rendering text. */
#ifndef GALAF_STRBUF_H
#define GALAF_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	int oom; /* sticky: set once an allocation failed */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void sb_add(struct strbuf *sb, const char *s);
void sb_addn(struct strbuf *sb, const char *s, size_t n);
void sb_addc(struct strbuf *sb, char c);
__attribute__((format(printf, 2, 3))) void sb_printf(struct strbuf *sb, const char *fmt, ...);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* Returns the NUL-terminated contents ("" when empty); never NULL unless oom. */
const char *sb_str(struct strbuf *sb);
/* Hands the buffer to the caller (free it); the strbuf is reset. */
char *sb_steal(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

#endif
