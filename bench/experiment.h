/* The packet streams a run is for: each policy in turn through the NIC. */
#ifndef BENCH_EXPERIMENT_H
#define BENCH_EXPERIMENT_H

#include "bench/options.h"

/* Runs the streams. With check set (selftest=stream) every stream must be
 * lossless and fault-free and its invalidation counts must match the
 * policy; with stale set (selftest=stale) the NIC also transmits from
 * just-unmapped buffers. Prints PASS:/FAIL: lines for the checks. Returns
 * the verdict for kernel_exit. */
int experiment_run(const struct kernel_options *opt, bool check, bool stale);

#endif
