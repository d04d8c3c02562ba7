/* What each measured stream prints (its `result:` line) and, with
 * selftest=stream, what it is checked against: the policy's promise about
 * invalidations and a lossless, fault-free stream. */
#ifndef BENCH_ROW_CHECKS_H
#define BENCH_ROW_CHECKS_H

#include <stdbool.h>
#include "bench/net/stream.h"
#include "bench/nvme/nvme_stream.h"

void print_net_result(const struct stream_config *cfg, const struct stream_result *r);
void print_nvme_result(const struct nvme_stream_config *cfg, const struct nvme_stream_result *r);
/* PASS:/FAIL: lines; the failures. cm: the unit is in caching mode. */
int check_net_counts(const struct stream_config *cfg, const struct stream_result *r, bool cm);
int check_nvme_counts(const struct nvme_stream_config *cfg, const struct nvme_stream_result *r,
		      bool cm);

#endif
