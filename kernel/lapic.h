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
/* The same on another CPU, on that CPU, after lapic_init: its own local
 * APIC enabled in the boot CPU's mode, its timer masked; the boot CPU's
 * calibration holds for every timer (one bus clock). */
void lapic_init_ap(void);
bool lapic_x2apic(void);
bool lapic_has_tsc_deadline(void);
/* The timer functions below act on the calling CPU's own timer and its
 * own count, last TSC and callback. */
/* Arms a single interrupt at TSC value `deadline` in the given mode (the
 * one-shot count is derived from the calibrated rate). */
void lapic_timer_arm(enum lapic_timer_mode mode, uint64_t deadline);
void lapic_timer_cancel(void);
/* Called from the interrupt with the TSC at delivery. */
void lapic_timer_set_callback(void (*fn)(uint64_t now));
/* Interrupts delivered so far, and the TSC at the latest one. */
uint64_t lapic_timer_count(void);
uint64_t lapic_timer_last_tsc(void);
/* CPU cpu's count, read from another CPU (self-tests). */
uint64_t lapic_timer_count_of(unsigned cpu);
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
/* Sends the CPU with local APIC id apic_id a fixed, edge-triggered
 * interrupt on vector; an INIT; a start-up IPI that starts it in real
 * mode at page * 4 KiB (SDM Vol. 3A 8.4.4.1, 11.6.1). Each returns 0, or
 * -1 after printing that the ICR did not take it. */
int lapic_send_ipi(uint32_t apic_id, uint8_t vector);
int lapic_send_init(uint32_t apic_id);
int lapic_send_startup(uint32_t apic_id, uint8_t page);
/* This CPU's APIC id, as MSI destinations name it. */
uint32_t lapic_id(void);

#endif
