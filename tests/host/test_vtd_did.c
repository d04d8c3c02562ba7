/* The domain-id allocator of the VT-d driver (drivers/vtd/vtd_did.c): ids
 * come back after a free, so a unit with 16 ids (CAP.ND = 0) serves any
 * number of rows of one device each, and none is handed out twice. */
#include <stdlib.h>

#include "check.h"
#include "drivers/vtd/vtd_did.h"

#define FIRST 2 /* 0 reserved, 1 the identity domain */

static struct vtd_did_map *map_new(unsigned count)
{
	struct vtd_did_map *m = malloc(sizeof(*m));

	vtd_did_init(m, count, FIRST);
	return m;
}

static void test_lowest_first_and_exhaustion(void)
{
	struct vtd_did_map *m = map_new(16);

	for (int did = FIRST; did < 16; did++)
		CHECK_EQ_U64(vtd_did_alloc(m), did);
	CHECK_EQ_U64(vtd_did_alloc(m), -1);
	CHECK(!vtd_did_in_use(m, 16));
	CHECK(vtd_did_in_use(m, 0) && vtd_did_in_use(m, 1));
	free(m);
}

/* More rows than the unit has ids: each row attaches, then detaches. */
static void test_many_rows_on_a_small_unit(void)
{
	struct vtd_did_map *m = map_new(16);

	for (int row = 0; row < 100; row++) {
		int did = vtd_did_alloc(m);
		CHECK_EQ_U64(did, FIRST);
		vtd_did_free(m, (unsigned)did);
	}
	free(m);
}

static void test_freed_id_is_reused_and_never_twice(void)
{
	struct vtd_did_map *m = map_new(16);
	int a = vtd_did_alloc(m), b = vtd_did_alloc(m), c = vtd_did_alloc(m);

	CHECK_EQ_U64(a, 2);
	CHECK_EQ_U64(b, 3);
	CHECK_EQ_U64(c, 4);
	vtd_did_free(m, (unsigned)b);
	CHECK(!vtd_did_in_use(m, 3));
	CHECK_EQ_U64(vtd_did_alloc(m), 3);
	CHECK_EQ_U64(vtd_did_alloc(m), 5);
	/* Out of range or reserved below count: harmless. */
	vtd_did_free(m, 70000);
	vtd_did_free(m, 16);
	vtd_did_free(m, 1);
	CHECK(vtd_did_in_use(m, 1));
	CHECK_EQ_U64(vtd_did_alloc(m), 6);
	free(m);
}

/* The largest unit (ND = 6), and one whose count is not a multiple of 64. */
static void test_sizes(void)
{
	struct vtd_did_map *m = map_new(65536);
	int last = -1, did;

	while ((did = vtd_did_alloc(m)) >= 0)
		last = did;
	CHECK_EQ_U64(last, 65535);
	vtd_did_free(m, 40000);
	CHECK_EQ_U64(vtd_did_alloc(m), 40000);
	vtd_did_init(m, 100, FIRST);
	for (did = FIRST; did < 100; did++)
		CHECK_EQ_U64(vtd_did_alloc(m), did);
	CHECK_EQ_U64(vtd_did_alloc(m), -1);
	vtd_did_init(m, 1u << 20, FIRST); /* clamped to what 16 bits name */
	CHECK_EQ_U64(m->count, 65536);
	free(m);
}

int main(void)
{
	RUN_TEST("vtd_did", test_lowest_first_and_exhaustion);
	RUN_TEST("vtd_did", test_many_rows_on_a_small_unit);
	RUN_TEST("vtd_did", test_freed_id_is_reused_and_never_twice);
	RUN_TEST("vtd_did", test_sizes);
	return CHECK_EXIT_STATUS();
}
