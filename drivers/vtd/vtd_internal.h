/* Shared between the VT-d driver's files, not part of its API. */
#ifndef DRIVERS_VTD_VTD_INTERNAL_H
#define DRIVERS_VTD_VTD_INTERNAL_H

#include "drivers/vtd/vtd.h"

/* The registry (vtd_units.c): vtd_unit_new hands out the next free slot,
 * zeroed and numbered, or NULL when VTD_MAX_UNITS are taken; the slot
 * becomes a unit only once vtd_unit_keep is called on it, so a unit that
 * fails its probe leaves no trace. */
void vtd_units_clear(void);
struct vtd_unit *vtd_unit_new(void);
void vtd_unit_keep(struct vtd_unit *u);

/* Turns off what the previous owner left on (translation, interrupt
 * remapping, the invalidation queue, protected memory), saying so:
 * vtd_takeover.c. 0 or a negative error. */
int vtd_take_over(struct vtd_unit *u);
/* Resolves the DRHD's device scopes to bus numbers on this machine. */
int vtd_scope_load(struct vtd_unit *u, const struct dmar_table *dmar, const struct dmar_struct *s);
/* Builds the identity (or pass-through) domain and points the context
 * entry of every PCI function the unit covers at it. */
int vtd_context_setup(struct vtd_unit *u, const struct dmar_table *dmar,
		      const struct vtd_options *opt);

#endif
