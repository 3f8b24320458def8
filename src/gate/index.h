/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The gate index parser (docs/gate-index.md), apart from the privileged
 * path as doas keeps parse.y apart from doas.c: it never exits and never
 * prints, and reports a malformed index as {line, message}. A launch reads
 * the index through a reader (the gatekeeper's is pread(2): a few small
 * copies cost less than the page faults of a mapping, and a file cut short
 * under it is an error, not SIGBUS); --list, the unit tests and the fuzz
 * target hand it the whole index in memory. Plain C with no allocation, so
 * the musl gatekeeper, the unit tests and the fuzz target all link the
 * same object.
 */
#ifndef GALAF_GATE_INDEX_H
#define GALAF_GATE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define GATE_FORMAT    3
#define GATE_GID_LIMIT 65535UL /* the socket mark packs 16 bits; never (gid_t)-1 */
#define GATE_NAME_LEN  32
#define GATE_ELLIPSIS  "\xe2\x80\xa6" /* U+2026: where the caller's arguments go */

enum { GATE_F_DROPGROUPS = 1, GATE_F_NONNP = 2 };

/* N bytes at P, inside the mapped index: not NUL-terminated. */
struct gate_span {
	const char *p;
	size_t n;
};

/*
 * Where and why the index is refused. LINE 0: the last line (the trailer),
 * or no line at all when ERRNUM is set: the index could not be read.
 */
struct gate_error {
	unsigned long line;
	int errnum;
	char message[200];
};

/* How the parser reads an index of known length. */
struct gate_reader {
	/* Copy the N bytes at OFF (inside the index) into BUF: 0, or -errno. */
	int (*read)(const void *ctx, char *buf, size_t n, size_t off);
	/*
	 * The N bytes at OFF, in memory that lasts as long as the entry found
	 * there is used (the gatekeeper copies them; in memory, the index
	 * itself): NULL with errno set on failure.
	 */
	const char *(*line)(const void *ctx, size_t off, size_t n);
	const void *ctx;
};

/* An index whose header and trailer check out. */
struct gate_index {
	struct gate_reader src;
	const char *map; /* the whole index, when it is in memory: for the walk */
	size_t len;
	size_t body, stop; /* the entry lines: after the header, up to the trailer */
	unsigned long min, max, count;
};

/* One entry line, as views into the index. */
struct gate_entry {
	struct gate_span name, launchers, args; /* args: ARGV0 TAB ARGV1 ... */
	struct gate_span sha256;		/* the pinned digest; p NULL if none */
	size_t nargs, ellipsis;			/* ellipsis: position of "…", 0 if none */
	unsigned long gid;
	unsigned flags;
};

/* Who is asking, as the kernel tells it: no user or group database. */
struct gate_caller {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

/* A walk over every entry line, for --list. */
struct gate_walk {
	const char *s;
	unsigned long line, seen;
	struct gate_span prev;
};

/* APP: [A-Za-z_][A-Za-z0-9_-]{0,31}, so never '/', "..", or "". */
bool gate_app_name_ok(const char *s, size_t n);

/*
 * Check the header, the trailer and its counts of the index of LEN bytes
 * that SRC reads: 0, -EINVAL, or the reader's -errno. Only the first and
 * the last 65 bytes are read.
 */
int gate_index_open_reader(struct gate_index *g, const struct gate_reader *src, size_t len,
			   struct gate_error *err);

/* The same for an index in memory (MAP, LEN bytes), which the walk needs. */
int gate_index_open(struct gate_index *g, const char *map, size_t len, struct gate_error *err);

/*
 * Find APP's line by binary search and check it strictly, with the names
 * of its neighbours (sorted, no duplicate). 0, -ENOENT when there is no
 * such line (or APP is longer than any name can be), -EINVAL when it (or
 * the order around it) is malformed, or the reader's -errno. Each probe
 * reads a small window of the index, so a launch reads O(log n) of them.
 */
int gate_index_find(const struct gate_index *g, const char *app, size_t n, struct gate_entry *e,
		    struct gate_error *err);

/* The walk reads the index in memory: G opened with gate_index_open. */
void gate_walk_init(const struct gate_index *g, struct gate_walk *w);
/* Check the next line strictly into E: 1, 0 after the last, -EINVAL. */
int gate_walk_next(const struct gate_index *g, struct gate_walk *w, struct gate_entry *e,
		   struct gate_error *err);

/* May caller C launch E? "*", its uid, or its real gid or a supplementary group as "@GID". */
bool gate_entry_allows(const struct gate_entry *e, const struct gate_caller *c);

#endif
