/* Test-drive block content (see block_pattern.h). */
#include "lib/block_pattern.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

/* Eight bytes a step (the bytes of a last partial word one by one): a
 * read's check is part of the cycles the NVMe rows report, so it must
 * cost little next to the read itself. */
uint64_t block_checksum(const void *buf, size_t size)
{
	const uint8_t *p = buf;
	uint64_t h = FNV_OFFSET;
	size_t i = 0;

	for (; i + 8 <= size; i += 8) {
		uint64_t w;
		__builtin_memcpy(&w, p + i, 8); /* one load, whatever the alignment */
		h ^= w;
		h *= FNV_PRIME;
	}
	for (; i < size; i++) {
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

/* The LBA, the magic and the checksum say it all: a block of another LBA
 * carries that LBA, and a changed byte anywhere breaks the checksum (the
 * filler needs no second computation, which would double the check's
 * cost on the measured path). */
bool block_pattern_check(const void *buf, size_t size, uint64_t lba)
{
	const uint64_t *w = buf;
	size_t words = size / 8;

	if (size < BLOCK_PATTERN_MIN_SIZE || size % 8 || w[0] != lba || w[1] != BLOCK_PATTERN_MAGIC)
		return false;
	return w[words - 1] == block_checksum(buf, (words - 1) * 8);
}
