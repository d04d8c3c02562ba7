# What the kernel exists for: the run (main), its options, the experiment's
# rows and sweeps, the micro-benchmarks and the glue between the DMA layer
# and the VT-d driver; the workloads (net/: the packet stream and its
# stale-translation test, its teardown and deadline edges; nvme/: the NVMe
# read stream and its stale-translation test), the report and its
# hand-over (report/), and the in-kernel self-tests (selftest/).
BENCH_KERNEL_SRCS := bench/main.c bench/check.c bench/flush_deadline.c bench/options.c bench/experiment.c bench/plan.c bench/row_checks.c bench/microbench.c bench/microbench_cost.c \
	bench/dma_vtd.c \
	bench/net/stream.c bench/net/stream_setup.c bench/net/stale.c bench/net/teardown.c \
	bench/nvme/nvme_read.c bench/nvme/nvme_stream.c bench/nvme/nvme_stream_setup.c bench/nvme/nvme_stale.c \
	bench/report/report.c bench/report/report_summary.c bench/report/report_latency.c bench/report/report_save.c bench/report/report_smp.c \
	bench/selftest/selftest.c bench/selftest/selftest_vtd.c bench/selftest/selftest_irq.c bench/selftest/selftest_nvme.c bench/selftest/selftest_smp.c
