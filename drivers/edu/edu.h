/* QEMU's "edu" teaching device used as a DMA master for VT-d tests. */
#ifndef DRIVERS_EDU_EDU_H
#define DRIVERS_EDU_EDU_H

#include <stdint.h>

/* Device-side address of its 4 KiB DMA buffer (QEMU hw/misc/edu.c). */
#define EDU_BUFFER_ADDR 0x40000
#define EDU_BUFFER_SIZE 4096
/* Its DMA engine masks bus addresses to 28 bits: IOVAs stay below this. */
#define EDU_DMA_LIMIT   (1ull << 28)

struct edu_dev {
	uint8_t bus, dev, fn;
	volatile uint8_t *mmio;
};

/* Finds and enables the device; returns 0, or -1 when there is none. */
int edu_probe(struct edu_dev *e);
/* Copies len bytes between a bus address (an IOVA when translated) and the
 * device's buffer, and waits for the engine (bounded). Returns 0 or -1. */
int edu_dma_to_device(struct edu_dev *e, uint64_t bus_addr, uint32_t len);
int edu_dma_from_device(struct edu_dev *e, uint64_t bus_addr, uint32_t len);

#endif
