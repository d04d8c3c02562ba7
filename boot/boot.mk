# The UEFI loader, built with Debian's GNU-EFI (flags as its own docs give:
# position-independent, MS ABI for firmware calls, no red zone since the
# firmware's interrupt handlers run on our stack).
EFI_INC    := /usr/include/efi
EFI_LIB    := /usr/lib
LOADER_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -I. -I$(EFI_INC) -I$(EFI_INC)/x86_64 \
	-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
	-mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -Wno-unused-parameter
# The option words the loader reads itself, linked into the kernel as well
# (its option table holds them).
BOOT_SHARED_SRCS := boot/loader_options.c
LOADER_SRCS := boot/loader.c boot/elf_load.c boot/cmdline.c boot/report_save.c boot/report_vars.c \
	$(BOOT_SHARED_SRCS)
# lib/'s option parser, with what it needs. GNU-EFI's libefi defines memcpy
# and memset itself (beside InitializeLib, so they always come along): the
# loader's copy of lib/string.c takes the lib_ prefix its header offers, and
# so do the lib/ files calling it. Compiler-made calls go to libefi's.
LOADER_LIB_SRCS := lib/options.c lib/fmt.c lib/string.c lib/devpath.c
LOADER_OBJS := $(patsubst %.c,$(B)/%.o,$(LOADER_SRCS)) \
	$(patsubst lib/%.c,$(B)/boot/lib/%.o,$(LOADER_LIB_SRCS))

$(B)/boot/%.o: boot/%.c
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/boot/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(LOADER_CFLAGS) -DLIB_STRING_PREFIX=lib_ -MMD -MP -c -o $@ $<

$(B)/boot/loader.so: $(LOADER_OBJS)
	$(LD) -shared -Bsymbolic -nostdlib -znocombreloc -T $(EFI_LIB)/elf_x86_64_efi.lds \
		$(EFI_LIB)/crt0-efi-x86_64.o $^ -L$(EFI_LIB) -lgnuefi -lefi -o $@

$(B)/BOOTX64.EFI: $(B)/boot/loader.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
		-j .rela -j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 \
		--subsystem=10 $< $@

-include $(LOADER_OBJS:.o=.d)
