/* Writes a test drive image: every 512-byte block holds its pattern
 * (lib/block_pattern.h). Usage: nvme_image FILE MIB. Minimal, for the VM
 * tests' NVMe drive. */
#include <stdio.h>
#include <stdlib.h>
#include "lib/block_pattern.h"

int main(int argc, char **argv)
{
	static unsigned char block[512];
	FILE *f = argc == 3 ? fopen(argv[1], "wb") : NULL;
	unsigned long long blocks = argc == 3 ? strtoull(argv[2], NULL, 0) * 2048 : 0;

	if (!f || !blocks)
		return fprintf(stderr, "usage: nvme_image FILE MIB\n"), 2;
	for (unsigned long long lba = 0; lba < blocks; lba++) {
		block_pattern_fill(block, sizeof(block), lba);
		if (fwrite(block, sizeof(block), 1, f) != 1)
			return perror(argv[1]), 1;
	}
	return fclose(f) ? 1 : 0;
}
