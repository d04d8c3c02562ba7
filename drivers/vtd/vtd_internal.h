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

/* The queue lock (vtd_queue.c): false, after printing which unit and CPU
 * gave up, when it was not released within the unit's bound. */
bool vtd_queue_lock(struct vtd_unit *u, unsigned cpu);
void vtd_queue_unlock(struct vtd_unit *u);
/* Adds what CPU cpu counted without the lock to the unit's stats; under
 * the queue lock. */
void vtd_queue_fold_counts(struct vtd_unit *u, unsigned cpu);

/* The queued interface (vtd_queue.c, VT-d spec 6.5.2). */
int vtd_qi_enable(struct vtd_unit *u);
/* Holds a descriptor back in CPU cpu's staging area until its wait; a
 * full area goes into the ring under the lock (IQT is not moved). */
int vtd_qi_stage(struct vtd_unit *u, unsigned cpu, uint64_t lo, uint64_t hi);
/* CPU cpu's wait: its staged descriptors and a wait descriptor writing
 * its status slot, one IQT write, then the poll of the slot. With
 * only_if_empty, -1 without printing when anything is not yet handed
 * over (vtd_qi_empty_wait). Counts the wait. */
int vtd_qi_wait_on(struct vtd_unit *u, unsigned cpu, bool only_if_empty);

#endif
