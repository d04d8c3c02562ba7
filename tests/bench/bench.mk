# Host benchmark of the DMA layer's software path (tests/bench/dma_bench.c):
# IOVA allocator, page-table update through lib/iopt on host pages, deferred
# queue; the invalidation itself is a counter. `make bench` prints, per
# stream of 4 KiB buffers, instructions per map+unmap pair counted by
# callgrind on the steady state only, and TSC cycles per pair measured
# natively. A benchmark, not a test: it is not part of `make test`.
#   BENCH_PAIRS   pairs per measured run (callgrind runs use this and twice it)

# -O2 and no sanitizers: the figures are the point, as in the kernel build.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DHOST_BUILD -I.
BENCH_SRCS := $(wildcard lib/dma/*.c) lib/iopt/iopt.c
BENCH_PAIRS ?= 100000
VALGRIND ?= valgrind

$(B)/bench/dma_bench: tests/bench/dma_bench.c $(BENCH_SRCS) $(wildcard lib/*.h lib/*/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -o $@ tests/bench/dma_bench.c $(BENCH_SRCS)

bench: $(B)/bench/dma_bench
	@VALGRIND=$(VALGRIND) tests/bench/run.sh $(B)/bench/dma_bench $(BENCH_PAIRS) $(B)/bench

.PHONY: bench
