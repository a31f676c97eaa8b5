import type { Addr } from '../kernel/types.ts';

/** GOLDEN_RATIO_64 (include/linux/hash.h) */
const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;
const U64 = (1n << 64n) - 1n;

/**
 * hash_ptr(ptr, bits) on 64-bit: hash_64_generic, (val * GOLDEN_RATIO_64) >> (64 - bits). The
 * shift count is taken mod 64 as x86's shr does, so a garbage hash_bits (a reader on a freed
 * array) gives a wild bucket, not a crash of the simulation.
 */
export function hashPtr(ptr: Addr, bits: number): number {
  const shift = BigInt((64 - bits) & 63);
  return Number(((BigInt(ptr) * GOLDEN_RATIO_64) & U64) >> shift);
}
