// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sha256-vectors: src/sha256.c against the FIPS 180-4 examples (NIST's
 * "abc", two-block and million-'a' messages) and the empty message, fed
 * whole and in awkward pieces. Prints one line per failure; exit 1 if any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"

static int check(const char *what, const char *msg, size_t len, size_t repeat, size_t piece,
		 const char *want)
{
	char hex[SHA256_HEX_LEN + 1];
	struct sha256 s;
	size_t r, off, n;

	sha256_init(&s);
	for (r = 0; r < repeat; r++)
		for (off = 0; off < len; off += n) {
			n = len - off < piece ? len - off : piece;
			sha256_update(&s, msg + off, n);
		}
	sha256_hex(&s, hex);
	if (!strcmp(hex, want))
		return 0;
	printf("FAIL %s (pieces of %zu): %s, want %s\n", what, piece, hex, want);
	return 1;
}

int main(void)
{
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char *a1m = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static const size_t pieces[] = { 1, 3, 55, 56, 63, 64, 65, 1000000 };
	char *as = malloc(1000);
	int bad = 0;
	size_t i;

	if (!as)
		return 2;
	memset(as, 'a', 1000);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		bad += check("empty", "", 0, 1, pieces[i],
			     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		bad += check("abc", "abc", 3, 1, pieces[i],
			     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		bad += check("448 bits", two, strlen(two), 1, pieces[i],
			     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
		bad += check("a million a", as, 1000, 1000, pieces[i], a1m);
	}
	free(as);
	if (!bad)
		puts("sha256: all FIPS 180-4 vectors match");
	return bad ? 1 : 0;
}
