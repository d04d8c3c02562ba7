/* tools/mkpattern: the image it writes has exactly the size asked for and
 * every block checks as its own LBA's with block_pattern_check; sizes it
 * cannot honour are refused with a message naming the size, and leave no
 * image behind. Runs the built tool (MKPATTERN, set by tools/nvme.mk). */
#include <stdlib.h>
#include <sys/stat.h>
#include "check.h"
#include "lib/block_pattern.h"

#define IMG MKPATTERN_WORK "/mkpattern-test.img"
#define ERR MKPATTERN_WORK "/mkpattern-test.err"

/* Runs mkpattern IMG SIZE; returns its exit status, stderr in ERR. */
static int run(const char *size)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s '%s' 2>%s", MKPATTERN, IMG, size, ERR);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int err_mentions(const char *what)
{
	char buf[512] = "";
	FILE *f = fopen(ERR, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strstr(buf, what) != NULL;
}

/* Every block of IMG checks, and the file holds `blocks` of them. */
static void check_image(uint64_t blocks)
{
	static uint8_t block[512];
	FILE *f = fopen(IMG, "rb");
	uint64_t lba = 0, bad = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fread(block, sizeof(block), 1, f) == 1) {
		if (!block_pattern_check(block, sizeof(block), lba))
			bad++;
		/* A neighbour's block never passes for this one. */
		if (lba == 7)
			CHECK(!block_pattern_check(block, sizeof(block), 8));
		lba++;
	}
	fclose(f);
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(lba, blocks);
}

static void test_writes_every_block(void)
{
	CHECK_EQ_U64(run("3M"), 0);
	check_image(3 * 2048);
	CHECK_EQ_U64(run("1536"), 0);
	check_image(3);
	CHECK_EQ_U64(run("64k"), 0);
	check_image(128);
}

static void test_refuses_bad_sizes(void)
{
	static const char *const bad[] = { "1000", "0", "", "abc", "64Q", "64MB", "-512", "2048G" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct stat st;

		remove(IMG);
		CHECK_EQ_U64(run(bad[i]), 2);
		CHECK(err_mentions("bad drive size"));
		CHECK(stat(IMG, &st) != 0);
	}
	run("1000");
	CHECK(err_mentions("not a multiple of the 512-byte block"));
}

/* --bytes: what make compares the image's size with. */
static void test_bytes(void)
{
	char cmd[256], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s --bytes 64M", MKPATTERN);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(fgets(out, sizeof(out), p) != NULL);
	CHECK_EQ_U64(pclose(p), 0);
	CHECK_STR_EQ(out, "67108864\n");
	CHECK_EQ_U64(run("7"), 2);
}

int main(void)
{
	RUN_TEST("mkpattern", test_writes_every_block);
	RUN_TEST("mkpattern", test_refuses_bad_sizes);
	RUN_TEST("mkpattern", test_bytes);
	remove(IMG);
	remove(ERR);
	return CHECK_EXIT_STATUS();
}
