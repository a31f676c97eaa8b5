import { mutant, withHooks } from './define.ts';

/**
 * pretend() stores the index big-endian (a stray cpu_to_be32) while get_index() still does a
 * native little-endian load: index 0 round-trips, index 1 reads back as 0x01000000.
 */
export const bigEndianIndex = mutant(
  'big-endian-index',
  'pretend() encodes the index big-endian; get_index() reads it native (little-endian)',
  withHooks((hooks) => {
    // the index bytes follow the opcode on x86 (insn - data = 1) and are the word on arm64 (0)
    const at = hooks.insnOffset - hooks.dataOffset;
    return {
      ...hooks,
      pretend(index: number): Uint8Array {
        const buf = hooks.pretend(index);
        buf.subarray(at, at + 4).reverse();
        return buf;
      },
    };
  }),
);
