// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the gate index parser (src/gate/index.c), without the
 * privileged path: each case is an index text and what the parser must
 * say of it, {line, message} included. Run by tests/bats/gate.bats,
 * built with the host compiler and with musl-gcc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/index.h"

#define H    "galaf-gate 3 30000 59999\n"
#define AAA  "aaa\t30001\t-\t*\t-\t/usr/bin/true\n"
#define MARK "mark\t30002\tdropgroups\t1000,@27\t-\t/bin/sh\t-c\t\xe2\x80\xa6\n"
#define ZZZ  "zzz\t30003\t-\t-\t-\t/usr/bin/true\n"

static int failures, cases;

/* Expect: the index TEXT (LEN bytes) opens (want_open 0) or is refused at LINE with WHY in the message. */
static void expect_open(const char *what, const char *text, size_t len, unsigned long line,
			const char *why)
{
	struct gate_index g;
	struct gate_error err = { 0 };
	int r = gate_index_open(&g, text, len, &err);

	cases++;
	if (!why && r == 0)
		return;
	if (why && r == -EINVAL && err.line == line && strstr(err.message, why))
		return;
	failures++;
	printf("not ok: open %s: r=%d line=%lu message=%s\n", what, r, err.line, err.message);
}

static const char *frame(const char *body, unsigned long count)
{
	static char buf[4096];
	int n = snprintf(buf, sizeof(buf), H "%s", body);

	snprintf(buf + n, sizeof(buf) - n, ".end %lu %d\n", count, n);
	return buf;
}

/* Expect: APP in the index TEXT is found (WHY NULL), missing ("-ENOENT") or refused at LINE. */
static void expect_find(const char *what, const char *text, const char *app, unsigned long line,
			const char *why)
{
	struct gate_index g;
	struct gate_entry e;
	struct gate_error err = { 0 };
	int r;

	cases++;
	if (gate_index_open(&g, text, strlen(text), &err)) {
		failures++;
		printf("not ok: find %s: the frame is refused: %s\n", what, err.message);
		return;
	}
	r = gate_index_find(&g, app, strlen(app), &e, &err);
	if (!why ? r == 0 && e.name.n == strlen(app) && !memcmp(e.name.p, app, e.name.n)
	    : !strcmp(why, "-ENOENT") ? r == -ENOENT
				      : r == -EINVAL && err.line == line && strstr(err.message, why))
		return;
	failures++;
	printf("not ok: find %s: r=%d line=%lu message=%s\n", what, r, err.line, err.message);
}

static void test_frame(void)
{
	char buf[256];

	expect_open("good", frame(AAA MARK ZZZ, 3), strlen(frame(AAA MARK ZZZ, 3)), 0, NULL);
	expect_open("no apps", frame("", 0), strlen(frame("", 0)), 0, NULL);
	expect_open("empty", "", 0, 1, "empty");
	expect_open("format 2", "galaf-gate 2 30000 59999\n.end\n", 30, 1, "format '2'");
	expect_open("format 30", "galaf-gate 30 1 2\n.end 0 18\n", 27, 1, "format '30'");
	expect_open("not an index", "hello\n", 6, 1, "not a galaf gate index");
	expect_open("no range", "galaf-gate 3\n.end 0 13\n", 23, 1, "MIN MAX");
	expect_open("min 0", "galaf-gate 3 0 9\n.end 0 17\n", 27, 1, "MIN MAX");
	expect_open("max > 65535", "galaf-gate 3 1 65536\n.end 0 21\n", 31, 1, "MIN MAX");
	expect_open("min > max", "galaf-gate 3 9 8\n.end 0 17\n", 27, 1, "MIN MAX");
	expect_open("trailing space", "galaf-gate 3 1 9 \n.end 0 18\n", 28, 1, "MIN MAX");
	expect_open("no .end", H AAA, strlen(H AAA), 0, "no '.end");
	expect_open("old .end", H AAA ".end\n", strlen(H AAA ".end\n"), 0, "no '.end");
	expect_open("no newline at the end", H ".end 0 25", strlen(H ".end 0 25"), 0, "newline");
	expect_open("text after .end", H ".end 0 25\nx\n", strlen(H ".end 0 25\nx\n"), 0, "no '.end");
	snprintf(buf, sizeof(buf), H AAA ".end 1 %zu\n", strlen(H AAA) + 1);
	expect_open("bytes one too many", buf, strlen(buf), 0, "truncated or damaged");
	snprintf(buf, sizeof(buf), H AAA ".end 1 0%zu\n", strlen(H AAA));
	expect_open("bytes with a leading zero", buf, strlen(buf), 0, "not '.end COUNT BYTES'");
	snprintf(buf, sizeof(buf), H AAA ".end 0 %zu\n", strlen(H AAA));
	expect_open("count 0 with a line", buf, strlen(buf), 0, "does not fit");
	snprintf(buf, sizeof(buf), H AAA ".end 9 %zu\n", strlen(H AAA));
	expect_open("count too large", buf, strlen(buf), 0, "does not fit");
	snprintf(buf, sizeof(buf), H AAA ".end 1 %zu \n", strlen(H AAA));
	expect_open("trailer with a space", buf, strlen(buf), 0, "not '.end COUNT BYTES'");
	expect_open("NUL in the header", "galaf-gate 3 1 9\0\n.end 0 18\n", 28, 1, "MIN MAX");
	/* A truncated copy of a good index: every cut is refused. */
	strcpy(buf, frame(AAA MARK ZZZ, 3));
	for (size_t n = 1; n < strlen(buf); n++)
		expect_open("cut short", buf, n, n < strlen(H) ? 1 : 0, "");
}

static void test_find(void)
{
	const char *good = frame(AAA MARK ZZZ, 3);

	expect_find("first", good, "aaa", 0, NULL);
	expect_find("middle", good, "mark", 0, NULL);
	expect_find("last", good, "zzz", 0, NULL);
	expect_find("missing before", good, "a", 0, "-ENOENT");
	expect_find("missing between", good, "b", 0, "-ENOENT");
	expect_find("missing after", good, "zzzz", 0, "-ENOENT");
	expect_find("no apps", frame("", 0), "aaa", 0, "-ENOENT");
	/* A malformed line of another app is not read on a launch. */
	expect_find("bad neighbour", frame(AAA MARK "zzz\t1\tbogus\t*\t-\tx\n", 3), "mark", 0, NULL);
	expect_find("own line bad flag", frame(AAA "mark\t30002\tbogus\t*\t-\t/x\n" ZZZ, 3), "mark",
		    3, "unknown flag 'bogus'");
	expect_find("own gid out of range", frame(AAA "mark\t29999\t-\t*\t-\t/x\n" ZZZ, 3), "mark",
		    3, "outside the range");
	expect_find("own launcher by name", frame(AAA "mark\t30002\t-\troot\t-\t/x\n" ZZZ, 3),
		    "mark", 3, "bad launcher 'root'");
	expect_find("own launcher @", frame(AAA "mark\t30002\t-\t@\t-\t/x\n" ZZZ, 3), "mark", 3,
		    "bad launcher");
	expect_find("own launcher 2^32", frame(AAA "mark\t30002\t-\t4294967295\t-\t/x\n" ZZZ, 3),
		    "mark", 3, "bad launcher");
	expect_find("own sha256", frame(AAA "mark\t30002\t-\t*\tABC\t/x\n" ZZZ, 3), "mark", 3,
		    "SHA-256");
	expect_find("own relative command", frame(AAA "mark\t30002\t-\t*\t-\tx\n" ZZZ, 3), "mark",
		    3, "absolute path");
	expect_find("own two …", frame(AAA "mark\t30002\t-\t*\t-\t/x\t…\t…\n" ZZZ, 3), "mark", 3,
		    "more than one");
	expect_find("own 4 fields", frame(AAA "mark\t30002\t-\t*\n" ZZZ, 3), "mark", 3,
		    "fewer than 6");
	expect_find("own duplicate after", frame(AAA MARK MARK ZZZ, 4), "mark", 4, "duplicate");
	expect_find("own duplicate last", frame(AAA MARK MARK, 3), "mark", 4, "duplicate");
	expect_find("own duplicate first", frame(MARK MARK ZZZ, 3), "mark", 3, "duplicate");
}

static void test_nul_and_launchers(void)
{
	const char *t = frame(AAA "mark\t30002\t-\t*\t-\t/x\tA\n" ZZZ, 3);
	size_t n = strlen(t);
	char *buf = malloc(n);
	struct gate_index g;
	struct gate_entry e;
	struct gate_error err;
	gid_t groups[] = { 5, 27 };
	struct gate_caller c = { 1000, 100, groups, 2 };
	int r;

	memcpy(buf, t, n);
	*strchr(buf, 'A') = '\0';
	cases++;
	if (gate_index_open(&g, buf, n, &err) ||
	    (r = gate_index_find(&g, "mark", 4, &e, &err)) != -EINVAL || err.line != 3 ||
	    !strstr(err.message, "NUL")) {
		failures++;
		printf("not ok: a NUL byte in the app's own line is refused\n");
	}
	free(buf);
	t = frame(AAA MARK ZZZ, 3);
	gate_index_open(&g, t, strlen(t), &err);
	cases += 4;
	if (gate_index_find(&g, "mark", 4, &e, &err) || !gate_entry_allows(&e, &c) ||
	    e.flags != GATE_F_DROPGROUPS || e.nargs != 3 || e.ellipsis != 2 || e.gid != 30002)
		failures++, printf("not ok: uid 1000 may launch mark\n");
	c.uid = 1001;
	if (!gate_entry_allows(&e, &c)) /* through supplementary group 27 */
		failures++, printf("not ok: @27 lets a supplementary member launch\n");
	groups[1] = 28;
	if (gate_entry_allows(&e, &c))
		failures++, printf("not ok: uid 1001 without group 27 may not launch\n");
	c.gid = 27;
	if (!gate_entry_allows(&e, &c))
		failures++, printf("not ok: @27 lets a member by real gid launch\n");
	gate_index_find(&g, "zzz", 3, &e, &err);
	cases++;
	if (gate_entry_allows(&e, &c))
		failures++, printf("not ok: '-' lets nobody launch\n");
}

static void test_walk(void)
{
	static const struct {
		const char *what, *text;
		long entries, line;
		const char *why;
	} v[] = {
		{ "good", H AAA MARK ZZZ, 3, 0, NULL },
		{ "count too small", H AAA MARK ZZZ, 2, 0, "counts 2 entries, but there are 3" },
		{ "out of order", H MARK AAA ZZZ, 3, 3, "out of order" },
		{ "duplicate", H AAA AAA ZZZ, 3, 3, "duplicate" },
		{ "bad other line", H AAA MARK "zzz\t1\t-\t*\t-\t/x\n", 3, 4, "outside the range" },
		{ "empty line", H AAA "\n" ZZZ, 3, 3, "fewer than 6" },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct gate_index g;
		struct gate_walk w;
		struct gate_entry e;
		struct gate_error err = { 0 };
		int r, n = snprintf(buf, sizeof(buf), "%s", v[i].text);

		snprintf(buf + n, sizeof(buf) - n, ".end %ld %d\n", v[i].entries, n);
		cases++;
		if (gate_index_open(&g, buf, strlen(buf), &err)) {
			failures++;
			printf("not ok: walk %s: open: %s\n", v[i].what, err.message);
			continue;
		}
		gate_walk_init(&g, &w);
		while ((r = gate_walk_next(&g, &w, &e, &err)) > 0)
			;
		if (v[i].why ? r == -EINVAL && err.line == (unsigned long)v[i].line &&
				       strstr(err.message, v[i].why)
			     : r == 0)
			continue;
		failures++;
		printf("not ok: walk %s: r=%d line=%lu message=%s\n", v[i].what, r, err.line,
		       err.message);
	}
}

/*
 * A file of counted reads, as the gatekeeper reads its index: FAIL_AT > 0
 * makes that read fail, SHORT makes the file end early (cut under us).
 */
struct file {
	const char *text;
	size_t len, short_by;
	int reads, fail_at;
};

static int file_read(const void *ctx, char *buf, size_t n, size_t off)
{
	struct file *f = (struct file *)ctx;

	if (++f->reads == f->fail_at)
		return -EIO;
	if (off + n > f->len) /* beyond what the parser was told: a bug of the parser */
		abort();
	if (off + n > f->len - f->short_by)
		return -ESTALE;
	memcpy(buf, f->text + off, n);
	return 0;
}

static const char *file_line(const void *ctx, size_t off, size_t n)
{
	static char copy[1 << 16];

	if (n >= sizeof(copy) || file_read(ctx, copy, n, off) < 0) {
		errno = EIO;
		return NULL;
	}
	return copy;
}

/*
 * Lines far longer than a probe's window, among short ones: every name is
 * found through the reader (and the same way in memory), each name one
 * byte longer is not, and a launch reads O(log n) windows, not the file.
 */
static void test_windows(void)
{
	enum { N = 600 };
	static char text[N * 1200 + 256], line[4096];
	struct file f = { text, 0, 0, 0, 0 };
	const struct gate_reader src = { file_read, file_line, &f };
	struct gate_index g, m;
	struct gate_entry e;
	struct gate_error err;
	size_t n, k;
	char name[40];
	int i, r, most = 0;

	n = snprintf(text, sizeof(text), H);
	for (i = 0; i < N; i++) {
		/* Every 7th line carries 1,500 bytes of arguments; the others about 40. */
		k = snprintf(line, sizeof(line), "a%04d\t%d\t-\t*\t-\t/usr/bin/app", i, 30000 + i);
		for (; i % 7 == 3 && k < 1500; k += 5)
			memcpy(line + k, "\t-xyz", 5);
		line[k++] = '\n';
		memcpy(text + n, line, k);
		n += k;
	}
	n += snprintf(text + n, sizeof(text) - n, ".end %d %zu\n", N, n);
	f.len = n;
	cases += 3;
	if (gate_index_open_reader(&g, &src, n, &err) || gate_index_open(&m, text, n, &err)) {
		failures++, printf("not ok: windows: open: %s\n", err.message);
		return;
	}
	if (f.reads != 2)
		failures++,
			printf("not ok: open reads the header and the trailer only (%d)\n", f.reads);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "a%04d", i);
		f.reads = 0;
		r = gate_index_find(&g, name, 5, &e, &err);
		most = f.reads > most ? f.reads : most;
		if (r || e.gid != 30000UL + i || e.name.n != 5 || memcmp(e.name.p, name, 5) ||
		    (i % 7 == 3) != (e.nargs > 100))
			failures++,
				printf("not ok: windows: find %s: r=%d %s\n", name, r, err.message);
		if (gate_index_find(&m, name, 5, &e, &err) || e.gid != 30000UL + i)
			failures++, printf("not ok: windows: find %s in memory\n", name);
		name[5] = '0';
		if (gate_index_find(&g, name, 6, &e, &err) != -ENOENT)
			failures++, printf("not ok: windows: %.6s is not there\n", name);
		cases += 3;
	}
	/* About log2(600) probes, some of them over a long line: far below the file's 400 windows. */
	if (most > 60)
		failures++, printf("not ok: windows: a lookup read %d windows\n", most);
	cases += 3;
	f.reads = 0, f.fail_at = 4;
	if (gate_index_find(&g, "a0001", 5, &e, &err) != -EIO || err.errnum != EIO || err.line)
		failures++, printf("not ok: a read error is reported as such: %s\n", err.message);
	f.reads = 0, f.fail_at = 0, f.short_by = n / 2;
	if (gate_index_find(&g, "a0599", 5, &e, &err) != -ESTALE || err.errnum != ESTALE)
		failures++, printf("not ok: a file cut under the reader is refused\n");
	f.short_by = 0;
	if (gate_index_find(&g, "a00000000000000000000000000000000", 33, &e, &err) != -ENOENT)
		failures++, printf("not ok: a name longer than any app's is not found\n");
}

static void test_names(void)
{
	static const char *const good[] = { "a", "_", "A0", "a-b_c",
					    "abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "",	  "1a",	      "-a",
					   "a/b", "..",	      "a.b",
					   "a b", "\xc3\xa9", "abcdefghijklmnopqrstuvwxyz0123456" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++, cases++)
		if (!gate_app_name_ok(good[i], strlen(good[i])))
			failures++, printf("not ok: app name '%s' is good\n", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++, cases++)
		if (gate_app_name_ok(bad[i], strlen(bad[i])))
			failures++, printf("not ok: app name '%s' is bad\n", bad[i]);
}

int main(void)
{
	test_frame();
	test_find();
	test_nul_and_launchers();
	test_walk();
	test_windows();
	test_names();
	printf("%d cases, %d failed\n", cases, failures);
	return failures ? 1 : 0;
}
