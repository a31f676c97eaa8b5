import { arm64Hooks } from '../arch/arm64.ts';
import type { ArchHooks } from '../arch/hooks.ts';
import { x86Hooks } from '../arch/x86.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Memory } from '../kernel/memory.ts';
import { TEXT_MUTEX } from '../kernel/mutexes.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';
import type { May25Boot } from './config.ts';

/**
 * What follows the 5-byte `insn` / `nop_insn` buffer on the kernel stack: the bytes x86's
 * kfunc_md_arch_poke copies past the buffer when insn_offset > 5. Deterministic (xorshift32 from a
 * fixed seed), never 0x90 nor 0xB8, so the clobber is visible and never mistaken for padding.
 */
export function stackGarbage(n: number): number[] {
  const out: number[] = [];
  let x = 0x2545f491;
  while (out.length < n) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const b = x & 0xff;
    if (b !== 0x90 && b !== 0xb8) out.push(b);
  }
  return out;
}

/**
 * The arch hooks of the May series, insn_offset and data_offset from the boot probe.
 *
 * x86 (02/25): exist/pretend/nops are v4's, read at the probed offsets. kfunc_md_arch_poke is
 * `text_poke(ip, insn, insn_offset); text_poke_sync()`: the LENGTH is insn_offset, not 5 (§4.5).
 * With offset 16 it copies 16 bytes out of the 5-byte stack buffer, so ip-11..ip-1 get stack
 * garbage (a live call-depth thunk included); with offset 5 it is right by accident; with 0 (the
 * unset-offsets WARN path) it copies nothing. Kept as posted.
 *
 * arm64 (03/25): v4's hooks; the new insn_offset argument of the poke is unused.
 */
export function may25Hooks(kernel: Kernel, boot: May25Boot): ArchHooks {
  const o = kernel.options;
  if (o.arch === 'arm64') return arm64Hooks(kernel, o);
  const mem = kernel.mem;
  const v4 = x86Hooks(kernel, o);
  return {
    ...v4,
    insnOffset: boot.insnOffset,
    dataOffset: boot.dataOffset,
    /** kfunc_md_arch_poke(ip, insn, insn_offset): text_poke(ip, insn, insn_offset); text_poke_sync(); return 0 */
    *poke(target: Addr, bytes: Uint8Array): Op<number> {
      const len = this.insnOffset;
      const src = [...bytes, ...stackGarbage(Math.max(0, len - bytes.length))];
      // the buffer's own bytes in kernel.pokeByteOrder (as v4's poke), then the overrun ascending
      for (const i of kernel.pokeByteOrder) if (i < len) yield* mem.store8(target + i, src[i]);
      for (let i = bytes.length; i < len; i++) yield* mem.store8(target + i, src[i]);
      // text_poke_sync(): an IPI, nothing to simulate on the bytes
      return 0;
    },
  };
}

/**
 * kfunc_md_text_poke(ip, insn, nop) (01/25): target = ip - insn_offset, under text_mutex; v4's
 * decision table (memcmp over KFUNC_MD_INSN_SIZE bytes), then kfunc_md_arch_poke(target, prog,
 * insn_offset).
 */
export function* kfuncMdTextPoke(
  mem: Memory,
  hooks: ArchHooks,
  ip: Addr,
  insn: Uint8Array | null,
  nop: Uint8Array,
): Op<number> {
  const target = ip - hooks.insnOffset;
  let ret = 0;
  yield* mem.mutexLock(TEXT_MUTEX);
  if (insn) {
    if ((yield* memcmp(mem, target, insn)) !== 0) {
      if ((yield* memcmp(mem, target, nop)) !== 0) ret = -EBUSY;
      else ret = yield* hooks.poke(target, insn);
    }
  } else if ((yield* memcmp(mem, target, nop)) !== 0) {
    ret = yield* hooks.poke(target, nop);
  }
  yield* mem.mutexUnlock(TEXT_MUTEX);
  return ret;
}

/** memcmp(addr, bytes, insn_size) against live text: byte loads, stopping at the first difference. */
function* memcmp(mem: Memory, addr: Addr, bytes: Uint8Array): Op<number> {
  for (let i = 0; i < bytes.length; i++) {
    const d = (yield* mem.load8(addr + i)) - bytes[i];
    if (d !== 0) return d;
  }
  return 0;
}
