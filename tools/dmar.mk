# dmardump: host build of the kernel's DMAR parser (lib/dmar/*.c) as a
# command-line decoder for raw DMAR tables (see `dmardump --help`).

DMAR_LIB_SRCS := $(wildcard lib/dmar/*.c)
DMAR_LIB_HDRS := $(wildcard lib/dmar/*.h) lib/string.h
# -O2 and no sanitizers: a tool for people. The tests build their own
# sanitized copies (tests/dmar/dmar.mk).
DMARDUMP_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wformat=2 -DHOST_BUILD -I.

$(B)/dmardump: tools/dmardump.c $(DMAR_LIB_SRCS) $(DMAR_LIB_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(DMARDUMP_CFLAGS) -o $@ tools/dmardump.c $(DMAR_LIB_SRCS)

HOST_TOOLS += $(B)/dmardump
