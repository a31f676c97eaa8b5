import type { ArchHooks } from '../arch/hooks.ts';
import type { Memory } from '../kernel/memory.ts';
import { TEXT_MUTEX } from '../kernel/mutexes.ts';
import { EBUSY } from '../kernel/types.ts';
import type { Addr, Op } from '../kernel/types.ts';

/**
 * The text side of the locked store: the same decision table as every version (spec §2.4),
 * always under text_mutex, which callers take only while holding kfunc_md_mutex (I9 order).
 */
export class TextWindow {
  constructor(
    private readonly mem: Memory,
    private readonly hooks: ArchHooks,
  ) {}

  /** kfunc_md_text_poke(ip, insn, nop): already equal -> 0; NOPs -> kfunc_md_arch_poke; anything else -> -EBUSY */
  *install(ip: Addr, insn: Uint8Array): Op<number> {
    const target = ip - this.hooks.insnOffset;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    let ret = -EBUSY;
    if (yield* this.equals(target, insn)) ret = 0;
    else if (yield* this.equals(target, this.hooks.nops())) ret = yield* this.hooks.poke(target, insn);
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
    return ret;
  }

  /**
   * kfunc_md_text_poke(ip, NULL, nop), but stricter: write the NOPs back only over our own
   * instruction; foreign bytes are someone else's.
   */
  *restoreIfHolds(ip: Addr, insn: Uint8Array): Op<void> {
    const target = ip - this.hooks.insnOffset;
    yield* this.mem.mutexLock(TEXT_MUTEX);
    if (yield* this.equals(target, insn)) yield* this.hooks.poke(target, this.hooks.nops());
    yield* this.mem.mutexUnlock(TEXT_MUTEX);
  }

  private *equals(addr: Addr, bytes: Uint8Array): Op<boolean> {
    for (let i = 0; i < bytes.length; i++) {
      if ((yield* this.mem.load8(addr + i)) !== bytes[i]) return false;
    }
    return true;
  }
}
