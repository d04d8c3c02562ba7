/* Domain ids of one VT-d unit: which are free, lowest first. Pure C (no
 * hardware, no kernel), so host tests build it as it is. */
#ifndef DRIVERS_VTD_VTD_DID_H
#define DRIVERS_VTD_VTD_DID_H

#include <stdbool.h>
#include <stdint.h>

/* CAP.ND = 6 gives 2^16 ids, the most the 16-bit DID fields hold (VT-d
 * spec 10.4.2, 9.3). */
#define VTD_DID_LIMIT 65536

struct vtd_did_map {
	uint64_t used[VTD_DID_LIMIT / 64];
	unsigned count;             /* ids the unit has: 0 .. count - 1 */
	unsigned first;             /* the lowest one ever handed out */
};

/* count ids (clamped to VTD_DID_LIMIT), those below `first` reserved for
 * good (0, and the identity domain). */
void vtd_did_init(struct vtd_did_map *m, unsigned count, unsigned first);
/* The lowest free id, now taken, or -1 when all are. */
int vtd_did_alloc(struct vtd_did_map *m);
/* Gives an id back: call only once nothing can still hold a translation
 * or context entry tagged with it. Ids never handed out are ignored. */
void vtd_did_free(struct vtd_did_map *m, unsigned did);
bool vtd_did_in_use(const struct vtd_did_map *m, unsigned did);

#endif
