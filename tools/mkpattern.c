/* mkpattern: writes a test drive's image, every 512-byte block holding its
 * LBA's content as lib/block_pattern.h defines it, so that the kernel can
 * check each block it reads from QEMU's NVMe drive. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/block_pattern.h"

#define BLOCK 512u                       /* QEMU nvme's default logical block size */
#define CHUNK_BLOCKS 2048u               /* 1 MiB per write */
#define MAX_BYTES (1ull << 40)           /* 1 TiB: far above any test drive */

static const char usage[] =
	"Usage: mkpattern IMAGE SIZE\n"
	"       mkpattern --bytes SIZE   (prints SIZE in bytes, writes nothing)\n"
	"\n"
	"Writes IMAGE (replacing it) as a raw drive of SIZE bytes whose every\n"
	"512-byte block holds its LBA, a magic word, filler computed from the LBA\n"
	"and a checksum (lib/block_pattern.h). SIZE is a number of bytes with an\n"
	"optional K, M or G (powers of 1024), a multiple of 512: 64M, 1G, 1048576.\n"
	"Exit status: 0 written, 2 bad arguments or I/O error.\n";

/* SIZE as bytes, or 0 with the reason in *why. */
static uint64_t parse_size(const char *s, const char **why)
{
	char *end;
	uint64_t n, unit = 1;

	if (!*s || *s < '0' || *s > '9') {
		*why = "not a number";
		return 0;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno) {
		*why = "too large";
		return 0;
	}
	switch (*end) {
	case 'K': case 'k': unit = 1ull << 10; end++; break;
	case 'M': case 'm': unit = 1ull << 20; end++; break;
	case 'G': case 'g': unit = 1ull << 30; end++; break;
	case '\0': break;
	default: *why = "unknown unit (K, M or G)"; return 0;
	}
	if (*end) {
		*why = "trailing characters after the unit";
		return 0;
	}
	if (n == 0) {
		*why = "zero bytes";
		return 0;
	}
	if (n > MAX_BYTES / unit) {
		*why = "above 1T";
		return 0;
	}
	if ((n * unit) % BLOCK) {
		*why = "not a multiple of the 512-byte block";
		return 0;
	}
	return n * unit;
}

static int write_image(const char *path, uint64_t bytes)
{
	static uint8_t chunk[CHUNK_BLOCKS * BLOCK];
	uint64_t blocks = bytes / BLOCK, lba = 0;
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, "mkpattern: cannot create %s: %s\n", path, strerror(errno));
		return 2;
	}
	while (lba < blocks) {
		uint64_t n = blocks - lba < CHUNK_BLOCKS ? blocks - lba : CHUNK_BLOCKS;

		for (uint64_t i = 0; i < n; i++)
			block_pattern_fill(chunk + i * BLOCK, BLOCK, lba + i);
		if (fwrite(chunk, BLOCK, n, f) != n)
			break;
		lba += n;
	}
	if (fclose(f) != 0 || lba < blocks) {
		fprintf(stderr, "mkpattern: writing %s failed: %s\n", path, strerror(errno));
		remove(path);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *why = "";
	uint64_t bytes;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 3) {
		fputs(usage, stderr);
		return 2;
	}
	bytes = parse_size(argv[2], &why);
	if (!bytes) {
		fprintf(stderr, "mkpattern: bad drive size '%s': %s\n", argv[2], why);
		return 2;
	}
	if (!strcmp(argv[1], "--bytes")) {
		printf("%" PRIu64 "\n", bytes);
		return 0;
	}
	return write_image(argv[1], bytes);
}
