import type { Kernel } from '../kernel/kernel.ts';
import type { X86Options } from '../kernel/options.ts';
import type { Addr, Op } from '../kernel/types.ts';
import { X86_MOV_EAX, X86_NOP } from '../kernel/x86-encodings.ts';
import type { ArchHooks } from './hooks.ts';
import { x86MdOffsets } from './x86-offsets.ts';

/** KFUNC_MD_INSN_SIZE on x86: B8 + imm32 */
const INSN_SIZE = 5;

/**
 * v4 3/4: the instruction is `mov $index,%eax` (B8 + LE32), unused padding is 0x90s, and the
 * write is text_poke() of 5 bytes followed by text_poke_sync().
 * Not the INT3-based text_poke_bp() (smp_text_poke_single() since 2025): nothing makes the five
 * bytes appear at once.
 *
 * text_poke copies byte by byte here, in kernel.pokeByteOrder, so a concurrent reader can see
 * every intermediate state (spec §6).
 */
export function x86Hooks(kernel: Kernel, o: X86Options): ArchHooks {
  const { insnOffset, dataOffset } = x86MdOffsets(o);
  const mem = kernel.mem;
  // methods read offsets through `this`, so a copy with other offsets ({ ...hooks, insnOffset }) stays coherent
  const hooks: ArchHooks = {
    arch: 'x86',
    insnOffset,
    dataOffset,
    insnSize: INSN_SIZE,
    /** kfunc_md_arch_exist(ip): the byte at ip - KFUNC_MD_INSN_OFFSET is 0xB8 */
    *exist(ip: Addr): Op<boolean> {
      return (yield* mem.load8(ip - this.insnOffset)) === X86_MOV_EAX;
    },
    /** kfunc_md_arch_pretend(insn, index): 0xB8, then the index as a native-endian u32 */
    pretend(index: number): Uint8Array {
      const buf = new Uint8Array(INSN_SIZE);
      buf[0] = X86_MOV_EAX;
      new DataView(buf.buffer).setUint32(1, index >>> 0, true);
      return buf;
    },
    /** kfunc_md_arch_nops(insn): five BYTES_NOP1 (0x90) */
    nops(): Uint8Array {
      return new Uint8Array(INSN_SIZE).fill(X86_NOP);
    },
    /** kfunc_md_arch_poke(ip, insn): text_poke(ip, insn, KFUNC_MD_INSN_SIZE); text_poke_sync(); return 0 */
    *poke(target: Addr, bytes: Uint8Array): Op<number> {
      for (const i of kernel.pokeByteOrder) yield* mem.store8(target + i, bytes[i]);
      // text_poke_sync(): an IPI to serialise other CPUs; nothing to simulate on the bytes
      return 0;
    },
  };
  return hooks;
}
