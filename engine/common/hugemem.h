/*
 * Transparent huge pages for the engine's few large arrays (rows, id hash
 * tables, audit keys).  Those arrays are written once and then read at
 * random; with 4 KiB pages every cache miss is also a TLB miss and every
 * first touch is a page fault, which profiles showed as a sixth of a run.
 * Linux's default THP mode is "madvise", so the engine asks for 2 MiB
 * pages on ranges that can use them.  A hint only: where the kernel says
 * no (other systems, THP disabled) nothing changes but speed.
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
