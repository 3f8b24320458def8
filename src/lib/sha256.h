/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 (FIPS 180-4), small and dependency-free: the gatekeeper links
 * libc and libcap only, and galaf-config must compute the same digests.
 */
#ifndef GALAF_SHA256_H
#define GALAF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes 64 lower-case hex digits and a NUL to HEX. */
void sha256_hex(struct sha256 *s, char hex[SHA256_HEX_LEN + 1]);
/* The digest of the file open on FD, from its current offset to its end. */
int sha256_fd(int fd, char hex[SHA256_HEX_LEN + 1]);
/* The digest of the regular file PATH; 0 or -errno (-EINVAL: not a regular file). */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1]);

#endif
