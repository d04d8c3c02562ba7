/* A bitmap of one unit's domain ids (drivers/vtd/vtd_did.h). Ids are reused
 * lowest first, so a unit with few (CAP.ND = 0: 16) serves any number of
 * domains one after another. */
#include "drivers/vtd/vtd_did.h"

static void set_used(struct vtd_did_map *m, unsigned did, bool used)
{
	uint64_t bit = 1ull << (did % 64);

	if (used)
		m->used[did / 64] |= bit;
	else
		m->used[did / 64] &= ~bit;
}

bool vtd_did_in_use(const struct vtd_did_map *m, unsigned did)
{
	return did < m->count && (m->used[did / 64] >> (did % 64) & 1);
}

void vtd_did_init(struct vtd_did_map *m, unsigned count, unsigned first)
{
	m->count = count < VTD_DID_LIMIT ? count : VTD_DID_LIMIT;
	m->first = first;
	for (unsigned w = 0; w < VTD_DID_LIMIT / 64; w++)
		m->used[w] = 0;
	/* Ids beyond `count` in the last word count as taken, so the search
	 * needs no bound check per bit. */
	for (unsigned did = m->count; did % 64; did++)
		set_used(m, did, true);
	for (unsigned did = 0; did < first && did < m->count; did++)
		set_used(m, did, true);
}

int vtd_did_alloc(struct vtd_did_map *m)
{
	for (unsigned w = 0; w < (m->count + 63) / 64; w++) {
		if (m->used[w] == ~0ull)
			continue;
		unsigned did = w * 64 + (unsigned)__builtin_ctzll(~m->used[w]);
		set_used(m, did, true);
		return (int)did;
	}
	return -1;
}

void vtd_did_free(struct vtd_did_map *m, unsigned did)
{
	if (did >= m->first && did < m->count)
		set_used(m, did, false);
}
