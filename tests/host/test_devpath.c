/* lib/devpath.c: the device-path walk the loader uses to find its own
 * directory stops, with a reason, on a node shorter than its header (a
 * length of 0 would repeat for ever, 1..3 underflow the payload length) and
 * on a node that runs past the bytes given; well-formed paths walk as
 * before. */
#include "lib/devpath.h"
#include "tests/host/check.h"

#define MAX_STEPS 16 /* more calls than any path here has nodes */

static uint8_t path[64];
static size_t path_len;

static void node(uint8_t type, uint8_t subtype, uint16_t len, size_t payload)
{
	path[path_len] = type;
	path[path_len + 1] = subtype;
	path[path_len + 2] = (uint8_t)len;
	path[path_len + 3] = (uint8_t)(len >> 8);
	for (size_t i = 0; i < payload; i++)
		path[path_len + 4 + i] = (uint8_t)('a' + i);
	path_len += 4 + payload;
}

static void begin(void)
{
	memset(path, 0xee, sizeof(path));
	path_len = 0;
}

/* Walks at most MAX_STEPS nodes; returns how the walk ended (DEVPATH_NODE
 * if it had not ended by then) and counts the nodes and payload bytes. */
static enum devpath_status walk(size_t max_len, int *nodes, size_t *payload, size_t *stop_at)
{
	struct devpath_walk w;
	struct devpath_node n;
	enum devpath_status st = DEVPATH_NODE;

	*nodes = 0;
	*payload = 0;
	devpath_walk_start(&w, path, max_len);
	for (int i = 0; i < MAX_STEPS; i++) {
		st = devpath_walk_next(&w, &n);
		if (st != DEVPATH_NODE)
			break;
		++*nodes;
		*payload += n.data_len;
		CHECK(n.data + n.data_len <= path + max_len);
	}
	*stop_at = n.offset;
	return st;
}

static void well_formed_path_walks_to_its_end(void)
{
	int nodes;
	size_t payload, at;

	begin();
	node(0x02, 0x01, 12, 8);                 /* ACPI node */
	node(0x04, 0x04, 4 + 10, 10);            /* file path, 5 CHAR16 */
	node(0x7f, 0x01, 4, 0);                  /* end of instance: a separator */
	node(0x7f, 0xff, 4, 0);                  /* end entire */
	CHECK_EQ_U64(walk(path_len, &nodes, &payload, &at), DEVPATH_END);
	CHECK_EQ_U64(nodes, 3);
	CHECK_EQ_U64(payload, 18);
	CHECK_EQ_U64(at, path_len - 4);
}

static void zero_length_node_stops_the_walk(void)
{
	int nodes;
	size_t payload, at;

	begin();
	node(0x04, 0x04, 8, 4);
	node(0x04, 0x04, 0, 4);
	node(0x7f, 0xff, 4, 0);
	CHECK_EQ_U64(walk(path_len, &nodes, &payload, &at), DEVPATH_SHORT_NODE);
	CHECK_EQ_U64(nodes, 1);
	CHECK_EQ_U64(at, 8);
}

static void lengths_one_to_three_stop_the_walk(void)
{
	for (uint16_t len = 1; len < 4; len++) {
		int nodes;
		size_t payload, at;

		begin();
		node(0x04, 0x04, len, 8);
		node(0x7f, 0xff, 4, 0);
		CHECK_EQ_U64(walk(path_len, &nodes, &payload, &at), DEVPATH_SHORT_NODE);
		CHECK_EQ_U64(nodes, 0);
		CHECK_EQ_U64(payload, 0); /* no underflowed payload length */
	}
}

static void node_running_past_the_end_stops_the_walk(void)
{
	int nodes;
	size_t payload, at;

	begin();
	node(0x02, 0x01, 12, 8);
	node(0x04, 0x04, 40, 8); /* claims 40 bytes, 12 are there */
	CHECK_EQ_U64(walk(path_len, &nodes, &payload, &at), DEVPATH_OVERRUN);
	CHECK_EQ_U64(nodes, 1);
	CHECK_EQ_U64(at, 12);
}

static void path_without_an_end_node_stops_at_the_limit(void)
{
	int nodes;
	size_t payload, at;

	begin();
	node(0x04, 0x04, 8, 4);
	node(0x04, 0x04, 8, 4);
	path_len += 2; /* two stray bytes: not even a header */
	CHECK_EQ_U64(walk(path_len, &nodes, &payload, &at), DEVPATH_OVERRUN);
	CHECK_EQ_U64(nodes, 2);
	CHECK_EQ_U64(at, 16);
}

static void no_path_is_an_empty_walk(void)
{
	struct devpath_walk w;
	struct devpath_node n;

	devpath_walk_start(&w, NULL, 4096);
	CHECK_EQ_U64(devpath_walk_next(&w, &n), DEVPATH_OVERRUN);
	CHECK(strstr(devpath_status_text(DEVPATH_SHORT_NODE), "shorter") != NULL);
}

int main(void)
{
	RUN_TEST("devpath", well_formed_path_walks_to_its_end);
	RUN_TEST("devpath", zero_length_node_stops_the_walk);
	RUN_TEST("devpath", lengths_one_to_three_stop_the_walk);
	RUN_TEST("devpath", node_running_past_the_end_stops_the_walk);
	RUN_TEST("devpath", path_without_an_end_node_stops_at_the_limit);
	RUN_TEST("devpath", no_path_is_an_empty_walk);
	return check_tests_failed ? 1 : 0;
}
