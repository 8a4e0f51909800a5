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

#endif
