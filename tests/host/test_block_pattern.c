/* lib/block_pattern.c: a block's content checks as its own LBA's only, and
 * any changed byte, a neighbour's block or a zeroed block fails. */
#include <stdlib.h>
#include "check.h"
#include "lib/block_pattern.h"

static void test_fill_then_check(void)
{
	static uint64_t buf[4096 / 8];

	for (uint64_t lba = 0; lba < 64; lba++) {
		block_pattern_fill(buf, 512, lba);
		CHECK(block_pattern_check(buf, 512, lba));
		CHECK(!block_pattern_check(buf, 512, lba + 1));
		block_pattern_fill(buf, 4096, lba * 1000003);
		CHECK(block_pattern_check(buf, 4096, lba * 1000003));
	}
	CHECK_EQ_U64(buf[1], BLOCK_PATTERN_MAGIC);
}

static void test_every_byte_matters(void)
{
	static uint8_t buf[512];

	block_pattern_fill(buf, sizeof(buf), 77);
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x10;
		CHECK(!block_pattern_check(buf, sizeof(buf), 77));
		buf[i] ^= 0x10;
	}
	CHECK(block_pattern_check(buf, sizeof(buf), 77));
	memset(buf, 0, sizeof(buf));
	CHECK(!block_pattern_check(buf, sizeof(buf), 0));
}

static void test_sizes_and_checksum(void)
{
	static uint8_t a[64], b[64];

	CHECK(!block_pattern_check(a, 24, 0)); /* below the minimum */
	block_pattern_fill(a, 32, 5);
	CHECK(block_pattern_check(a, 32, 5));
	CHECK(!block_pattern_check(a, 31, 5));
	memcpy(b, a, sizeof(a));
	CHECK_EQ_U64(block_checksum(a, 32), block_checksum(b, 32));
	b[3] ^= 1;
	CHECK(block_checksum(a, 32) != block_checksum(b, 32));
	CHECK_EQ_U64(block_checksum("", 0), 0xcbf29ce484222325ull); /* FNV's offset basis */
	/* A tail shorter than a word goes byte by byte: FNV-1a's published value. */
	CHECK_EQ_U64(block_checksum("a", 1), 0xaf63dc4c8601ec8cull);
	/* A whole word is one step: (basis ^ word) * prime. */
	uint64_t w = 0x0807060504030201ull;
	CHECK_EQ_U64(block_checksum(&w, 8), (0xcbf29ce484222325ull ^ w) * 0x100000001b3ull);
}

int main(void)
{
	RUN_TEST("block_pattern", test_fill_then_check);
	RUN_TEST("block_pattern", test_every_byte_matters);
	RUN_TEST("block_pattern", test_sizes_and_checksum);
	return CHECK_EXIT_STATUS();
}
