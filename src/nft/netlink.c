// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What galaf-stats reads of the table, over raw netlink on one socket: does
 * the table exist (NFT_MSG_GETTABLE), how many elements its sets hold (one
 * NFT_MSG_GETSET dump of the table where the kernel reports NFTA_SET_COUNT,
 * Linux 6.16 on; else one NFT_MSG_GETSETELEM dump per set), and the
 * elements of a set with their counters. libnftables answers 'list set' by
 * filling its cache, and with more than one set per call it lists every set
 * of the table with its elements: at 10,000 apps that cost about a second
 * of CPU time for the learned sets' counts and half a second for the three
 * counter sets, every 15 s, for what fits in a megabyte of netlink messages.
 */
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nft/netlink.h"

#define REQ_MAX 512
#define RCV_BUF 65536
/* NFTA_SET_COUNT (Linux 6.16); not in the headers of older distributions. */
#define NFT_SET_COUNT_ATTR 20

/* Netlink attributes -------------------------------------------------------- */

struct attrs {
	const char *p, *end; /* the next attribute, and the end of the nest */
};

static void attrs_of(struct attrs *it, const void *start, size_t len)
{
	it->p = start;
	it->end = (const char *)start + len;
}

/* The next well-formed attribute, or NULL at the end (or at a malformed one). */
static const struct nlattr *attrs_next(struct attrs *it)
{
	const struct nlattr *a = (const struct nlattr *)it->p;

	if (it->p + NLA_HDRLEN > it->end || a->nla_len < NLA_HDRLEN || it->p + a->nla_len > it->end)
		return NULL;
	it->p += NLA_ALIGN(a->nla_len);
	return a;
}

static int attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static void nest_of(struct attrs *it, const struct nlattr *a)
{
	attrs_of(it, attr_data(a), attr_len(a));
}

static uint64_t attr_be64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (attr_len(a) >= sizeof(v))
		memcpy(&v, attr_data(a), sizeof(v));
	return be64toh(v);
}

/* Requests ------------------------------------------------------------------ */

static void put_attr(char *buf, size_t *len, uint16_t type, const char *s)
{
	struct nlattr *a = (struct nlattr *)(buf + *len);
	size_t n = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(buf + *len + NLA_HDRLEN, s, n);
	*len += NLA_ALIGN(a->nla_len);
}

/*
 * A request of TYPE for family inet: attribute 1 (the table's name in
 * every message used here) and, unless NULL, attribute 2 (a set's name).
 * Its length, 0 when too long.
 */
static size_t build_request(char *buf, uint16_t type, uint16_t flags, const char *table,
			    const char *name, uint32_t seq)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nfgenmsg *nf;
	size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nf));

	if (strlen(table) + (name ? strlen(name) : 0) + (size_t)2 * NLA_HDRLEN + 8 + len > REQ_MAX)
		return 0;
	memset(buf, 0, len);
	nh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | type);
	nh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nh->nlmsg_seq = seq;
	nf = (struct nfgenmsg *)(buf + NLMSG_HDRLEN);
	nf->nfgen_family = NFPROTO_INET;
	nf->version = NFNETLINK_V0;
	put_attr(buf, &len, 1, table);
	if (name)
		put_attr(buf, &len, 2, name);
	nh->nlmsg_len = (uint32_t)len;
	return len;
}

/* The attributes of a message, after its nfgenmsg header. */
static bool msg_attrs(struct attrs *it, const struct nlmsghdr *nh)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (nh->nlmsg_len < off)
		return false;
	attrs_of(it, (const char *)nh + off, nh->nlmsg_len - off);
	return true;
}

/* Elements ----------------------------------------------------------------- */

/* One expression of an element: a counter's packets and bytes. */
static void take_expr(const struct nlattr *expr, struct nft_elem *e)
{
	const struct nlattr *a, *data = NULL;
	bool counter = false;
	struct attrs it;

	nest_of(&it, expr);
	while ((a = attrs_next(&it))) {
		if (attr_type(a) == NFTA_EXPR_NAME)
			counter = attr_len(a) >= 8 && !memcmp(attr_data(a), "counter", 8);
		else if (attr_type(a) == NFTA_EXPR_DATA)
			data = a;
	}
	if (!counter || !data)
		return;
	e->counter = true;
	nest_of(&it, data);
	while ((a = attrs_next(&it))) {
		if (attr_type(a) == NFTA_COUNTER_PACKETS)
			e->packets = attr_be64(a);
		else if (attr_type(a) == NFTA_COUNTER_BYTES)
			e->bytes = attr_be64(a);
	}
}

/* One NFTA_LIST_ELEM: its key and (one expression, or a list of them) counter. */
static void take_elem(const struct nlattr *le, struct nft_elem *e)
{
	const struct nlattr *a, *b;
	struct attrs it, sub;

	memset(e, 0, sizeof(*e));
	nest_of(&it, le);
	while ((a = attrs_next(&it))) {
		switch (attr_type(a)) {
		case NFTA_SET_ELEM_KEY:
			nest_of(&sub, a);
			while ((b = attrs_next(&sub)))
				if (attr_type(b) == NFTA_DATA_VALUE) {
					e->key = attr_data(b);
					e->key_len = attr_len(b);
				}
			break;
		case NFTA_SET_ELEM_FLAGS:
			if (attr_len(a) >= 4)
				e->interval_end = be32toh(*(const uint32_t *)attr_data(a)) &
						  NFT_SET_ELEM_INTERVAL_END;
			break;
		case NFTA_SET_ELEM_EXPR: take_expr(a, e); break;
		case NFTA_SET_ELEM_EXPRESSIONS:
			nest_of(&sub, a);
			while ((b = attrs_next(&sub)))
				if (attr_type(b) == NFTA_LIST_ELEM)
					take_expr(b, e);
			break;
		}
	}
}

struct dump {
	nft_elem_fn fn; /* NULL: count only */
	void *ctx;
	long count;
};

/* The elements of one NEWSETELEM message. */
static int take_elems(const struct nlmsghdr *nh, void *ctx)
{
	const struct nlattr *a, *le;
	struct dump *dp = ctx;
	struct attrs it, list;
	struct nft_elem e;
	int ret;

	if (!msg_attrs(&it, nh))
		return 0;
	while ((a = attrs_next(&it))) {
		if (attr_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		nest_of(&list, a);
		while ((le = attrs_next(&list))) {
			if (attr_type(le) != NFTA_LIST_ELEM)
				continue;
			dp->count++;
			if (!dp->fn)
				continue;
			take_elem(le, &e);
			if (e.key && (ret = dp->fn(&e, dp->ctx)))
				return ret;
		}
	}
	return 0;
}

typedef int (*take_fn)(const struct nlmsghdr *nh, void *ctx);

/*
 * Reads the answer to request SEQ up to its end (NLMSG_DONE after a dump,
 * the acknowledgement of a request), handing each message to TAKE. The
 * kernel's error (-ENOENT: no such table or set), or TAKE's first.
 */
static int read_answer(int fd, uint32_t seq, char *buf, take_fn take, void *ctx)
{
	int ret = 0;

	for (;;) {
		ssize_t got = recv(fd, buf, RCV_BUF, 0);
		struct nlmsghdr *nh;
		size_t left;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* The kernel ends every answer with DONE or an acknowledgement. */
		if (got == 0)
			return -EPROTO;
		left = (size_t)got;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return ret;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				return err ? err : ret;
			}
			/* After TAKE's error the answer is still read to its end. */
			if (!ret)
				ret = take(nh, ctx);
		}
	}
}

/* The socket --------------------------------------------------------------- */

struct nlsock {
	int fd;
	uint32_t seq;
	/* Where answers are received: 64 KiB on the stack of a short call. */
	char buf[RCV_BUF] __attribute__((aligned(8)));
};

/* 0, or -errno. */
static int nlsock_open(struct nlsock *s)
{
	s->seq = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	return s->fd >= 0 ? 0 : errno ? -errno : -EIO;
}

static void nlsock_close(struct nlsock *s)
{
	close(s->fd);
}

/* Sends a request and reads its answer (see build_request and read_answer). */
static int request(struct nlsock *s, uint16_t type, uint16_t flags, const char *table,
		   const char *name, take_fn take, void *ctx)
{
	char req[REQ_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	size_t len = build_request(req, type, flags, table, name, ++s->seq);

	if (!len)
		return -ENOENT;
	if (sendto(s->fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return read_answer(s->fd, s->seq, s->buf, take, ctx);
}

/* Dumps the elements of set TABLE NAME through DP; -ENOENT when there is no such set. */
static int dump_set(struct nlsock *s, const char *table, const char *name, struct dump *dp)
{
	if (!name)
		return -ENOENT;
	return request(s, NFT_MSG_GETSETELEM, NLM_F_DUMP, table, name, take_elems, dp);
}

static int ignore(const struct nlmsghdr *nh, void *ctx)
{
	(void)nh;
	(void)ctx;
	return 0;
}

int nft_table_exists(const char *table)
{
	struct nlsock s;
	int ret = nlsock_open(&s);

	if (ret)
		return ret;
	ret = request(&s, NFT_MSG_GETTABLE, NLM_F_ACK, table, NULL, ignore, NULL);
	nlsock_close(&s);
	return ret;
}

/* Set counts from one GETSET dump ------------------------------------------- */

struct set_count {
	const char *name; /* the caller's */
	size_t idx;
};

struct set_dump {
	struct set_count *want; /* sorted by name */
	size_t n;
	long *counts;
};

static int cmp_set_count(const void *a, const void *b)
{
	return strcmp(((const struct set_count *)a)->name, ((const struct set_count *)b)->name);
}

/* One NEWSET message: its name and, from Linux 6.16 on, its element count. */
static int take_set(const struct nlmsghdr *nh, void *ctx)
{
	struct set_dump *sd = ctx;
	const struct nlattr *a;
	struct set_count key = { NULL, 0 }, *hit;
	char name[NFT_SET_MAXNAMELEN + 1];
	long count = -1;
	struct attrs it;

	if (!msg_attrs(&it, nh))
		return 0;
	while ((a = attrs_next(&it))) {
		if (attr_type(a) == NFTA_SET_NAME && attr_len(a) <= sizeof(name)) {
			memcpy(name, attr_data(a), attr_len(a));
			name[attr_len(a) ? attr_len(a) - 1 : 0] = '\0';
			key.name = name;
		} else if (attr_type(a) == NFT_SET_COUNT_ATTR && attr_len(a) >= 4) {
			count = (long)be32toh(*(const uint32_t *)attr_data(a));
		}
	}
	if (!key.name || !(hit = bsearch(&key, sd->want, sd->n, sizeof(key), cmp_set_count)))
		return 0;
	/* Without the count (an older kernel) the set's elements are dumped. */
	sd->counts[hit->idx] = count >= 0 ? count : -2;
	return 0;
}

/* Counts of the sets NAMES from one dump of the table: -1 absent, -2 not reported. */
static int counts_from_sets(struct nlsock *s, const char *table, const char *const *names, size_t n,
			    long *counts)
{
	struct set_dump sd = { calloc(n + 1, sizeof(*sd.want)), 0, counts };
	size_t i;
	int ret;

	if (!sd.want)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		counts[i] = -1;
		if (names[i])
			sd.want[sd.n++] = (struct set_count){ names[i], i };
	}
	qsort(sd.want, sd.n, sizeof(*sd.want), cmp_set_count);
	ret = request(s, NFT_MSG_GETSET, NLM_F_DUMP, table, NULL, take_set, &sd);
	free(sd.want);
	return ret;
}

/* The counts still -2 (kernels before 6.16 report none), from one dump of each set. */
static int counts_dumped(struct nlsock *s, const char *table, const char *const *names, size_t n,
			 long *counts)
{
	int ret = 0;
	size_t i;

	for (i = 0; !ret && i < n; i++) {
		struct dump dp = { 0 };

		if (counts[i] != -2)
			continue;
		ret = dump_set(s, table, names[i], &dp);
		counts[i] = ret == -ENOENT ? -1 : dp.count;
		if (ret == -ENOENT)
			ret = 0;
	}
	return ret;
}

int nft_set_counts(const char *table, const char *const *names, size_t n, long *ret_counts)
{
	struct nlsock s;
	int ret = nlsock_open(&s);

	if (ret)
		return ret;
	ret = counts_from_sets(&s, table, names, n, ret_counts);
	/* No table: no sets. */
	if (ret == -ENOENT)
		ret = 0;
	if (!ret)
		ret = counts_dumped(&s, table, names, n, ret_counts);
	nlsock_close(&s);
	return ret;
}

int nft_set_counts_dumped(const char *table, const char *const *names, size_t n, long *ret_counts)
{
	struct nlsock s;
	int ret = nlsock_open(&s);
	size_t i;

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		ret_counts[i] = -2;
	ret = counts_dumped(&s, table, names, n, ret_counts);
	nlsock_close(&s);
	return ret;
}

int nft_set_elems(const char *table, const char *name, nft_elem_fn fn, void *ctx)
{
	struct dump dp = { .fn = fn, .ctx = ctx };
	struct nlsock s;
	int ret = nlsock_open(&s);

	if (ret)
		return ret;
	ret = dump_set(&s, table, name, &dp);
	nlsock_close(&s);
	return ret;
}
