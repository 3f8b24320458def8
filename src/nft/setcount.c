// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Element counts of named sets, one netlink dump (NFT_MSG_GETSETELEM) per
 * set on one socket. libnftables answers 'list set' by filling its cache,
 * and with more than one set per call it lists every set of the table with
 * its elements: at 10,000 apps, the interval sets of the static allow-lists
 * cost about a second of CPU time, every 15 s, for numbers that fit in a
 * few kilobytes of netlink messages.
 */
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

#include "nft/setcount.h"

#define REQ_MAX 512
#define RCV_BUF 65536

static void put_attr(char *buf, size_t *len, uint16_t type, const char *s)
{
	struct nlattr *a = (struct nlattr *)(buf + *len);
	size_t n = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(buf + *len + NLA_HDRLEN, s, n);
	*len += NLA_ALIGN(a->nla_len);
}

/* A dump request for the elements of TABLE's set NAME; its length, 0 when too long. */
static size_t build_request(char *buf, const char *table, const char *name, uint32_t seq)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nfgenmsg *nf;
	size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nf));

	if (strlen(table) + strlen(name) + (size_t)2 * NLA_HDRLEN + 8 + len > REQ_MAX)
		return 0;
	memset(buf, 0, len);
	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nh->nlmsg_seq = seq;
	nf = (struct nfgenmsg *)(buf + NLMSG_HDRLEN);
	nf->nfgen_family = NFPROTO_INET;
	nf->version = NFNETLINK_V0;
	put_attr(buf, &len, NFTA_SET_ELEM_LIST_TABLE, table);
	put_attr(buf, &len, NFTA_SET_ELEM_LIST_SET, name);
	nh->nlmsg_len = (uint32_t)len;
	return len;
}

/* Elements in one NEWSETELEM message: the entries of its ELEMENTS list. */
static long count_message(const struct nlmsghdr *nh)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	long n = 0;

	while (off + NLA_HDRLEN <= nh->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)nh + off);
		size_t sub;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_SET_ELEM_LIST_ELEMENTS)
			for (sub = NLA_HDRLEN; sub + NLA_HDRLEN <= a->nla_len;) {
				const struct nlattr *e =
					(const struct nlattr *)((const char *)a + sub);

				if (e->nla_len < NLA_HDRLEN)
					break;
				n += (e->nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM;
				sub += NLA_ALIGN(e->nla_len);
			}
		off += NLA_ALIGN(a->nla_len);
	}
	return n;
}

/* Reads the dump answering SEQ; *COUNT is -1 when the set does not exist. */
static int read_dump(int fd, uint32_t seq, char *buf, long *count)
{
	*count = 0;
	for (;;) {
		ssize_t got = recv(fd, buf, RCV_BUF, 0);
		struct nlmsghdr *nh;
		size_t left;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (size_t)got;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

				if (err == -ENOENT) {
					*count = -1;
					return 0;
				}
				return err ? err : -EPROTO;
			}
			*count += count_message(nh);
		}
	}
}

int nft_set_counts(const char *table, const char *const *names, size_t n, long *ret_counts)
{
	char req[REQ_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char *buf = malloc(RCV_BUF); /* malloc aligns beyond NLMSG_ALIGNTO */
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	int ret = 0;
	size_t i, len;

	if (!buf || fd < 0) {
		ret = buf ? -errno : -ENOMEM;
		free(buf);
		if (fd >= 0)
			close(fd);
		return ret;
	}
	for (i = 0; !ret && i < n; i++) {
		len = names[i] ? build_request(req, table, names[i], (uint32_t)i + 1) : 0;
		if (!len) {
			ret_counts[i] = -1;
			continue;
		}
		if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
			ret = -errno;
		else
			ret = read_dump(fd, (uint32_t)i + 1, buf, &ret_counts[i]);
	}
	close(fd);
	free(buf);
	return ret;
}
