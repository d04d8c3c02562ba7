/* The local APIC and its timer, the clock behind deadline-driven work. */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_TIMER_VECTOR    0x40
#define LAPIC_SPURIOUS_VECTOR 0xff

enum lapic_timer_mode { LAPIC_TIMER_ONESHOT, LAPIC_TIMER_TSC_DEADLINE };

/* Enables the local APIC (xAPIC or x2APIC, as the firmware left it),
 * masks the legacy PIC and calibrates the one-shot timer against the TSC.
 * Needs the TSC rate. Returns 0 or a negative error. */
int lapic_init(void);
bool lapic_has_tsc_deadline(void);
/* Arms a single interrupt at TSC value `deadline` in the given mode (the
 * one-shot count is derived from the calibrated rate). */
void lapic_timer_arm(enum lapic_timer_mode mode, uint64_t deadline);
void lapic_timer_cancel(void);
/* Called from the interrupt with the TSC at delivery. */
void lapic_timer_set_callback(void (*fn)(uint64_t now));
/* Interrupts delivered so far, and the TSC at the latest one. */
uint64_t lapic_timer_count(void);
uint64_t lapic_timer_last_tsc(void);
uint64_t lapic_timer_hz(void);
/* Signals the end of an interrupt's handling. */
void lapic_eoi(void);
/* True while the local APIC has `vector` in service (its ISR bit is set):
 * an interrupt it delivered and that has not had its EOI yet. */
bool lapic_in_service(uint8_t vector);
/* Sets the task priority: vectors whose class (bits 7:4) is not above
 * tpr's class stay pending until it is lowered. */
void lapic_set_task_priority(uint8_t tpr);
/* Sends this CPU a fixed, edge-triggered interrupt on `vector` (self-tests
 * use it for vectors no device raises). Returns 0 or -1 after printing. */
int lapic_send_self_ipi(uint8_t vector);
/* This CPU's APIC id, as MSI destinations name it. */
uint32_t lapic_id(void);

#endif
