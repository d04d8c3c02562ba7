# The hardware drivers, one folder each; they use the kernel core and lib/.
DRIVER_SRCS := drivers/acpi/acpi.c drivers/acpi/madt.c drivers/acpi/mcfg.c \
	drivers/acpi/dmar_scan.c drivers/pci/pci.c drivers/clock/hpet.c drivers/clock/pmtimer.c \
	drivers/vtd/vtd_hw.c drivers/vtd/vtd_inval.c drivers/vtd/vtd_fault.c \
	drivers/vtd/vtd_unit.c drivers/vtd/vtd_units.c drivers/vtd/vtd_context.c \
	drivers/vtd/vtd_mmio.c drivers/vtd/vtd_takeover.c drivers/vtd/vtd_did.c \
	drivers/edu/edu.c drivers/e1000/e1000.c \
	drivers/nvme/nvme_probe.c drivers/nvme/nvme_mmio.c drivers/nvme/nvme_queue.c \
	drivers/nvme/nvme_admin.c drivers/nvme/nvme_ctrl.c drivers/nvme/nvme_pairs.c drivers/nvme/nvme_io.c
