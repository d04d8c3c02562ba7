# The bootable FAT image that `make run` and the in-VM tests boot.
ESP_IMG := $(B)/esp.img

$(ESP_IMG): $(B)/BOOTX64.EFI $(B)/KERNEL.ELF boot/vtdbench.cfg tools/mkesp.sh
	tools/mkesp.sh $@ $(B)/BOOTX64.EFI $(B)/KERNEL.ELF boot/vtdbench.cfg
