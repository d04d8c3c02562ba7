/* The known content of a test drive's blocks: each block of `size` bytes
 * holds its LBA, a magic word, filler computed from the LBA, and a
 * checksum of all that, so that a block read from anywhere else, or left
 * stale, or half-written, never passes for the one asked for. The host
 * tool that writes the QEMU drive's image and the kernel that checks every
 * read share this one definition. Plain C, no hardware. */
#ifndef LIB_BLOCK_PATTERN_H
#define LIB_BLOCK_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_PATTERN_MAGIC 0x48434e4542445456ull /* "VTDBENCH", little-endian */
#define BLOCK_PATTERN_MIN_SIZE 32                  /* LBA, magic, filler, checksum */

/* Fills buf (size bytes, a multiple of 8, >= BLOCK_PATTERN_MIN_SIZE) with
 * block `lba`'s content. */
void block_pattern_fill(void *buf, size_t size, uint64_t lba);
/* Whether buf is block `lba`'s content. */
bool block_pattern_check(const void *buf, size_t size, uint64_t lba);
/* A checksum of any block (FNV-1a's step over 64-bit words, 64 bits):
 * what a real drive's first pass records per block, so that later reads
 * can be compared with it. */
uint64_t block_checksum(const void *buf, size_t size);

#endif
