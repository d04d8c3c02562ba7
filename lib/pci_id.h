/* How PCI packs a function's address into one number: the 8-bit devfn
 * (device in bits 7:3, function in 2:0) and the 16-bit requester id with
 * the bus above it (PCI Express base spec 2.2.6.2). VT-d uses the same
 * numbers: the requester id is a fault record's source id (VT-d spec
 * 10.4.14) and the devfn indexes a context table (9.3). In lib/ because
 * both the drivers and the pure-C libraries speak it. */
#ifndef LIB_PCI_ID_H
#define LIB_PCI_ID_H

#include <stdint.h>

#define PCI_DEVFN(dev, fn)  ((uint8_t)((((dev) & 0x1f) << 3) | ((fn) & 7)))
#define PCI_BDF(bus, devfn) ((uint16_t)(((bus) & 0xff) << 8 | ((devfn) & 0xff)))

/* The decoders take a devfn or a whole requester id: the device and
 * function sit in its low byte either way. */
#define PCI_BUS(bdf)        ((uint8_t)(((bdf) >> 8) & 0xff))
#define PCI_SLOT(devfn)     ((uint8_t)(((devfn) >> 3) & 0x1f))
#define PCI_FUNC(devfn)     ((uint8_t)((devfn) & 7))

#endif
