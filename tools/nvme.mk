# The QEMU NVMe drive's image: every 512-byte block holds the content
# lib/block_pattern.h defines, which the kernel checks on each read.
#   NVME=64M    the size `make run` attaches (the default, Makefile) (K, M or G; a multiple of 512)
#   NVME=none   no drive
NVME_IMG := $(B)/nvme.img

MKPATTERN_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wformat=2 -DHOST_BUILD -I.

$(B)/mkpattern: tools/mkpattern.c lib/block_pattern.c lib/block_pattern.h
	@mkdir -p $(@D)
	$(HOSTCC) $(MKPATTERN_CFLAGS) -o $@ tools/mkpattern.c lib/block_pattern.c

HOST_TOOLS += $(B)/mkpattern

# The size the image was last written with: rewritten only when NVME
# changes or the image's file is not of that size, so the image is rebuilt
# when it is missing, of another size, or its pattern changed (mkpattern
# rebuilt), and otherwise kept.
$(B)/nvme.size: $(B)/mkpattern FORCE
	@mkdir -p $(@D)
	@want=$$($(B)/mkpattern --bytes '$(NVME)') || exit 1; \
	if ! echo '$(NVME)' | cmp -s - $@ || \
		{ [ -f $(NVME_IMG) ] && [ "$$(stat -c %s $(NVME_IMG))" != "$$want" ]; }; then \
		echo '$(NVME)' > $@; fi

$(NVME_IMG): $(B)/mkpattern $(B)/nvme.size
	$(B)/mkpattern $@ $(NVME)

# The images of the in-VM tests, one per size their `nvme =` keys name.
$(B)/vm/nvme-%.img: $(B)/mkpattern
	@mkdir -p $(@D)
	$(B)/mkpattern $@ $*

FORCE:
.PHONY: FORCE

# Its host test runs the built tool (tests/host/test_mkpattern.c).
$(B)/host/test_mkpattern: tests/host/test_mkpattern.c $(B)/mkpattern lib/block_pattern.c \
		lib/block_pattern.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -DMKPATTERN='"$(B)/mkpattern"' -DMKPATTERN_WORK='"$(B)/host"' \
		-o $@ $< lib/block_pattern.c
