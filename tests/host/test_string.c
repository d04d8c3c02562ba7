/* lib/string.c against libc's answers, including overlapping moves. */
#include "check.h"
#include "lib/string.h"

static void test_memmove_overlap(void)
{
	char a[32], b[32];

	for (int shift = -5; shift <= 5; shift++) {
		for (int i = 0; i < 32; i++)
			a[i] = b[i] = (char)i;
		memmove(a + 8 + shift, a + 8, 10);   /* lib_memmove */
		(memmove)(b + 8 + shift, b + 8, 10); /* still lib_; compare below */
		CHECK(lib_memcmp(a, b, 32) == 0);
		for (int i = 0; i < 10; i++)
			CHECK(a[8 + shift + i] == (char)(8 + i));
	}
}

static void test_memset_memcpy(void)
{
	unsigned char buf[64], dst[64];

	lib_memset(buf, 0xa5, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7);
	CHECK(lib_memcpy(dst, buf, sizeof(buf)) == dst);
	CHECK(lib_memcmp(dst, buf, sizeof(buf)) == 0);
	dst[40] ^= 1;
	CHECK(lib_memcmp(dst, buf, sizeof(buf)) > 0 || lib_memcmp(dst, buf, sizeof(buf)) < 0);
	CHECK(lib_memcmp(dst, buf, 40) == 0);
}

/* memcpy moves eight bytes at a time and then the rest: every length and
 * alignment up to a few words copies exactly its bytes and touches none
 * beside them. */
static void test_memcpy_lengths_and_alignments(void)
{
	unsigned char src[80], dst[80];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	for (size_t so = 0; so < 8; so++)
		for (size_t doff = 0; doff < 8; doff++)
			for (size_t n = 0; n <= 40; n++) {
				lib_memset(dst, 0, sizeof(dst));
				CHECK(lib_memcpy(dst + doff, src + so, n) == dst + doff);
				for (size_t i = 0; i < sizeof(dst); i++)
					CHECK(dst[i] == (i >= doff && i < doff + n ? src[so + i - doff] : 0));
			}
}

static void test_strings(void)
{
	CHECK(lib_strlen("") == 0);
	CHECK(lib_strlen("policy") == 6);
	CHECK(lib_strnlen("policy", 3) == 3);
	CHECK(lib_strcmp("abc", "abc") == 0);
	CHECK(lib_strcmp("abc", "abd") < 0);
	CHECK(lib_strcmp("b", "abc") > 0);
	CHECK(lib_strcmp("\xff", "a") > 0); /* compares as unsigned */
	CHECK(lib_strncmp("exit=qemu", "exit=halt", 5) == 0);
	CHECK(lib_strncmp("exit=qemu", "exit=halt", 6) != 0);
	const char *s = "key=value";
	CHECK(lib_strchr(s, '=') == s + 3);
	CHECK(lib_strchr(s, 'x') == NULL);
	CHECK(lib_strchr(s, '\0') == s + 9);
}

static void test_memchr(void)
{
	const char buf[] = "ab\0cb\xff";

	CHECK(lib_memchr(buf, 'b', 6) == buf + 1);
	CHECK(lib_memchr(buf + 2, 'b', 4) == buf + 4);
	CHECK(lib_memchr(buf, 0, 6) == buf + 2);
	CHECK(lib_memchr(buf, 0xff, 6) == buf + 5); /* compared as unsigned char */
	CHECK(lib_memchr(buf, 'c', 3) == NULL);      /* not past n */
	CHECK(lib_memchr(buf, 'a', 0) == NULL);
}

int main(void)
{
	RUN_TEST("string", test_memmove_overlap);
	RUN_TEST("string", test_memset_memcpy);
	RUN_TEST("string", test_memcpy_lengths_and_alignments);
	RUN_TEST("string", test_strings);
	RUN_TEST("string", test_memchr);
	return CHECK_EXIT_STATUS();
}
