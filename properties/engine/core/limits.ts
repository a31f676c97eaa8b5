/**
 * The sizes a scenario may have, shared by the command line and the counterexample schema, so that
 * what `kfmd check` refuses up front a saved file cannot smuggle in. Each says why.
 */

/** ENTRIES_PER_PAGE: a power of two; 1024 entries of 16 bytes fill a 16 KiB page. */
export const ENTRIES_PER_PAGE_MAX = 1024;
/**
 * MAX_PAGE_ORDER: 10 is the kernel's for 4 KiB pages; a sequential scenario holds up to
 * ENTRIES_PER_PAGE × 2^MAX_PAGE_ORDER entries in simulated memory.
 */
export const MAX_PAGE_ORDER_MAX = 10;
/**
 * A concurrent run initialises and copies the whole array step by step: at most this many
 * entries (ENTRIES_PER_PAGE × 2^MAX_PAGE_ORDER) fit its step limit.
 */
export const CONCURRENT_ENTRIES_MAX = 4096;
/** Functions in one scenario (the generators boot at most a handful). */
export const FUNCTIONS_MAX = 64;
/** CPUs of a concurrent scenario. */
export const CPUS_MAX = 8;
/** Operations of one sequential scenario, or of one CPU's program. */
export const OPERATIONS_MAX = 1000;
/** The longest padding of any configuration (x86-A64): a foreign write or a tail is no longer. */
export const PADDING_MAX = 64;
/** A saved counterexample is a few KiB; a file larger than this is not one. */
export const COUNTEREXAMPLE_FILE_MAX = 4 * 1024 * 1024;
