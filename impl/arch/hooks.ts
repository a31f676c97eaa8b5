import type { Addr, Op } from '../kernel/types.ts';

/**
 * What the generic kfunc_md code needs from an architecture (spec §3): where the instruction
 * sits relative to the entry, how to recognise and encode it, and how to write it.
 */
export interface ArchHooks {
  readonly arch: 'x86' | 'arm64';
  /** the instruction starts at ip - insnOffset */
  readonly insnOffset: number;
  /** the u32 index is read from ip - dataOffset */
  readonly dataOffset: number;
  readonly insnSize: number;
  /** does the padding before ip hold a metadata instruction? (one load) */
  exist(ip: Addr): Op<boolean>;
  /** the instruction carrying `index` (insnSize bytes) */
  pretend(index: number): Uint8Array;
  /** the NOP pattern the padding holds when unused (insnSize bytes) */
  nops(): Uint8Array;
  /** write insnSize bytes of live text at target: 0 or a negative errno */
  poke(target: Addr, bytes: Uint8Array): Op<number>;
}
