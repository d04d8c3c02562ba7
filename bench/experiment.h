/* The streams a run is for: each workload (the NIC's packet stream, NVMe
 * reads) under each policy in turn. */
#ifndef BENCH_EXPERIMENT_H
#define BENCH_EXPERIMENT_H

#include "bench/options.h"

/* Runs the streams of every workload asked for (by default each one whose
 * device is present; with neither device, only the invalidation
 * micro-benchmarks, verdict EXIT_NO_NIC). With check set (selftest=stream)
 * every stream must be lossless and fault-free (NVMe: no read lost,
 * mismatched or failed) and its invalidation counts must match the
 * policy; with stale set (selftest=stale) the NIC also transmits from, and
 * the NVMe controller reads into, just-unmapped buffers. Prints PASS:/FAIL:
 * lines for the checks. Returns the verdict for kernel_exit. */
int experiment_run(const struct kernel_options *opt, bool check, bool stale);

#endif
