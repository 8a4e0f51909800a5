/*
 * Transparent huge pages for the engine's few large arrays read at random
 * (id hash tables, audit keys): with 4 KiB pages every cache miss is also
 * a TLB miss.  Linux's default THP mode is "madvise", so the engine asks
 * for 2 MiB pages on ranges that can use them.  A hint only: where the
 * kernel says no (other systems, THP disabled) nothing changes but speed.
 *
 * Not for arrays walked in order (the rows, the record ids): there huge
 * pages save few TLB misses, and the first touch of a fresh huge page can
 * cost far more than that of 4 KiB pages.  Measured on the 2-core VMs the
 * project is built and benchmarked on (free memory handed back to the
 * host, which backs it again on first touch): 1 GiB first written at
 * ~240 MB/s in 2 MiB pages against ~1.5 GB/s in 4 KiB pages; dropping the
 * hint on the rows and record ids took ~2.5 s of system time out of a
 * 20M-row run.
 */
#ifndef DG_HUGEMEM_H
#define DG_HUGEMEM_H

#include <stddef.h>

/* Advise huge pages for the 2 MiB-aligned part of [p, p + n); no-op below 4 MiB. */
void dg_hint_huge(void *p, size_t n);

/* Size of the pieces dg_prefault is best called with: one huge page. */
#define DG_PREFAULT_PIECE ((size_t)2 << 20)

/* Map the whole pages inside [p, p + n) writable now, without changing a
 * byte (MADV_POPULATE_WRITE), so that later writes take no page fault.
 * Why: the first touch of fresh memory (the kernel zeroing it, and on a VM
 * the hypervisor backing it) is most of the cost of writing a big array
 * once; done here, it can run as a task beside other parallel work instead
 * of inside a phase that cannot scale with it.  A hint only: no effect
 * where the kernel lacks it, never a change in contents.  Thread-safe for
 * any ranges (concurrent writers to the same bytes are not disturbed). */
void dg_prefault(void *p, size_t n);

#endif
