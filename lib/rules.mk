# lib/: freestanding pure logic shared by the kernel and the host tests.
LIB_SRCS = $(wildcard lib/*.c lib/*/*.c)
LIB_HDRS = $(wildcard lib/*.h lib/*/*.h)
