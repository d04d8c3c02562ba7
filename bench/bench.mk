# What the kernel exists for: the run, its workloads, rows and sweeps, the
# micro-benchmarks, the report and its hand-over, and the in-kernel self-tests.
BENCH_KERNEL_SRCS := bench/main.c bench/options.c bench/experiment.c bench/stream.c \
	bench/stream_setup.c bench/stale.c bench/microbench.c bench/report.c bench/report_save.c \
	bench/dma_vtd.c bench/selftest.c bench/selftest_vtd.c
