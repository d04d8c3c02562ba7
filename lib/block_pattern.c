/* Test-drive block content (see block_pattern.h). */
#include "lib/block_pattern.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

uint64_t block_checksum(const void *buf, size_t size)
{
	const uint8_t *p = buf;
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* Words 0 and 1: the LBA and the magic; then filler from an xorshift
 * sequence seeded by the LBA; the last word: the checksum of the rest. */
static uint64_t filler(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

void block_pattern_fill(void *buf, size_t size, uint64_t lba)
{
	uint64_t *w = buf, state = lba * 0x9e3779b97f4a7c15ull + 1;
	size_t words = size / 8;

	w[0] = lba;
	w[1] = BLOCK_PATTERN_MAGIC;
	for (size_t i = 2; i + 1 < words; i++)
		w[i] = filler(&state);
	w[words - 1] = block_checksum(buf, (words - 1) * 8);
}

bool block_pattern_check(const void *buf, size_t size, uint64_t lba)
{
	const uint64_t *w = buf;
	uint64_t state = lba * 0x9e3779b97f4a7c15ull + 1;
	size_t words = size / 8;

	if (size < BLOCK_PATTERN_MIN_SIZE || size % 8 || w[0] != lba || w[1] != BLOCK_PATTERN_MAGIC)
		return false;
	for (size_t i = 2; i + 1 < words; i++)
		if (w[i] != filler(&state))
			return false;
	return w[words - 1] == block_checksum(buf, (words - 1) * 8);
}
