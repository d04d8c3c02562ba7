# The USB stick image for real machines: `make usb` builds it and prints how
# to write it. Its configuration is boot/usb.cfg (the report is saved on
# the stick through UEFI variables and a reboot).
USB_IMG := $(B)/vtdbench-usb.img

$(USB_IMG): $(B)/BOOTX64.EFI $(B)/KERNEL.ELF boot/usb.cfg tools/mkusb.sh
	tools/mkusb.sh $@ $(B)/BOOTX64.EFI $(B)/KERNEL.ELF boot/usb.cfg

usb: deps
	@$(MAKE) --no-print-directory $(USB_IMG)
	@echo
	@echo "USB image: $(USB_IMG)"
	@echo "Write it to a USB stick (check the device with lsblk first: everything on it is erased):"
	@echo "  sudo dd if=$(USB_IMG) of=/dev/sdX bs=4M conv=fsync status=progress"
	@echo "Boot the machine from the stick (Secure Boot off, VT-d on); the report is saved"
	@echo "on the stick in \\REPORTS\\ and the machine powers off."

.PHONY: usb
