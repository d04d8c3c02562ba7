/* lib/pci_id.h: packing and unpacking bus, device and function. */
#include "check.h"
#include "lib/pci_id.h"

/* Values a VT-d fault log shows: the edu device at 00:04.0 and a function
 * behind a bridge, 3a:1f.7, as requester ids. */
static void test_known_ids(void)
{
	CHECK_EQ_U64(PCI_DEVFN(4, 0), 0x20);
	CHECK_EQ_U64(PCI_DEVFN(0x1f, 7), 0xff);
	CHECK_EQ_U64(PCI_DEVFN(2, 3), 0x13);
	CHECK_EQ_U64(PCI_BDF(0, PCI_DEVFN(4, 0)), 0x0020);
	CHECK_EQ_U64(PCI_BDF(0x3a, PCI_DEVFN(0x1f, 7)), 0x3aff);
	CHECK_EQ_U64(PCI_BUS(0x3aff), 0x3a);
	CHECK_EQ_U64(PCI_SLOT(0x3aff), 0x1f);
	CHECK_EQ_U64(PCI_FUNC(0x3aff), 7);
}

/* Every function of every bus: decode(encode(x)) == x, and no two
 * functions share a requester id. */
static void test_round_trip(void)
{
	static unsigned char seen[65536];

	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned dev = 0; dev < 32; dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				uint8_t devfn = PCI_DEVFN(dev, fn);
				uint16_t bdf = PCI_BDF(bus, devfn);
				CHECK_EQ_U64(PCI_SLOT(devfn), dev);
				CHECK_EQ_U64(PCI_FUNC(devfn), fn);
				CHECK_EQ_U64(PCI_BUS(bdf), bus);
				CHECK_EQ_U64(PCI_SLOT(bdf), dev);
				CHECK_EQ_U64(PCI_FUNC(bdf), fn);
				CHECK(!seen[bdf]);
				seen[bdf] = 1;
			}
}

/* Out-of-range fields stay in their own bits instead of spilling into
 * the neighbour's. */
static void test_fields_do_not_overlap(void)
{
	CHECK_EQ_U64(PCI_DEVFN(0x20, 0), 0x00);
	CHECK_EQ_U64(PCI_DEVFN(0, 8), 0x00);
	CHECK_EQ_U64(PCI_DEVFN(0, 0xf), 0x07);
	CHECK_EQ_U64(PCI_BDF(0x1ff, 0), 0xff00);
}

int main(void)
{
	RUN_TEST("pci_id", test_known_ids);
	RUN_TEST("pci_id", test_round_trip);
	RUN_TEST("pci_id", test_fields_do_not_overlap);
	return CHECK_EXIT_STATUS();
}
