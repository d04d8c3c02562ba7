/* How many CPUs vtdbench drives at most: the size of every per-CPU array,
 * from the kernel's per-CPU data to the DMA layer's lanes and the
 * remapping unit's wait slots. A machine with more runs on the first
 * CPUS_MAX, and the log says which were left out. */
#ifndef LIB_CPUS_H
#define LIB_CPUS_H

#define CPUS_MAX 64

#endif
