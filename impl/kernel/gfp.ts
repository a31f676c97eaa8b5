/** GFP flags (include/linux/gfp_types.h) the simulated allocators read; the values are the kernel's. */

/** GFP_KERNEL */
export const GFP_KERNEL = 0xcc0;
/** __GFP_ZERO: the allocation is zeroed (kzalloc, kvzalloc, kvcalloc) */
export const __GFP_ZERO = 0x100;
/** __GFP_NOWARN: a failing allocation prints no warning (and an order past MAX_PAGE_ORDER no WARN) */
export const __GFP_NOWARN = 0x2000;
